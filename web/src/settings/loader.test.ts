import { createRoot } from "solid-js";
import { createLoader } from "./loader";

afterEach(() => vi.useRealTimers());

/** Let pending promise callbacks run. */
const settle = () => new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => undefined);

describe("createLoader", () => {
  it("loads at once, reloads on its timer, and stops when disposed", async () => {
    vi.useFakeTimers();
    let calls = 0;
    const fetcher = vi.fn(async () => ++calls);
    const { loader, dispose } = createRoot((dispose) => ({ loader: createLoader(fetcher, { refreshMs: 10_000 }), dispose }));
    await vi.advanceTimersByTimeAsync(0);
    expect(loader.data()).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(loader.data()).toBe(2);
    dispose();
    await vi.advanceTimersByTimeAsync(30_000);
    expect(fetcher).toHaveBeenCalledTimes(2);
  });

  it("keeps the last data when a reload fails, and clears the error on success", async () => {
    let fail = false;
    const { loader, dispose } = createRoot((dispose) => ({
      loader: createLoader(async () => {
        if (fail) throw new Error("server away");
        return "figures";
      }),
      dispose,
    }));
    await settle();
    await settle();
    expect(loader.data()).toBe("figures");
    fail = true;
    await loader.reload();
    expect(loader.data()).toBe("figures");
    expect(loader.error()).toBe("server away");
    fail = false;
    await loader.reload();
    expect(loader.error()).toBeNull();
    dispose();
  });

  it("ignores an answer overtaken by a newer reload", async () => {
    const answers: ((value: string) => void)[] = [];
    const { loader, dispose } = createRoot((dispose) => ({
      loader: createLoader(() => new Promise<string>((resolve) => answers.push(resolve))),
      dispose,
    }));
    const second = loader.reload();
    answers[1]?.("new");
    await second;
    answers[0]?.("old");
    await settle();
    expect(loader.data()).toBe("new");
    dispose();
  });
});
