import {
  emptyValues,
  probeBlocker,
  toCreate,
  toUpdate,
  urlProblem,
  validate,
  valuesFromView,
  type CameraFormValues,
  type CameraView,
} from "./cameraForm";

const filled = (changes: Partial<CameraFormValues> = {}): CameraFormValues => ({
  ...emptyValues(),
  id: "front-door",
  main_url: "rtsp://192.0.2.10:554/stream1",
  ...changes,
});

const view: CameraView = {
  id: "yard",
  name: "Yard",
  main_url: "rtsp://admin:***@192.0.2.20/main",
  sub_url: null,
  username: null,
  has_password: true,
  transport: "tcp",
  enabled: true,
  record: true,
  record_stream: "main",
  motion: false,
  retention_days: 30,
  retention_max_bytes: 250_000_000_000,
  recording_mode: "continuous",
  pre_roll_s: 5,
  post_roll_s: 10,
  event_retention_days: 30,
};

describe("urlProblem", () => {
  it.each(["rtsp://cam/x", "rtsps://cam:322/x", "srt://cam:9000?passphrase=x", "rtsp://u:p@cam/x", "RTSP://[::1]:554/x"])("accepts %s", (url) =>
    expect(urlProblem(url)).toBeNull(),
  );
  it.each([
    ["cam/stream", /Not a URL/],
    ["rtsp:///path", /no host/],
    ["rtsp://cam:99999/x", /port/],
    ["rtsp://cam:http/x", /port/],
    ["http://cam/x", /Unsupported scheme http/],
    ["rtsp://admin:***@cam/x", /hidden password/],
  ])("refuses %s", (url, message) => expect(urlProblem(url)).toMatch(message));
});

describe("validate", () => {
  it("passes a minimal camera", () => {
    expect(validate(filled(), null)).toEqual({});
  });

  it("needs an id like the server's and a main URL", () => {
    const errors = validate(filled({ id: "Front Door", main_url: " " }), null);
    expect(Object.keys(errors).sort()).toEqual(["id", "main_url"]);
  });

  it("skips the id when editing (it cannot change)", () => {
    expect(validate(filled({ id: "" }), filled({ id: "" }))).toEqual({});
  });

  it("leaves a URL shown redacted alone unless it is changed", () => {
    const initial = valuesFromView(view);
    expect(validate(initial, initial)).toEqual({});
    expect(validate({ ...initial, main_url: "rtsp://admin:***@192.0.2.21/main" }, initial).main_url).toMatch(/hidden/);
  });

  it("refuses credentials both in the URL and in the fields", () => {
    const errors = validate(filled({ main_url: "rtsp://u:p@cam/x", username: "u" }), null);
    expect(errors.username).toMatch(/not both/);
  });

  it("needs a sub URL to record the sub stream", () => {
    expect(validate(filled({ record_stream: "sub" }), null).record_stream).toMatch(/sub stream URL/);
    expect(validate(filled({ record_stream: "sub", record: false }), null)).toEqual({});
    expect(validate(filled({ record_stream: "sub", sub_url: "rtsp://cam/sub" }), null)).toEqual({});
  });

  it.each([
    ["0", "1"],
    ["1.5", "1"],
    ["36501", "36500"],
    ["x", "30"],
  ])("refuses %s retention days and accepts %s", (bad, good) => {
    expect(validate(filled({ retention_days: bad }), null).retention_days).toBeDefined();
    expect(validate(filled({ retention_days: good }), null)).toEqual({});
  });

  it("refuses a size of zero or words", () => {
    expect(validate(filled({ retention_gb: "0" }), null).retention_gb).toBeDefined();
    expect(validate(filled({ retention_gb: "lots" }), null).retention_gb).toBeDefined();
    expect(validate(filled({ retention_gb: "0.5" }), null)).toEqual({});
  });
});

describe("toCreate", () => {
  it("turns empty text into nulls and gigabytes into bytes", () => {
    const body = toCreate(filled({ name: "  Front  ", retention_days: "14", retention_gb: "1.5", password: "pw" }));
    expect(body).toEqual({
      id: "front-door",
      name: "Front",
      main_url: "rtsp://192.0.2.10:554/stream1",
      sub_url: null,
      username: null,
      password: "pw",
      transport: "tcp",
      enabled: true,
      record: true,
      record_stream: "main",
      motion: false,
      detect: null,
      recording_mode: "continuous",
      pre_roll_s: 5,
      post_roll_s: 10,
      event_retention_days: 30,
      retention_days: 14,
      retention_max_bytes: 1_500_000_000,
    });
  });

  it("sends the detection mode and, in the events modes, the rolls and event retention", () => {
    const body = toCreate(
      filled({ detect: "motion", recording_mode: "events", pre_roll_s: "2.5", post_roll_s: "20", event_retention_days: "90" }),
    );
    expect(body).toMatchObject({ detect: "motion", recording_mode: "events", pre_roll_s: 2.5, post_roll_s: 20, event_retention_days: 90 });
  });

  it("sends the server's defaults for the hidden rolls of continuous recording", () => {
    const body = toCreate(filled({ pre_roll_s: "lots" }));
    expect(body).toMatchObject({ recording_mode: "continuous", pre_roll_s: 5 });
  });
});

