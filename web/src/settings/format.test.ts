import { ApiError } from "../api/client";
import { formatWall } from "../playback/time";
import { formatBitrate, formatBytes, formatDuration, formErrors, formatWhen } from "./format";

describe("formatBytes", () => {
  it.each([
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.00 kB"],
    [1_234_567, "1.23 MB"],
    [52_000_000_000, "52.0 GB"],
    [512_000_000_000, "512 GB"],
    [-2_000, "-2.00 kB"],
  ])("%d -> %s", (bytes, text) => expect(formatBytes(bytes)).toBe(text));
});

describe("formatBitrate", () => {
  it.each([
    [800, "800 bit/s"],
    [2_500_000, "2.5 Mbit/s"],
    [128_000, "128 kbit/s"],
  ])("%d -> %s", (bps, text) => expect(formatBitrate(bps)).toBe(text));
});

describe("formatDuration", () => {
  it.each([
    [42, "42 s"],
    [3_660, "1 h 1 min"],
    [93_784, "1 d 2 h"],
    [-1, "–"],
  ])("%d -> %s", (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});

describe("formatWhen", () => {
  it("shows a moment in local time, and a stand-in when there is none", () => {
    expect(formatWhen(1_796_665_818_569)).toBe(formatWall(1_796_665_818_569));
    expect(formatWhen(null)).toBe("–");
    expect(formatWhen(undefined, "never")).toBe("never");
  });
});

describe("formErrors", () => {
  const problem = (errors?: unknown[]) =>
    new ApiError(422, { title: "Unprocessable", detail: "some fields of the request are invalid; see errors", errors } as never);

  it("puts known fields next to their inputs and the rest above the form", () => {
    const result = formErrors(
      problem([
        { location: "body", field: "main_url", detail: "no host" },
        { location: "body", field: "mystery", detail: "odd" },
      ]),
      ["main_url"],
    );
    expect(result.fields).toEqual({ main_url: "no host" });
    expect(result.general).toBe("mystery: odd");
  });

  it("asks to correct the marked fields when every error has a field", () => {
    const result = formErrors(problem([{ field: "id", detail: "taken" }]), ["id"]);
    expect(result).toEqual({ fields: { id: "taken" }, general: "Please correct the marked fields." });
  });

  it("uses the problem's detail when there is no field list", () => {
    const conflict = new ApiError(409, { detail: "camera cam1 exists already" });
    expect(formErrors(conflict, ["id"])).toEqual({ fields: {}, general: "camera cam1 exists already" });
  });

  it("shows a network failure as it is", () => {
    expect(formErrors(new TypeError("Failed to fetch"), [])).toEqual({ fields: {}, general: "Failed to fetch" });
  });
});
