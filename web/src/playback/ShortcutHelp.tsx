// The keyboard shortcuts popover: a "?" button that shows the table the key handler uses.
import { For, Show } from "solid-js";
import { SHORTCUTS } from "./keyboard";

export interface ShortcutHelpProps {
  open: boolean;
  onOpen: (open: boolean) => void;
}

export default function ShortcutHelp(props: ShortcutHelpProps) {
  return (
    <div class="shortcut-help">
      <button
        type="button"
        onClick={() => props.onOpen(!props.open)}
        aria-expanded={props.open}
        aria-controls="playback-shortcuts"
        aria-label="Keyboard shortcuts"
        title="Keyboard shortcuts (?)"
        data-testid="shortcuts-button"
      >
        ?
      </button>
      <Show when={props.open}>
        <div
          id="playback-shortcuts"
          class="shortcut-popover card"
          role="dialog"
          aria-label="Keyboard shortcuts"
          data-testid="shortcuts"
        >
          <table>
            <tbody>
              <For each={SHORTCUTS}>
                {(item) => (
                  <tr>
                    <th scope="row">
                      <kbd>{item.keys}</kbd>
                    </th>
                    <td>{item.what}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
          <button type="button" class="link" onClick={() => props.onOpen(false)}>
            Close
          </button>
        </div>
      </Show>
    </div>
  );
}
