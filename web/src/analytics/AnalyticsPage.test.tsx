// The Analytics page against the fake API: what it asks the statistics for (range, bucket, the
// browser's zone, cameras), what it draws, links that lead to the Events page with those events'
// filters, the choices in the address, and the empty, loading and error states.
import { Route } from "@solidjs/router";
import { fireEvent, screen, waitFor, within } from "@solidjs/testing-library";
import { cameraBody, renderRoutes } from "../events/testSupport";
import { server } from "../settings/fakeServer";
import AnalyticsPage from "./AnalyticsPage";
import { DAY0, H, statsBody } from "./testStats";

vi.mock("../api/client", async (importOriginal) => (await import("../settings/fakeServer")).withFakeClient(await importOriginal()));
const browser = vi.hoisted(() => ({ zone: "UTC" }));
vi.mock("./zonedTime", async (importOriginal) => ({
  ...(await importOriginal<typeof import("./zonedTime")>()),
  browserTimeZone: () => browser.zone,
}));

const STATS = "/api/v1/events/stats";
const lastQuery = () => server.calls("GET", STATS).at(-1)?.query;
const renderAnalytics = (path: string) => renderRoutes(path, () => <Route path="/analytics" component={AnalyticsPage} />);
const linkNames = (testId: string) =>
  within(screen.getByTestId(testId))
    .getAllByRole("link")
    .map((link) => link.getAttribute("aria-label"));

beforeEach(() => {
  server.reset();
  browser.zone = "UTC";
  vi.useFakeTimers({ toFake: ["Date"], now: DAY0 + 12 * H });
  server.on("GET", "/api/v1/cameras", { body: [cameraBody("cam1", "Gate"), cameraBody("cam2", "Yard")] });
  server.on("GET", STATS, { body: statsBody() });
});
afterEach(() => vi.useRealTimers());

