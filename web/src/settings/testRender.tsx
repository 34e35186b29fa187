// For the settings tests only: render the settings page at a path, signed in with a role, inside
// a memory router (the fake server of fakeServer.ts answers the API).
import { createMemoryHistory, MemoryRouter, Route, useLocation } from "@solidjs/router";
import { render } from "@solidjs/testing-library";
import { loadSession, type Role } from "../auth/session";
import { server, sessionBody } from "./fakeServer";
import SettingsPage from "./SettingsPage";

// jsdom has no PointerEvent; testing-library then sends a bare Event without coordinates.
if (typeof window.PointerEvent === "undefined") {
  class FakePointerEvent extends MouseEvent {
    readonly pointerId: number;
    constructor(type: string, init: PointerEventInit = {}) {
      super(type, init);
      this.pointerId = init.pointerId ?? 1;
    }
  }
  window.PointerEvent = FakePointerEvent as unknown as typeof PointerEvent;
}

export async function renderSettings(path: string, role: Role = "admin", userId = 1) {
  window.scrollTo = () => undefined; // the router scrolls on navigation; jsdom has no layout
  server.on("GET", "/api/v1/auth/session", { body: sessionBody(role, userId) });
  await loadSession();
  const history = createMemoryHistory();
  history.set({ value: path });
  const result = render(() => (
    <MemoryRouter history={history}>
      <Route path="/settings/*section" component={SettingsPage} />
      <Route path="*" component={Elsewhere} />
    </MemoryRouter>
  ));
  return { ...result, history };
}

function Elsewhere() {
  const location = useLocation();
  return <p data-testid="elsewhere">{location.pathname}</p>;
}
