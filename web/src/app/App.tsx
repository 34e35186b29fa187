// The router: the sign-in page outside, every other page inside the shell behind the session guard.
import { Navigate, Route, Router, useLocation, useNavigate } from "@solidjs/router";
import { createEffect, lazy, Show, type ParentProps } from "solid-js";
import { checked, loadSession, session } from "../auth/session";
import SignIn from "../auth/SignIn";
import Shell from "./Shell";

const LiveGrid = lazy(() => import("../live/LiveGrid"));
const LiveCamera = lazy(() => import("../live/LiveCamera"));
const PlaybackPage = lazy(() => import("../playback/PlaybackPage"));
const SettingsPage = lazy(() => import("../settings/SettingsPage"));
const EventsPage = lazy(() => import("../events/EventsPage"));
const EventDetailPage = lazy(() => import("../events/EventDetailPage"));
const AnalyticsPage = lazy(() => import("../analytics/AnalyticsPage"));

/** Pages need a session: wait for the first check, then send signed-out users to sign in. */
function Guarded(props: ParentProps) {
  const navigate = useNavigate();
  const location = useLocation();
  createEffect(() => {
    if (checked() && session() === null) {
      const next = encodeURIComponent(location.pathname + location.search);
      navigate(`/signin?next=${next}`, { replace: true });
    }
  });
  return (
    <Show when={session()} fallback={<p class="loading">Loading…</p>}>
      <Shell>{props.children}</Shell>
    </Show>
  );
}

export default function App() {
  void loadSession();
  return (
    <Router>
      <Route path="/signin" component={SignIn} />
      <Route path="/" component={Guarded}>
        <Route path="/" component={() => <Navigate href="/live" />} />
        <Route path="/live" component={LiveGrid} />
        <Route path="/live/:cameraId" component={LiveCamera} />
        <Route path="/playback/:cameraId?" component={PlaybackPage} />
        <Route path="/events" component={EventsPage} />
        <Route path="/events/:eventId" component={EventDetailPage} />
        <Route path="/analytics" component={AnalyticsPage} />
        <Route path="/settings/*section" component={SettingsPage} />
        <Route path="*" component={() => <p class="empty">This page does not exist.</p>} />
      </Route>
    </Router>
  );
}
