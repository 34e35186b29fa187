// A small async loader for settings views: the last good data stays on screen while a reload runs
// or fails, and the failure is a message, never an exception thrown into rendering.
import { createSignal, onCleanup, type Accessor } from "solid-js";
import { messageOf } from "./format";

export interface Loader<T> {
  /** The last data loaded successfully (null before the first success). */
  data: Accessor<T | null>;
  /** The message of the last failure, cleared by the next success. */
  error: Accessor<string | null>;
  loading: Accessor<boolean>;
  /** Load again; a result that arrives after a newer reload started is ignored. */
  reload: () => Promise<void>;
  /** Replace the data without a request (after a save that answered with the new value). */
  set: (value: T) => void;
}

export function createLoader<T>(fetcher: () => Promise<T>, options: { refreshMs?: number } = {}): Loader<T> {
  const [data, setData] = createSignal<T | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(false);
  let generation = 0;
  let alive = true;

  async function reload() {
    const mine = ++generation;
    setLoading(true);
    try {
      const value = await fetcher();
      if (alive && mine === generation) {
        setData(() => value);
        setError(null);
      }
    } catch (failure) {
      if (alive && mine === generation) setError(messageOf(failure));
    } finally {
      if (alive && mine === generation) setLoading(false);
    }
  }

  void reload();
  const timer = options.refreshMs ? setInterval(() => void reload(), options.refreshMs) : undefined;
  onCleanup(() => {
    alive = false;
    if (timer !== undefined) clearInterval(timer);
  });
  return { data, error, loading, reload, set: (value) => setData(() => value) };
}
