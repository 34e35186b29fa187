// The live detection overlay against the fake API: boxes scaled onto the picture with label,
// track id and score, following each poll, a failure said in words, and no poll left after it
// is switched off. Fake timers drive the ~4/s poll, so the test never waits on the clock.
import { render, screen } from "@solidjs/testing-library";
import { server } from "../settings/fakeServer";
import DetectionOverlay from "./DetectionOverlay";
import { caption, POLL_MS, RETRY_MS, scaleBox } from "./detections";

vi.mock("../api/client", async (importOriginal) => (await import("../settings/fakeServer")).withFakeClient(await importOriginal()));

const PATH = "/api/v1/cameras/door/detections";
const person = { label: "person", score: 0.874, box: [64, 36, 128, 180] as [number, number, number, number], track_id: 12 };

function answer(objects: unknown[]) {
  return { body: { wall_ms: 1, width: 640, height: 360, objects } };
}

beforeEach(() => {
  server.reset();
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe("scaleBox and caption", () => {
  it("moves a box from the analysed frame's pixels to the shown video's, inside it", () => {
    expect(scaleBox([64, 36, 128, 180], { width: 640, height: 360 }, { width: 1920, height: 1080 })).toEqual({ x: 192, y: 108, width: 192, height: 432 });
    expect(scaleBox([600, -10, 700, 50], { width: 640, height: 360 }, { width: 640, height: 360 })).toEqual({ x: 600, y: 0, width: 40, height: 50 });
    expect(scaleBox([30, 30, 10, 10], { width: 100, height: 100 }, { width: 100, height: 100 })).toEqual({ x: 10, y: 10, width: 20, height: 20 });
    expect(scaleBox([1, 2, 3, 4], { width: 0, height: 0 }, { width: 100, height: 100 }).width).toBe(0);
  });

  it("says label, track id and score", () => {
    expect(caption(person)).toBe("person #12 87%");
    expect(caption({ ...person, track_id: null })).toBe("person 87%");
  });
});

describe("<DetectionOverlay>", () => {
  it("draws the boxes of each poll and stops polling when removed", async () => {
    server.on("GET", PATH, answer([person]));
    const { unmount } = render(() => <DetectionOverlay cameraId="door" frame={() => undefined} />);
    await vi.advanceTimersByTimeAsync(0);
    const box = screen.getByTestId("detection-box");
    expect(box.getAttribute("data-track")).toBe("12");
    expect(box.textContent).toBe("person #12 87%");
    expect(box.querySelector("rect")?.getAttribute("x")).toBe("64");
    expect(screen.getByTestId("detections").querySelector("svg")?.getAttribute("viewBox")).toBe("0 0 640 360");

    server.on("GET", PATH, answer([{ ...person, box: [320, 36, 384, 180] }, { label: "car", score: 0.5, box: [0, 200, 200, 350], track_id: null }]));
    await vi.advanceTimersByTimeAsync(POLL_MS);
    const boxes = screen.getAllByTestId("detection-box");
    expect(boxes.map((item) => item.textContent)).toEqual(["person #12 87%", "car 50%"]);
    expect(boxes[0]?.querySelector("rect")?.getAttribute("x")).toBe("320");
    expect(server.calls("GET", PATH)).toHaveLength(2);

    unmount();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(RETRY_MS * 2);
    expect(server.calls("GET", PATH)).toHaveLength(2);
  });

  it("says why there are no detections, and tries again", async () => {
    server.on("GET", PATH, { status: 404, body: { status: 404, detail: "analytics is off for this camera" } });
    render(() => <DetectionOverlay cameraId="door" frame={() => undefined} />);
    await vi.advanceTimersByTimeAsync(0);
    expect(screen.getByTestId("detections-error").textContent).toBe("Detections: analytics is off for this camera");
    expect(screen.queryByTestId("detection-box")).toBeNull();
    server.on("GET", PATH, answer([person]));
    await vi.advanceTimersByTimeAsync(RETRY_MS);
    expect(screen.getAllByTestId("detection-box")).toHaveLength(1);
    expect(screen.queryByTestId("detections-error")).toBeNull();
  });
});
