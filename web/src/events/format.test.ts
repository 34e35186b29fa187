// How event facts read.
import { cameraName, describeEvent, formatEventDuration, formatScore, formatZones } from "./format";
import { cameraBody, eventBody, T0 } from "./testSupport";

describe("format", () => {
  it("shows the score as a whole percentage", () => {
    expect(formatScore(0.234)).toBe("23%");
    expect(formatScore(1)).toBe("100%");
    expect(formatScore(0.004)).toBe("0%");
  });

  it.each<[number | null, string]>([
    [null, "ongoing"],
    [4_200, "4 s"],
    [60_000, "1 min"],
    [65_000, "1 min 5 s"],
    [3_600_000, "1 h"],
    [3_720_000, "1 h 2 min"],
    [400, "<1 s"],
    [-5, "<1 s"],
  ])("duration %s ms reads %s", (duration, text) => {
    expect(formatEventDuration(T0, duration === null ? null : T0 + duration)).toBe(text);
  });

  it("lists zones and names cameras (their id until they are known)", () => {
    expect(formatZones(["Yard", "Gate"])).toBe("Yard, Gate");
    expect(formatZones([])).toBe("no zone");
    const cameras = [cameraBody("cam1", "Gate"), cameraBody("cam2", "")];
    expect(cameraName(cameras, "cam1")).toBe("Gate");
    expect(cameraName(cameras, "cam2")).toBe("cam2");
    expect(cameraName(undefined, "cam3")).toBe("cam3");
  });

  it("describes an event in one line", () => {
    expect(describeEvent(eventBody("e", T0, { score: 0.5 }), "Gate")).toMatch(/^motion on Gate at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d, score 50%$/);
  });
});
