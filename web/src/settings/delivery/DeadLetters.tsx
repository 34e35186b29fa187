// A target's dead letters, oldest first, below its row: which event, camera and change each was,
// how many tries it had, why the last one failed and when VMS gave up. Loaded when shown, and
// again whenever the target's count of dead letters changes (a retry, a drop, a new one).
import { createEffect, For, on, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { formatWhen } from "../format";
import { createLoader } from "../loader";
import { listDeadLetters } from "./deliveryApi";

export default function DeadLetters(props: { name: string; dead: number }) {
  const letters = createLoader(() => listDeadLetters(props.name));
  createEffect(on(() => props.dead, () => void letters.reload(), { defer: true }));

  return (
    <div class="dead-letters" data-testid={`dead-letters-${props.name}`}>
      <ErrorAlert small prefix="Cannot list the dead letters: " message={letters.error()} />
      <Show
        when={letters.data()}
        fallback={
          <Show when={!letters.error()}>
            <p class="muted small">Loading dead letters…</p>
          </Show>
        }
      >
        {(list) => (
          <Show when={list().length > 0} fallback={<p class="muted small">No dead letters.</p>}>
            <Show when={props.dead > list().length}>
              <p class="muted small">
                The oldest {list().length} of {props.dead}.
              </p>
            </Show>
            <table>
              <caption class="visually-hidden">Dead letters of {props.name}</caption>
              <thead>
                <tr>
                  <th>Event</th>
                  <th>Camera</th>
                  <th>Change</th>
                  <th>Tries</th>
                  <th>Last error</th>
                  <th>Given up</th>
                </tr>
              </thead>
              <tbody>
                <For each={list()}>
                  {(letter) => (
                    <tr data-testid={`dead-letter-${letter.message_id}`}>
                      <td>
                        <div>{letter.event_id}</div>
                        <div class="muted small" title="X-VMS-Message-Id">
                          message {letter.message_id}
                        </div>
                      </td>
                      <td>{letter.camera_id}</td>
                      <td>{letter.phase}</td>
                      <td>{letter.attempts}</td>
                      <td class="error">{letter.last_error ?? "–"}</td>
                      <td>{formatWhen(letter.dead_ms)}</td>
                    </tr>
                  )}
                </For>
              </tbody>
            </table>
          </Show>
        )}
      </Show>
    </div>
  );
}
