import { server } from "../fakeServer";
import { screen, waitFor } from "@solidjs/testing-library";
import { renderSettings } from "../testRender";

vi.mock("../../api/client", async (importOriginal) => (await import("../fakeServer")).withFakeClient(await importOriginal()));

// uPlot draws on a canvas, which jsdom lacks: record what the charts ask of it instead.
const plots = vi.hoisted(() => [] as { options: { series: { label?: string }[] }; data: unknown[]; destroyed: boolean }[]);
vi.mock("uplot", () => ({
  default: class {
    record: (typeof plots)[number];
    width = 300;
    constructor(options: (typeof plots)[number]["options"], data: unknown[], host: HTMLElement) {
      this.record = { options, data, destroyed: false };
      plots.push(this.record);
      host.append(document.createElement("canvas"));
    }
    setData(data: unknown[]) {
      this.record.data = data;
    }
    setSize() {}
    destroy() {
      this.record.destroyed = true;
    }
  },
}));

const health = {
  version: "1.2.3",
  uptime_s: 7_500,
  cameras: { online: 2, reconnecting: 1, offline: 0, total: 3 },
  pools: [
    { name: "default", path: "/var/lib/vms", total_bytes: 1e12, used_bytes: 9.5e11, free_bytes: 5e10, media_bytes: 8e11, writable: true },
    { name: "usb", path: "/mnt/usb", writable: false, detail: "the folder cannot be read" },
  ],
  database: "ok",
};

const history = {
  start_ms: 1_700_000_000_000,
  step_ms: 10_000,
  series: [
    { name: "camera_fps", labels: { camera: "door", stream: "main" }, unit: "fps", points: [25, 25] },
    { name: "process_cpu_percent", labels: {}, unit: "percent", points: [3, 4] },
  ],
};

beforeEach(() => {
  server.reset();
  plots.length = 0;
  server.on("GET", "/api/v1/system/health", { body: health });
  server.on("GET", "/api/v1/system/metrics", { body: history });
});

describe("the system tab", () => {
  it("shows health, pools with their usage, and a chart per kind of figure", async () => {
    await renderSettings("/settings/system", "viewer");
    expect((await screen.findByTestId("system-version")).textContent).toBe("1.2.3");
    expect(screen.getByTestId("system-cameras").textContent).toContain("2 online");
    expect(screen.getByText("2 h 5 min")).toBeTruthy();
    const meter = screen.getByRole("meter", { name: "Disk of pool default in use" });
    expect(meter.getAttribute("aria-valuenow")).toBe("95");
    expect(meter.classList.contains("high")).toBe(true);
    expect(screen.getByTestId("pool-usb").textContent).toContain("not writable");
    expect(screen.getByTestId("pool-usb").textContent).toContain("the folder cannot be read");

    await waitFor(() => expect(plots).toHaveLength(2));
    expect(screen.getByTestId("chart-fps").querySelector("canvas")).not.toBeNull();
    expect(screen.getByTestId("chart-cpu")).toBeTruthy();
    expect(screen.queryByTestId("chart-disk")).toBeNull();
    expect(plots[0]?.options.series.map((series) => series.label)).toEqual([undefined, "door main"]);
    expect(plots[0]?.data).toEqual([[1_700_000_000, 1_700_000_010], [25, 25]]);
    expect(server.calls("GET", "/api/v1/system/metrics")[0]?.query.toString()).toBe("window_s=3600&step_s=10");
  });

  it("says when the server's figures cannot be read", async () => {
    server.on("GET", "/api/v1/system/health", { status: 403, body: { status: 403, detail: "admins only" } });
    await renderSettings("/settings/system", "viewer");
    expect((await screen.findByText(/Cannot read the server's health/)).textContent).toContain("admins only");
  });
});
