// The frame around every signed-in page: navigation, the user's name and sign-out.
import { A, useNavigate } from "@solidjs/router";
import type { ParentProps } from "solid-js";
import { session, signOut } from "../auth/session";

export default function Shell(props: ParentProps) {
  const navigate = useNavigate();
  async function leave() {
    await signOut();
    navigate("/signin", { replace: true });
  }
  return (
    <div class="shell">
      <header class="topbar">
        <A href="/live" class="brand">
          VMS
        </A>
        <nav aria-label="Main">
          <A href="/live">Live</A>
          <A href="/playback">Playback</A>
          <A href="/events">Events</A>
          <A href="/analytics">Analytics</A>
          <A href="/settings">Settings</A>
        </nav>
        <div class="user">
          <span class="username" data-testid="username">
            {session()?.user.username}
          </span>
          <button type="button" class="link" onClick={leave}>
            Sign out
          </button>
        </div>
      </header>
      <div class="page">{props.children}</div>
    </div>
  );
}
