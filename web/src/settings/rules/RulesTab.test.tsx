import { server } from "../fakeServer";
import { fireEvent, screen, waitFor } from "@solidjs/testing-library";
import { renderSettings } from "../testRender";

vi.mock("../../api/client", async (importOriginal) => (await import("../fakeServer")).withFakeClient(await importOriginal()));

const cameras = [
  { id: "door", name: "Door", main_url: "rtsp://192.0.2.1/a", has_password: false, transport: "tcp", enabled: true, record: true, record_stream: "main" },
];
const zones = [
  { name: "Lobby", kind: "zone", points: [[0.1, 0.1], [0.5, 0.1], [0.5, 0.5]] },
  { name: "Gate", kind: "line", points: [[0.5, 0], [0.5, 1]] },
];
const base = { enabled: true, labels: [], min_score: 0, min_width: 0, min_height: 0, schedule: [] };
const crowd = { ...base, kind: "count", name: "Crowd", zone: "Lobby", above: 3, labels: ["person"] };

beforeEach(() => {
  server.reset();
  server.on("GET", "/api/v1/cameras", { body: cameras });
  server.on("GET", "/api/v1/cameras/door/zones", { body: zones });
});

function input(testId: string, value: string) {
  fireEvent.input(screen.getByTestId(testId), { target: { value } });
}

function choose(testId: string, value: string) {
  fireEvent.change(screen.getByTestId(testId), { target: { value } });
}

describe("the rules tab", () => {
  it("opens the first camera, shows its rules, their issues and the site's time zone", async () => {
    server.on("GET", "/api/v1/cameras/door/rules", {
      body: { rules: [crowd], issues: [{ index: 0, detail: "Crowd: the camera has no zone named 'Lobby'" }], timezone: "Europe/Berlin" },
    });
    const { history } = await renderSettings("/settings/rules");
    await waitFor(() => expect(history.get()).toBe("/settings/rules/door"));
    expect(((await screen.findByTestId("rule-0-name")) as HTMLInputElement).value).toBe("Crowd");
    expect((screen.getByTestId("rule-0-above") as HTMLInputElement).value).toBe("3");
    expect(screen.getByTestId("rule-0-issues").textContent).toContain("no zone named 'Lobby'");
    expect(screen.getByTestId("rules-timezone").textContent).toContain("Europe/Berlin");
  });

  it("adds a line-crossing rule on the camera's line, with a schedule, and saves it", async () => {
    server.on("GET", "/api/v1/cameras/door/rules", { body: { rules: [], issues: [], timezone: "UTC" } });
    server.on("PUT", "/api/v1/cameras/door/rules", ({ body }) => ({ body: { ...(body as object), issues: [], timezone: "UTC" } }));
    await renderSettings("/settings/rules/door");
    await screen.findByTestId("add-rule");
    choose("new-rule-kind", "line");
    fireEvent.click(screen.getByTestId("add-rule"));
    const target = (await screen.findByTestId("rule-0-target")) as HTMLSelectElement;
    expect([...target.options].map((option) => option.value)).toEqual(["Gate"]);
    input("rule-0-name", "Gate in");
    choose("rule-0-direction", "b_to_a");
    input("rule-0-labels", "person");
    input("rule-0-min_score", "50");
    fireEvent.click(screen.getByTestId("rule-0-schedule-add"));
    input("rule-0-schedule-0-start", "22:00");
    input("rule-0-schedule-0-end", "06:00");
    fireEvent.click(screen.getByTestId("save-rules"));
    await screen.findByTestId("rules-saved");
    expect(server.calls("PUT", "/api/v1/cameras/door/rules")[0]?.body).toEqual({
      rules: [
        {
          ...base,
          kind: "line",
          name: "Gate in",
          line: "Gate",
          direction: "b_to_a",
          labels: ["person"],
          min_score: 0.5,
          schedule: [{ days: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], start: "22:00", end: "06:00" }],
        },
      ],
    });
  });

  it("keeps a bad rule from the server and shows the server's refusal on its field", async () => {
    server.on("GET", "/api/v1/cameras/door/rules", { body: { rules: [crowd], issues: [], timezone: "UTC" } });
    server.on("PUT", "/api/v1/cameras/door/rules", {
      status: 422,
      body: { status: 422, detail: "some fields of the request are invalid; see errors", errors: [{ location: "body", field: "rules[0].count.above", detail: "too many" }] },
    });
    await renderSettings("/settings/rules/door");
    await screen.findByTestId("rule-0-above");
    input("rule-0-above", "many");
    fireEvent.click(screen.getByTestId("save-rules"));
    expect((await screen.findByTestId("rule-0-above-error")).textContent).toBe("a whole number from 0 to 1000");
    expect(server.calls("PUT", "/api/v1/cameras/door/rules")).toHaveLength(0);

    input("rule-0-above", "999");
    fireEvent.click(screen.getByTestId("save-rules"));
    await waitFor(() => expect(screen.getByTestId("rule-0-above-error").textContent).toBe("too many"));
  });

  it("removes a rule and switches a rule off", async () => {
    const gate = { ...base, kind: "line", name: "Gate", line: "Gate", direction: "both" };
    server.on("GET", "/api/v1/cameras/door/rules", { body: { rules: [crowd, gate], issues: [], timezone: "UTC" } });
    server.on("PUT", "/api/v1/cameras/door/rules", ({ body }) => ({ body: { ...(body as object), issues: [], timezone: "UTC" } }));
    await renderSettings("/settings/rules/door");
    await screen.findByTestId("rule-1-name");
    fireEvent.click(screen.getByTestId("rule-0-remove"));
    fireEvent.click(screen.getByTestId("rule-0-enabled"));
    fireEvent.click(screen.getByTestId("save-rules"));
    await screen.findByTestId("rules-saved");
    expect(server.calls("PUT", "/api/v1/cameras/door/rules")[0]?.body).toEqual({ rules: [{ ...gate, enabled: false }] });
  });
});
