// Adding a user: name, first password (typed twice) and role.
import { createSignal, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import type { Role } from "../../auth/session";
import { formErrors } from "../format";
import { createUser, passwordProblem } from "./usersApi";

export default function AddUserForm(props: { onCreated: () => void }) {
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [repeated, setRepeated] = createSignal("");
  const [role, setRole] = createSignal<Role>("viewer");
  const [error, setError] = createSignal<string | null>(null);
  const [fieldErrors, setFieldErrors] = createSignal<Record<string, string>>({});
  const [busy, setBusy] = createSignal(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    const problems: Record<string, string> = {};
    if (!username().trim()) problems.username = "Required";
    const passwordIssue = passwordProblem(password(), repeated());
    if (passwordIssue) problems.password = passwordIssue;
    setFieldErrors(problems);
    setError(null);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      await createUser({ username: username().trim(), password: password(), role: role() });
      setUsername("");
      setPassword("");
      setRepeated("");
      setRole("viewer");
      props.onCreated();
    } catch (failure) {
      const server = formErrors(failure, ["username", "password", "role"]);
      setFieldErrors(server.fields);
      setError(server.general);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="card add-user" onSubmit={submit} novalidate data-testid="add-user-form">
      <h3>Add a user</h3>
      <ErrorAlert message={error()} />
      <div class="form-grid">
        <div class="field">
          <label for="new-user-name">User name</label>
          <input id="new-user-name" autocomplete="off" value={username()} onInput={(e) => setUsername(e.currentTarget.value)} />
          <Show when={fieldErrors().username}>
            <span class="error small">{fieldErrors().username}</span>
          </Show>
        </div>
        <div class="field">
          <label for="new-user-password">Password</label>
          <input
            id="new-user-password"
            type="password"
            autocomplete="new-password"
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
          <Show when={fieldErrors().password}>
            <span class="error small">{fieldErrors().password}</span>
          </Show>
        </div>
        <div class="field">
          <label for="new-user-repeat">Password again</label>
          <input
            id="new-user-repeat"
            type="password"
            autocomplete="new-password"
            value={repeated()}
            onInput={(e) => setRepeated(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="new-user-role">Role</label>
          <select id="new-user-role" value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <option value="viewer">viewer</option>
            <option value="operator">operator</option>
            <option value="admin">admin</option>
          </select>
        </div>
      </div>
      <div class="row form-actions">
        <button type="submit" class="primary" disabled={busy()} data-testid="add-user">
          {busy() ? "Adding…" : "Add user"}
        </button>
      </div>
    </form>
  );
}
