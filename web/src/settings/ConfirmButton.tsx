// A destructive button that asks once more inline ("Remove cam1?" Yes / No) before it acts.
import { createSignal, Show } from "solid-js";

interface Props {
  /** The button's text, e.g. "Remove". */
  label: string;
  /** The question shown after the first click, e.g. "Remove camera cam1?". */
  question: string;
  onConfirm: () => void | Promise<void>;
  disabled?: boolean;
  testId?: string;
}

export default function ConfirmButton(props: Props) {
  const [asking, setAsking] = createSignal(false);
  const [busy, setBusy] = createSignal(false);

  async function confirm() {
    setBusy(true);
    try {
      await props.onConfirm();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  }

  return (
    <Show
      when={asking()}
      fallback={
        <button
          type="button"
          class="danger"
          disabled={props.disabled}
          data-testid={props.testId}
          onClick={() => setAsking(true)}
        >
          {props.label}
        </button>
      }
    >
      <span class="confirm" role="group" aria-label={props.question}>
        <span>{props.question}</span>
        <button
          type="button"
          class="danger"
          ref={(element) => queueMicrotask(() => element.focus())}
          disabled={busy()}
          data-testid={props.testId ? `${props.testId}-yes` : undefined}
          onClick={confirm}
        >
          Yes
        </button>
        <button type="button" disabled={busy()} onClick={() => setAsking(false)}>
          No
        </button>
      </span>
    </Show>
  );
}