describe("recording modes and detection", () => {
  it("checks the rolls and event retention only in the events modes", () => {
    const bad = { pre_roll_s: "61", post_roll_s: "-1", event_retention_days: "1.5" };
    expect(validate(filled(bad), null)).toEqual({});
    const errors = validate(filled({ ...bad, recording_mode: "continuous_events" }), null);
    expect(Object.keys(errors).sort()).toEqual(["event_retention_days", "post_roll_s", "pre_roll_s"]);
    const good = { pre_roll_s: "60", post_roll_s: "0", event_retention_days: "36500", recording_mode: "events" as const };
    expect(validate(filled(good), null)).toEqual({});
    expect(validate(filled({ recording_mode: "events", pre_roll_s: "" }), null).pre_roll_s).toMatch(/0 to 60/);
  });

  it("fills the form from the view: no detection of its own is the site default", () => {
    expect(valuesFromView(view).detect).toBe("");
    const own = valuesFromView({ ...view, detect: "always", recording_mode: "events", pre_roll_s: 3 });
    expect([own.detect, own.recording_mode, own.pre_roll_s]).toEqual(["always", "events", "3"]);
  });

  it("sends a changed detection mode, and null to go back to the site default", () => {
    const initial = valuesFromView({ ...view, detect: "off" });
    expect(toUpdate(initial, { ...initial, detect: "always" })).toEqual({ detect: "always" });
    expect(toUpdate(initial, { ...initial, detect: "" })).toEqual({ detect: null });
  });

  it("sends the changed mode with its changed rolls, never rolls unused in continuous mode", () => {
    const initial = valuesFromView(view);
    const events = { ...initial, recording_mode: "events" as const, pre_roll_s: "8" };
    expect(toUpdate(initial, events)).toEqual({ recording_mode: "events", pre_roll_s: 8 });
    expect(toUpdate(initial, { ...initial, pre_roll_s: "8" })).toEqual({});
  });
});

describe("toUpdate", () => {
  const initial = valuesFromView(view);

  it("fills the form from the view", () => {
    expect(initial.retention_gb).toBe("250");
    expect(initial.retention_days).toBe("30");
    expect(initial.password).toBe("");
  });

  it("sends nothing when nothing changed: the redacted URL is never sent back", () => {
    expect(toUpdate(initial, { ...initial })).toEqual({});
  });

  it("sends only the changed fields; emptied optional fields become null", () => {
    const update = toUpdate(initial, { ...initial, name: "Back yard", retention_days: "", record: false });
    expect(update).toEqual({ name: "Back yard", retention_days: null, record: false });
  });

  it("turns motion detection on and off", () => {
    expect(initial.motion).toBe(false);
    expect(toUpdate(initial, { ...initial, motion: true })).toEqual({ motion: true });
    expect(toCreate(filled({ motion: true })).motion).toBe(true);
  });

  it("keeps the password when blank, replaces it when typed, clears it on request", () => {
    expect(toUpdate(initial, { ...initial, password: "" })).not.toHaveProperty("password");
    expect(toUpdate(initial, { ...initial, password: "new secret" })).toEqual({ password: "new secret" });
    expect(toUpdate(initial, { ...initial, password: "x", clear_password: true })).toEqual({ password: null });
  });
});

describe("probeBlocker", () => {
  it("lets a new camera with a valid URL be tested", () => {
    expect(probeBlocker(filled(), null)).toBeNull();
  });

  it("asks for a URL first", () => {
    expect(probeBlocker(filled({ main_url: "" }), null)).toMatch(/main stream URL/);
  });

  it("asks to type the stored password again", () => {
    const unchanged = valuesFromView({ ...view, main_url: "rtsp://192.0.2.20/main", username: "admin" });
    expect(probeBlocker(unchanged, view)).toMatch(/type it again/);
    expect(probeBlocker({ ...unchanged, password: "secret" }, view)).toBeNull();
  });

  it("refuses the redacted URL as it was shown", () => {
    expect(probeBlocker(valuesFromView(view), view)).toMatch(/hidden password/);
  });
});
