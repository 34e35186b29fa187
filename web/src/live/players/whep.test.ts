import { afterEach, describe, expect, test, vi } from "vitest";

import { FallbackPolicy } from "../fallback";
import { openWhep } from "./whep";
import { PlayerError } from "./types";

/** Just enough of RTCPeerConnection for an offer whose ICE gathering is already complete. */
class FakePeer {
  iceGatheringState = "complete";
  connectionState = "new";
  localDescription: { type: string; sdp: string } | null = null;
  ontrack: unknown = null;
  onconnectionstatechange: unknown = null;
  closed = false;
  addTransceiver(): void {}
  addEventListener(): void {}
  removeEventListener(): void {}
  async createOffer(): Promise<{ type: string; sdp: string }> {
    return { type: "offer", sdp: "v=0\r\n" };
  }
  async setLocalDescription(description: { type: string; sdp: string }): Promise<void> {
    this.localDescription = description;
  }
  async setRemoteDescription(): Promise<void> {}
  close(): void {
    this.closed = true;
  }
}

const B_FRAMES_DETAIL =
  "WebRTC cannot carry H.264 with B-frames, which this camera sends — use" +
  " /api/v1/cameras/gate/live.mp4 (MSE over WebSocket) or /api/v1/cameras/gate/live.m3u8 (LL-HLS)";

describe("WHEP player against a camera with B-frames", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  test("a 409 is 'unsupported' with the server's reason, and the player falls back to MSE", async () => {
    const peers: FakePeer[] = [];
    vi.stubGlobal(
      "RTCPeerConnection",
      vi.fn(() => {
        const peer = new FakePeer();
        peers.push(peer);
        return peer;
      }),
    );
    vi.stubGlobal("MediaStream", vi.fn());
    const problem = { title: "conflict", status: 409, detail: B_FRAMES_DETAIL };
    const fetchMock = vi.fn(
      async () =>
        new Response(JSON.stringify(problem), {
          status: 409,
          headers: { "content-type": "application/problem+json" },
        }),
    );
    vi.stubGlobal("fetch", fetchMock);
    const video = document.createElement("video");
    const target = {
      cameraId: "gate",
      stream: "main" as const,
      audio: false,
      signal: new AbortController().signal,
    };
    const opened = openWhep(video, target, { lost: () => undefined });
    const error = await opened.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PlayerError);
    expect((error as PlayerError).kind).toBe("unsupported");
    expect((error as PlayerError).message).toContain("B-frames");
    expect(fetchMock).toHaveBeenCalledWith(
      "/api/v1/cameras/gate/whep?stream=main",
      expect.objectContaining({ method: "POST" }),
    );
    expect(peers[0]?.closed).toBe(true);
    // What the live player does with it: MSE next, at once, and WebRTC is skipped from then on.
    const policy = new FallbackPolicy();
    expect(policy.ended((error as PlayerError).kind, false)).toEqual({
      protocol: "mse",
      delayMs: 0,
    });
    expect(policy.ended("failed", false).protocol).toBe("hls");
    expect(policy.ended("failed", false).protocol).toBe("mse");
  });
});