describe("<AnalyticsPage>", () => {
  it("draws today's statistics by the hour, every bar a link named with its number", async () => {
    await renderAnalytics("/analytics?range=today");
    await waitFor(() => expect(screen.getByTestId("analytics-total").textContent).toBe("9"));
    expect(Object.fromEntries(lastQuery()!)).toEqual({
      start: String(DAY0),
      end: String(DAY0 + 24 * H),
      bucket: "hour",
      tz: "UTC",
    });
    expect(screen.getByTestId("analytics-timezone").textContent).toBe("Times in UTC");
    expect(screen.getByTestId("analytics-total").parentElement!.textContent).toBe("9 events closed, begun today. Show these 9 events");

    const chart = screen.getByTestId("events-over-time");
    expect(within(chart).getAllByTestId("chart-column")).toHaveLength(24);
    const ticks = chart.querySelectorAll(".column-tick");
    expect([...ticks].map((tick) => tick.textContent).filter(Boolean)).toEqual(["00:00", "03:00", "06:00", "09:00", "12:00", "15:00", "18:00", "21:00"]);
    expect(linkNames("events-over-time")).toEqual([
      "person, 2026-11-25 09:00–10:00: 1 event",
      "motion, 2026-11-25 09:00–10:00: 3 events",
      "person, 2026-11-25 14:00–15:00: 5 events",
    ]);
    await waitFor(() => expect(linkNames("by-camera")).toEqual(["Yard: 5 events", "Gate: 4 events"]));
    expect(linkNames("by-label")).toEqual(["label person: 6 events", "label motion: 3 events"]);
    expect(linkNames("by-rule")).toEqual(["rule Door: 4 events", "rule Crowd: 2 events"]);
    expect(linkNames("by-zone")).toEqual(["zone Yard: 3 events"]);
    expect(linkNames("crossings")).toEqual(["Door on Yard: 3 in, 1 out"]);
    expect(within(screen.getByTestId("crossings")).getByTestId("bar-value").textContent).toBe("in 3 · out 1");
    const occupancy = screen.getByTestId("occupancy");
    expect(occupancy.dataset).toMatchObject({ camera: "cam1", rule: "Crowd" });
    expect(within(occupancy).getByTestId("occupancy-peak").textContent).toBe("3");
    expect(within(occupancy).getByRole("link").getAttribute("aria-label")).toBe(
      "Crowd on Gate, 2026-11-25 14:00–15:00: at most 3 at once",
    );
    expect(screen.getByTestId("analytics-all-events").getAttribute("href")).toBe(`/events?from=${DAY0}&to=${DAY0 + 24 * H}`);
  });

  it("opens the Events page for a bar's events", async () => {
    const { history } = await renderAnalytics("/analytics?range=today&camera=cam1&camera=cam2");
    const segment = await screen.findByRole("link", { name: "motion, 2026-11-25 09:00–10:00: 3 events" });
    expect(segment.getAttribute("href")).toBe(
      `/events?camera=cam1&camera=cam2&label=motion&from=${DAY0 + 9 * H}&to=${DAY0 + 10 * H}`,
    );
    fireEvent.click(segment);
    await waitFor(() => expect(history.get()).toBe(segment.getAttribute("href")));
    expect(screen.getByTestId("elsewhere").textContent).toBe(segment.getAttribute("href"));
  });

  it("sends the browser's zone and the cameras chosen; the choices go to the address", async () => {
    browser.zone = "Asia/Kolkata";
    const { history } = await renderAnalytics("/analytics?range=today&camera=cam1");
    await screen.findByTestId("analytics-total");
    expect(lastQuery()?.get("tz")).toBe("Asia/Kolkata");
    expect(lastQuery()?.getAll("camera")).toEqual(["cam1"]);
    expect(lastQuery()?.get("start")).toBe(String(Date.UTC(2026, 10, 24, 19))); // 00:30 IST, a whole UTC hour
    expect(screen.getByTestId("analytics-timezone").textContent).toBe("Times in Asia/Kolkata");

    fireEvent.change(screen.getByTestId("analytics-range"), { target: { value: "30d" } });
    await waitFor(() => expect(history.get()).toBe("/analytics?range=30d&camera=cam1"));
    await waitFor(() => expect(lastQuery()?.get("bucket")).toBe("day"));
    server.on("GET", STATS, { body: statsBody({ bucket: "day", timezone: "Asia/Kolkata", series: [], series_by_label: [] }) });

    const cameras = screen.getByTestId("analytics-cameras");
    await waitFor(() => expect(within(cameras).getAllByRole("checkbox")).toHaveLength(2));
    fireEvent.click(within(cameras).getByLabelText("Yard"));
    await waitFor(() => expect(history.get()).toBe("/analytics?range=30d&camera=cam1&camera=cam2"));
    await waitFor(() => expect(lastQuery()?.getAll("camera")).toEqual(["cam1", "cam2"]));
    await waitFor(() => expect(within(screen.getByTestId("events-over-time")).getAllByTestId("chart-column")).toHaveLength(30));
    expect(within(screen.getByTestId("events-over-time")).queryAllByRole("link")).toHaveLength(0);
  });

  it("shows the last 7 days by default", async () => {
    await renderAnalytics("/analytics");
    await screen.findByTestId("analytics-total");
    expect(lastQuery()?.get("bucket")).toBe("day");
    expect(Number(lastQuery()?.get("end")) - Number(lastQuery()?.get("start"))).toBe(7 * 24 * H);
    expect((screen.getByTestId("analytics-range") as HTMLSelectElement).value).toBe("7d");
  });

  it("says when nothing was counted, and that open events count when they close", async () => {
    server.on("GET", STATS, {
      body: statsBody({ total: 0, series: [], series_by_label: [], by_label: [], by_camera: [], by_rule: [], by_zone: [], rules: [] }),
    });
    await renderAnalytics("/analytics?range=today");
    const empty = await screen.findByTestId("analytics-empty");
    expect(empty.textContent).toContain("counted once they have closed");
    expect(screen.queryByTestId("events-over-time")).toBeNull();
    expect(screen.queryByTestId("analytics-all-events")).toBeNull();
  });

  it("says when the statistics cannot be loaded, in the server's words", async () => {
    server.on("GET", STATS, { status: 422, body: { status: 422, detail: "'Mars/Base' is not a time zone" } });
    await renderAnalytics("/analytics");
    expect((await screen.findByTestId("analytics-error")).textContent).toBe(
      "The statistics could not be loaded: 'Mars/Base' is not a time zone",
    );
    expect(screen.queryByText("Loading statistics…")).toBeNull();
  });

  it("says it is loading until the first answer", async () => {
    let answer: (() => void) | undefined;
    server.on("GET", STATS, () => new Promise((resolve) => (answer = () => resolve({ body: statsBody() }))));
    await renderAnalytics("/analytics");
    expect(await screen.findByText("Loading statistics…")).toBeTruthy();
    await waitFor(() => expect(answer).toBeTypeOf("function"));
    answer!();
    await screen.findByTestId("analytics-total");
    expect(screen.queryByText("Loading statistics…")).toBeNull();
  });
});
