// One delivery target: where it goes, its state in words, what waits, how tries went since VMS
// started; and its actions: send a test, retry or drop the dead letters (drop asks first), and
// show them below the row.
import { createSignal, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import ConfirmButton from "../ConfirmButton";
import { formatWhen, messageOf } from "../format";
import DeadLetters from "./DeadLetters";
import { count, dropDeadLetters, retryDeadLetters, sendTest, STATE_MEANING, type Target } from "./deliveryApi";

/** The columns of the targets table, the actions included: the dead letters' row spans them. */
const COLUMNS = 5;

interface Props {
  target: Target;
  /** Called after every action, so that the list shows what it changed. */
  onChanged: () => void;
}

type Action = "test" | "retry" | "drop";

export default function TargetRow(props: Props) {
  const [busy, setBusy] = createSignal<Action | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [notice, setNotice] = createSignal<string | null>(null);
  const [sentId, setSentId] = createSignal<string | null>(null);
  const [open, setOpen] = createSignal(false);
  const name = () => props.target.name;
  const panelId = () => `dead-letters-${name()}`;
  const noDead = () => props.target.dead === 0;

  async function act(action: Action, failed: string, run: () => Promise<void>) {
    setBusy(action);
    setError(null);
    setNotice(null);
    setSentId(null);
    try {
      await run();
    } catch (failure) {
      setError(`${failed}${messageOf(failure)}`);
    } finally {
      setBusy(null);
      props.onChanged();
    }
  }

  const test = () =>
    act("test", "Send test failed: ", async () => {
      setSentId((await sendTest(name())).message_id);
    });
  const retry = () =>
    act("retry", "Cannot retry the dead letters: ", async () => {
      setNotice(`${count(await retryDeadLetters(name()), "dead letter")} back in line.`);
    });
  const drop = () =>
    act("drop", "Cannot drop the dead letters: ", async () => {
      setNotice(`${count(await dropDeadLetters(name()), "dead letter")} dropped.`);
    });

  return (
    <>
      <tr data-testid={`delivery-row-${name()}`}>
        <td>
          <div>{name()}</div>
          <div class="muted small destination" data-testid={`delivery-destination-${name()}`}>
            {props.target.destination}
          </div>
          <ErrorAlert small message={error()} testId={`delivery-error-${name()}`} />
          <Show when={sentId()}>
            <div class="ok small" role="status" data-testid={`delivery-test-sent-${name()}`}>
              The receiver acknowledged test message <code data-testid={`delivery-test-id-${name()}`}>{sentId()}</code>.
            </div>
          </Show>
          <Show when={notice()}>
            <div class="ok small" role="status" data-testid={`delivery-notice-${name()}`}>
              {notice()}
            </div>
          </Show>
        </td>
        <td>
          <span
            class={`state state-${props.target.state}`}
            title={STATE_MEANING[props.target.state]}
            data-testid={`delivery-state-${name()}`}
          >
            {props.target.state}
          </span>
          <div class="muted small">{STATE_MEANING[props.target.state]}</div>
          <Show when={props.target.last_error}>
            <div class="small error" data-testid={`delivery-last-error-${name()}`}>
              Last error ({formatWhen(props.target.last_error_ms)}): {props.target.last_error}
            </div>
          </Show>
        </td>
        <td>
          <div data-testid={`delivery-pending-${name()}`}>{props.target.pending} pending</div>
          <Show when={props.target.oldest_pending_ms != null}>
            <div class="muted small" data-testid={`delivery-oldest-${name()}`}>
              oldest {formatWhen(props.target.oldest_pending_ms)}
            </div>
          </Show>
          <div data-testid={`delivery-dead-${name()}`} classList={{ error: !noDead() }}>
            {props.target.dead} dead
          </div>
          <button
            type="button"
            class="link small"
            aria-expanded={open()}
            aria-controls={panelId()}
            disabled={noDead() && !open()}
            data-testid={`delivery-show-dead-${name()}`}
            onClick={() => setOpen(!open())}
          >
            {open() ? "Hide dead letters" : "Show dead letters"}
          </button>
        </td>
        <td>
          <div data-testid={`delivery-counters-${name()}`}>
            {props.target.delivered} delivered · {count(props.target.failed_tries, "failed try", "failed tries")}
          </div>
          <div class="muted small" data-testid={`delivery-last-success-${name()}`}>
            last success {formatWhen(props.target.last_success_ms, "never")}
          </div>
        </td>
        <td class="actions">
          <button type="button" disabled={busy() !== null} data-testid={`delivery-test-${name()}`} onClick={() => void test()}>
            {busy() === "test" ? "Sending…" : "Send test"}
          </button>
          <button
            type="button"
            disabled={noDead() || busy() !== null}
            data-testid={`delivery-retry-${name()}`}
            onClick={() => void retry()}
          >
            {busy() === "retry" ? "Retrying…" : "Retry dead letters"}
          </button>
          <ConfirmButton
            label="Drop dead letters"
            question={`Drop ${count(props.target.dead, "dead letter")} of ${name()} for good?`}
            disabled={noDead() || busy() !== null}
            onConfirm={drop}
            testId={`delivery-drop-${name()}`}
          />
        </td>
      </tr>
      <Show when={open()}>
        <tr class="dead-letters-row">
          <td colSpan={COLUMNS} id={panelId()}>
            <DeadLetters name={name()} dead={props.target.dead} />
          </td>
        </tr>
      </Show>
    </>
  );
}
