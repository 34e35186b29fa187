// The sign-in page: user name and password, the server's error shown as it is worded.
import { useNavigate, useSearchParams } from "@solidjs/router";
import { createSignal } from "solid-js";
import ErrorAlert from "../app/ErrorAlert";
import { signIn } from "./session";

export default function SignIn() {
  const navigate = useNavigate();
  const [params] = useSearchParams<{ next?: string }>();
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [error, setError] = createSignal("");
  const [busy, setBusy] = createSignal(false);

  async function submit(event: SubmitEvent) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      await signIn(username().trim(), password());
      const next = params.next && params.next.startsWith("/") ? params.next : "/live";
      navigate(next, { replace: true });
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <form class="card signin-card" onSubmit={submit} aria-label="Sign in">
        <h1>VMS</h1>
        <label>
          User name
          <input
            name="username"
            autocomplete="username"
            required
            autofocus
            value={username()}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autocomplete="current-password"
            required
            value={password()}
            onInput={(e) => setPassword(e.currentTarget.value)}
          />
        </label>
        <ErrorAlert message={error()} />
        <button type="submit" class="primary" disabled={busy()}>
          {busy() ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}
