// One user in the users table: change the role, reset the password, disable or delete (never
// oneself: an admin cannot lock themselves out from here).
import { createSignal, Show } from "solid-js";
import { session, type Role } from "../../auth/session";
import ConfirmButton from "../ConfirmButton";
import { messageOf } from "../format";
import { changeUser, deleteUser, passwordProblem, type UserOut } from "./usersApi";

interface Props {
  user: UserOut;
  onChanged: (user: UserOut) => void;
  onDeleted: () => void;
}

export default function UserRow(props: Props) {
  const [error, setError] = createSignal<string | null>(null);
  const [resetting, setResetting] = createSignal(false);
  const [password, setPassword] = createSignal("");
  const [notice, setNotice] = createSignal<string | null>(null);
  const self = () => session()?.user.id === props.user.id;

  async function act(action: () => Promise<void>) {
    setError(null);
    setNotice(null);
    try {
      await action();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  const setRole = (role: Role) => act(async () => props.onChanged(await changeUser(props.user.id, { role })));
  const toggle = () => act(async () => props.onChanged(await changeUser(props.user.id, { disabled: !props.user.disabled })));
  const reset = (event: SubmitEvent) => {
    event.preventDefault();
    const problem = passwordProblem(password(), password());
    if (problem) return setError(problem);
    return act(async () => {
      props.onChanged(await changeUser(props.user.id, { password: password() }));
      setPassword("");
      setResetting(false);
      setNotice("Password changed.");
    });
  };

  return (
    <tr data-testid={`user-row-${props.user.username}`} classList={{ disabled: props.user.disabled }}>
      <td>
        {props.user.username}
        <Show when={self()}>
          <span class="muted small"> (you)</span>
        </Show>
        <Show when={error()}>
          <div class="error small" role="alert">
            {error()}
          </div>
        </Show>
        <Show when={notice()}>
          <div class="ok small" role="status">
            {notice()}
          </div>
        </Show>
      </td>
      <td>
        <select
          aria-label={`Role of ${props.user.username}`}
          value={props.user.role}
          disabled={self()}
          onChange={(event) => void setRole(event.currentTarget.value as Role)}
          data-testid={`user-role-${props.user.username}`}
        >
          <option value="viewer">viewer</option>
          <option value="operator">operator</option>
          <option value="admin">admin</option>
        </select>
      </td>
      <td class="wide-only">{props.user.disabled ? "disabled" : "active"}</td>
      <td class="actions">
        <Show
          when={resetting()}
          fallback={
            <button type="button" onClick={() => setResetting(true)}>
              Reset password
            </button>
          }
        >
          <form class="row" onSubmit={reset}>
            <input
              type="password"
              aria-label={`New password for ${props.user.username}`}
              autocomplete="new-password"
              value={password()}
              onInput={(event) => setPassword(event.currentTarget.value)}
              ref={(element) => queueMicrotask(() => element.focus())}
            />
            <button type="submit">Set</button>
            <button type="button" onClick={() => setResetting(false)}>
              Cancel
            </button>
          </form>
        </Show>
        <Show when={!self()}>
          <button type="button" onClick={() => void toggle()} data-testid={`user-toggle-${props.user.username}`}>
            {props.user.disabled ? "Enable" : "Disable"}
          </button>
          <ConfirmButton
            label="Delete"
            question={`Delete ${props.user.username}?`}
            onConfirm={() => act(async () => {
              await deleteUser(props.user.id);
              props.onDeleted();
            })}
            testId={`user-delete-${props.user.username}`}
          />
        </Show>
      </td>
    </tr>
  );
}
