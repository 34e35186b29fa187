import { server } from "../fakeServer";
import { fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { formatWall } from "../../playback/time";
import { renderSettings } from "../testRender";
import { REFRESH_MS } from "./DeliveryTab";

vi.mock("../../api/client", async (importOriginal) => (await import("../fakeServer")).withFakeClient(await importOriginal()));

const T0 = 1_796_665_818_000;
const target = (name: string, changes: object = {}) => ({
  name,
  kind: "webhook",
  destination: `https://${name}.example/hooks/vms`,
  state: "ok",
  pending: 0,
  dead: 0,
  oldest_pending_ms: null,
  delivered: 0,
  failed_tries: 0,
  last_success_ms: null,
  last_error: null,
  last_error_ms: null,
  ...changes,
});
const panel = target("panel", { delivered: 12, failed_tries: 1, last_success_ms: T0 });
const slow = target("slow", {
  state: "retrying",
  pending: 3,
  oldest_pending_ms: T0 - 60_000,
  delivered: 5,
  failed_tries: 4,
  last_success_ms: T0 - 120_000,
  last_error: "no answer within 5 s",
  last_error_ms: T0 - 1_000,
});
const down = target("down", { state: "failing", dead: 2, failed_tries: 40, last_error: "the receiver answered HTTP 500", last_error_ms: T0 });
const letter = (n: number) => ({
  message_id: `m${n}`.padEnd(32, "0"),
  event_id: `event-${n}`,
  camera_id: "gate",
  phase: n === 1 ? "opened" : "closed",
  created_ms: T0 - 90_000_000,
  attempts: 20,
  last_error: "the receiver answered HTTP 500",
  dead_ms: T0 - n * 1_000,
  payload: { schema: "vms.event/1" },
});

let targets: object[] = [];
const base = "/api/v1/delivery/targets";

beforeEach(() => {
  server.reset();
  targets = [panel, slow, down];
  server.on("GET", base, () => ({ body: targets }));
});

afterEach(() => vi.useRealTimers());

const row = (name: string) => screen.findByTestId(`delivery-row-${name}`);
const text = (testId: string) => screen.getByTestId(testId).textContent ?? "";

describe("the delivery tab", () => {
  it("lists each target with its state in words, its backlog, its counters and its last error", async () => {
    await renderSettings("/settings/delivery");
    await row("panel");
    expect(screen.getByRole("heading", { name: "Event delivery" })).toBeTruthy();
    const names = within(screen.getByTestId("delivery-targets")).getAllByRole("row").map((tr) => tr.getAttribute("data-testid"));
    expect(names).toEqual([null, "delivery-row-panel", "delivery-row-slow", "delivery-row-down"]);

    expect(text("delivery-state-panel")).toBe("ok");
    expect(screen.getByTestId("delivery-state-panel").classList.contains("state-ok")).toBe(true);
    expect(text("delivery-destination-panel")).toBe("https://panel.example/hooks/vms");
    expect(text("delivery-counters-panel")).toBe("12 delivered · 1 failed try");
    expect(text("delivery-last-success-panel")).toBe(`last success ${formatWall(T0)}`);
    expect(text("delivery-pending-panel")).toBe("0 pending");
    expect(screen.queryByTestId("delivery-oldest-panel")).toBeNull();
    expect(screen.queryByTestId("delivery-last-error-panel")).toBeNull();

    expect(text("delivery-state-slow")).toBe("retrying");
    expect(within(await row("slow")).getByText("the oldest message failed and waits for its next try")).toBeTruthy();
    expect(text("delivery-pending-slow")).toBe("3 pending");
    expect(text("delivery-oldest-slow")).toBe(`oldest ${formatWall(T0 - 60_000)}`);
    expect(text("delivery-counters-slow")).toBe("5 delivered · 4 failed tries");
    expect(text("delivery-last-error-slow")).toBe(`Last error (${formatWall(T0 - 1_000)}): no answer within 5 s`);

    expect(text("delivery-state-down")).toBe("failing");
    expect(screen.getByTestId("delivery-state-down").getAttribute("title")).toBe("dead letters wait for an admin");
    expect(text("delivery-dead-down")).toBe("2 dead");
    expect(text("delivery-last-success-down")).toBe("last success never");
    expect(text("delivery-last-error-down")).toContain("the receiver answered HTTP 500");
  });

  it("disables retry, drop and the dead letters of a target without dead letters", async () => {
    await renderSettings("/settings/delivery");
    await row("panel");
    for (const action of ["retry", "drop", "show-dead"]) {
      expect((screen.getByTestId(`delivery-${action}-panel`) as HTMLButtonElement).disabled).toBe(true);
      expect((screen.getByTestId(`delivery-${action}-down`) as HTMLButtonElement).disabled).toBe(false);
    }
  });

  it("says how to configure a target when there is none", async () => {
    targets = [];
    await renderSettings("/settings/delivery");
    const empty = await screen.findByTestId("delivery-empty");
    expect(empty.textContent).toContain("No delivery target is configured");
    expect(empty.textContent).toContain("events.webhooks");
    expect(empty.textContent).toContain("docs/guide/webhooks.md");
    expect(screen.queryByTestId("delivery-targets")).toBeNull();
  });

  it("says when the targets cannot be listed", async () => {
    server.on("GET", base, { status: 500, body: { status: 500, detail: "the database did not answer" } });
    await renderSettings("/settings/delivery");
    const error = await screen.findByTestId("delivery-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toBe("Cannot list the delivery targets: the database did not answer");
    expect(screen.queryByText("Loading targets…")).toBeNull();
    expect(screen.queryByTestId("delivery-empty")).toBeNull();
  });

  it("refreshes every few seconds, keeping the last list when a refresh fails", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    await renderSettings("/settings/delivery");
    await row("panel");
    targets = [{ ...panel, pending: 7 }];
    vi.advanceTimersByTime(REFRESH_MS);
    await waitFor(() => expect(text("delivery-pending-panel")).toBe("7 pending"));
    await waitFor(() => expect(screen.queryByTestId("delivery-row-slow")).toBeNull());

    server.on("GET", base, { status: 503, body: { status: 503, detail: "starting" } });
    vi.advanceTimersByTime(REFRESH_MS);
    expect((await screen.findByTestId("delivery-error")).textContent).toContain("starting");
    expect(text("delivery-pending-panel")).toBe("7 pending");
    expect(server.calls("GET", base)).toHaveLength(3);
  });

  it("sends a test message and shows its id", async () => {
    server.on("POST", `${base}/panel/test`, { body: { message_id: "5f0c8d7e9a1b2c3d4e5f60718293a4b5", payload: {} } });
    await renderSettings("/settings/delivery");
    const before = server.calls("GET", base).length;
    fireEvent.click(within(await row("panel")).getByText("Send test"));
    const sent = await screen.findByTestId("delivery-test-sent-panel");
    expect(sent.getAttribute("role")).toBe("status");
    expect(text("delivery-test-id-panel")).toBe("5f0c8d7e9a1b2c3d4e5f60718293a4b5");
    await waitFor(() => expect(server.calls("GET", base).length).toBeGreaterThan(before));
  });

  it("shows what the receiver answered when the test is not acknowledged", async () => {
    const detail = "the target did not take the test message: the receiver answered HTTP 500";
    server.on("POST", `${base}/down/test`, { status: 503, body: { status: 503, title: "Service Unavailable", detail } });
    await renderSettings("/settings/delivery");
    fireEvent.click(within(await row("down")).getByText("Send test"));
    const error = await screen.findByTestId("delivery-error-down");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toBe(`Send test failed: ${detail}`);
    expect(screen.queryByTestId("delivery-test-sent-down")).toBeNull();
  });

  it("retries the dead letters, says how many, and reloads the list", async () => {
    server.on("POST", `${base}/down/dead-letters/retry`, () => {
      targets = [panel, slow, { ...down, state: "ok", dead: 0, pending: 2 }];
      return { body: { count: 2 } };
    });
    await renderSettings("/settings/delivery");
    await row("down");
    fireEvent.click(screen.getByTestId("delivery-retry-down"));
    expect((await screen.findByTestId("delivery-notice-down")).textContent).toBe("2 dead letters back in line.");
    await waitFor(() => expect(text("delivery-state-down")).toBe("ok"));
    expect(text("delivery-pending-down")).toBe("2 pending");
    expect((screen.getByTestId("delivery-retry-down") as HTMLButtonElement).disabled).toBe(true);
    expect(server.calls("POST", `${base}/down/dead-letters/retry`)).toHaveLength(1);
  });

  it("drops the dead letters only after a confirmation", async () => {
    server.on("DELETE", `${base}/down/dead-letters`, () => {
      targets = [panel, slow, { ...down, state: "ok", dead: 0 }];
      return { body: { count: 2 } };
    });
    await renderSettings("/settings/delivery");
    await row("down");
    fireEvent.click(screen.getByTestId("delivery-drop-down"));
    expect(screen.getByRole("group", { name: "Drop 2 dead letters of down for good?" })).toBeTruthy();
    expect(server.calls("DELETE", `${base}/down/dead-letters`)).toHaveLength(0);
    fireEvent.click(screen.getByText("No"));
    expect(server.calls("DELETE", `${base}/down/dead-letters`)).toHaveLength(0);

    fireEvent.click(screen.getByTestId("delivery-drop-down"));
    fireEvent.click(screen.getByTestId("delivery-drop-down-yes"));
    expect((await screen.findByTestId("delivery-notice-down")).textContent).toBe("2 dead letters dropped.");
    expect(server.calls("DELETE", `${base}/down/dead-letters`)).toHaveLength(1);
    await waitFor(() => expect(text("delivery-dead-down")).toBe("0 dead"));
    expect((screen.getByTestId("delivery-drop-down") as HTMLButtonElement).disabled).toBe(true);
  });

  it("shows a refused change where it was asked for", async () => {
    server.on("POST", `${base}/down/dead-letters/retry`, { status: 404, body: { status: 404, detail: "no delivery target is named 'down'" } });
    await renderSettings("/settings/delivery");
    await row("down");
    fireEvent.click(screen.getByTestId("delivery-retry-down"));
    expect((await screen.findByTestId("delivery-error-down")).textContent).toBe(
      "Cannot retry the dead letters: no delivery target is named 'down'",
    );
  });

  it("expands a target's dead letters and loads them again when their count changes", async () => {
    let letters = [letter(1), letter(2)];
    server.on("GET", `${base}/down/dead-letters`, () => ({ body: letters }));
    await renderSettings("/settings/delivery");
    await row("down");
    const toggle = screen.getByTestId("delivery-show-dead-down");
    expect(toggle.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(toggle);
    expect(toggle.getAttribute("aria-expanded")).toBe("true");
    expect(toggle.textContent).toBe("Hide dead letters");
    const list = await screen.findByTestId("dead-letters-down");
    expect(list.closest("td")?.id).toBe(toggle.getAttribute("aria-controls"));
    const first = await within(list).findByTestId(`dead-letter-${letter(1).message_id}`);
    const cells = within(first).getAllByRole("cell").map((cell) => cell.textContent);
    expect(cells).toEqual([
      `event-1message ${letter(1).message_id}`,
      "gate",
      "opened",
      "20",
      "the receiver answered HTTP 500",
      formatWall(T0 - 1_000),
    ]);
    expect(within(list).getByTestId(`dead-letter-${letter(2).message_id}`).textContent).toContain("closed");

    letters = [letter(1)];
    targets = [panel, slow, { ...down, dead: 1 }];
    server.on("POST", `${base}/down/dead-letters/retry`, { body: { count: 0 } });
    fireEvent.click(screen.getByTestId("delivery-retry-down")); // any action reloads the list
    await waitFor(() => expect(within(list).queryByTestId(`dead-letter-${letter(2).message_id}`)).toBeNull());
    expect(server.calls("GET", `${base}/down/dead-letters`)).toHaveLength(2);

    fireEvent.click(toggle);
    expect(screen.queryByTestId("dead-letters-down")).toBeNull();
  });
});

describe("the delivery tab's access", () => {
  it("is shown to admins", async () => {
    await renderSettings("/settings/delivery", "admin");
    expect(screen.getByTestId("settings-tab-delivery").textContent).toBe("Delivery");
    await row("panel");
  });

  it.each(["viewer", "operator"] as const)("is hidden from a %s, and its path sends them to the first tab", async (role) => {
    server.on("GET", "/api/v1/cameras", { body: [] });
    const { history } = await renderSettings("/settings/delivery", role);
    await waitFor(() => expect(history.get()).toBe("/settings/cameras"));
    expect(screen.queryByTestId("settings-tab-delivery")).toBeNull();
    expect(server.calls("GET", base)).toHaveLength(0);
  });
});
