// "My account": every user changes their own password here (the current one is asked for).
import { createSignal, Show } from "solid-js";
import ErrorAlert from "../../app/ErrorAlert";
import { session } from "../../auth/session";
import { messageOf } from "../format";
import { changeOwnPassword, passwordProblem } from "./usersApi";

export default function AccountTab() {
  const [current, setCurrent] = createSignal("");
  const [next, setNext] = createSignal("");
  const [repeated, setRepeated] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const [done, setDone] = createSignal(false);
  const [busy, setBusy] = createSignal(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setDone(false);
    const problem = !current() ? "Type your current password" : passwordProblem(next(), repeated());
    setError(problem);
    if (problem) return;
    setBusy(true);
    try {
      await changeOwnPassword(current(), next());
      setCurrent("");
      setNext("");
      setRepeated("");
      setDone(true);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="settings-section" aria-labelledby="account-title">
      <h2 id="account-title">My account</h2>
      <p class="muted">
        Signed in as <strong>{session()?.user.username}</strong> ({session()?.user.role}).
      </p>
      <form class="card narrow" onSubmit={submit} novalidate data-testid="password-form">
        <h3>Change my password</h3>
        <label>
          Current password
          <input type="password" autocomplete="current-password" value={current()} onInput={(e) => setCurrent(e.currentTarget.value)} />
        </label>
        <label>
          New password
          <input type="password" autocomplete="new-password" value={next()} onInput={(e) => setNext(e.currentTarget.value)} />
        </label>
        <label>
          New password again
          <input type="password" autocomplete="new-password" value={repeated()} onInput={(e) => setRepeated(e.currentTarget.value)} />
        </label>
        <ErrorAlert message={error()} />
        <Show when={done()}>
          <p class="ok" role="status">
            Your password is changed.
          </p>
        </Show>
        <div class="row form-actions">
          <button type="submit" class="primary" disabled={busy()}>
            {busy() ? "Changing…" : "Change password"}
          </button>
        </div>
      </form>
    </section>
  );
}
