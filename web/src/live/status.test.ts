import { describeStatus, OFFLINE_AFTER_MS, type CameraStatus } from "./status";

const NOW = 1_800_000_000_000;

function status(
  state: string,
  extra: Partial<CameraStatus["streams"][number]> = {},
  enabled = true,
): CameraStatus {
  return {
    camera_id: "cam",
    enabled,
    streams: [
      { stream: "main", state: "streaming", reconnects: 0, failed_attempts: 0, recorder: null },
      { stream: "sub", state, reconnects: 0, failed_attempts: 0, ...extra },
    ],
  };
}

describe("status to tile label", () => {
  test("unknown until the first answer, and playing is allowed", () => {
    const tile = describeStatus(undefined, "sub", NOW);
    expect(tile).toMatchObject({ health: "unknown", streaming: true, recording: "off" });
  });

  test.each([
    ["streaming", {}, "online", "Online", null, true],
    [
      "degraded",
      { degraded_reason: "the frame rate fell to 2.0 fps (the camera was sending 25 fps)" },
      "degraded",
      "Degraded",
      "the frame rate fell to 2.0 fps (the camera was sending 25 fps)",
      true,
    ],
    ["degraded", {}, "degraded", "Degraded", "The video is incomplete", true],
    ["connecting", {}, "reconnecting", "Connecting", null, false],
    ["idle", {}, "reconnecting", "Connecting", null, false],
    [
      "reconnecting",
      { last_packet_ms: NOW - 2_000, last_error: "connection refused" },
      "reconnecting",
      "Reconnecting",
      "connection refused",
      false,
    ],
    [
      "reconnecting",
      { last_packet_ms: NOW - OFFLINE_AFTER_MS - 1, last_error: "timed out" },
      "offline",
      "Offline",
      "timed out",
      false,
    ],
    ["reconnecting", { last_packet_ms: null }, "offline", "Offline", "No connection", false],
    ["failed", { last_error: "bad URL" }, "offline", "Offline", "bad URL", false],
    ["stopped", {}, "offline", "Offline", "Stopped", false],
    ["something-new", {}, "offline", "Offline", "something-new", false],
  ] as const)("%s %j -> %s", (state, extra, health, label, reason, streaming) => {
    const tile = describeStatus(status(state, extra), "sub", NOW);
    expect(tile).toMatchObject({ health, label, reason, streaming });
  });

  test("the tile's own stream counts, the main one when there is no sub", () => {
    const onlyMain: CameraStatus = {
      camera_id: "cam",
      enabled: true,
      streams: [
        { stream: "main", state: "failed", reconnects: 0, failed_attempts: 0, last_error: "401" },
      ],
    };
    expect(describeStatus(onlyMain, "sub", NOW)).toMatchObject({
      health: "offline",
      reason: "401",
    });
    expect(describeStatus(status("failed"), "main", NOW).health).toBe("online");
  });

  test("a disabled camera is offline", () => {
    expect(describeStatus(status("streaming", {}, false), "sub", NOW)).toMatchObject({
      health: "offline",
      reason: "The camera is disabled",
      streaming: false,
    });
  });

  test("recording indicator", () => {
    const recorder = (state: string, last_error: string | null = null) => ({
      state,
      bytes_written: 0,
      segments_closed: 0,
      last_error,
    });
    const tile = (state: string, error: string | null = null) =>
      describeStatus(status("streaming", { recorder: recorder(state, error) }), "sub", NOW);
    expect(tile("recording").recording).toBe("on");
    expect(tile("waiting_keyframe").recording).toBe("off");
    const broken = tile("storage_error", "disk full");
    expect(broken).toMatchObject({ recording: "error", health: "online", reason: "disk full" });
  });
});
