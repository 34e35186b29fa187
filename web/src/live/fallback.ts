// Which live protocol to try next and how long to wait first: WebRTC, then MSE, then LL-HLS.

export type Protocol = "webrtc" | "mse" | "hls";
export const PROTOCOLS: readonly Protocol[] = ["webrtc", "mse", "hls"];
export const PROTOCOL_LABELS: Record<Protocol, string> = {
  webrtc: "WebRTC",
  mse: "MSE",
  hls: "LL-HLS",
};

/**
 * Why an attempt ended:
 * - `unsupported`: this protocol can never play this stream here (WHEP 409 for H.265, a codec
 *   the browser's MediaSource refuses): skip it from now on.
 * - `unavailable`: the camera cannot be watched now (offline, 404/503): same protocol, later.
 * - `failed`: the protocol broke or stalled: retry it if it had played, else try the next one.
 */
export type FailureKind = "unsupported" | "unavailable" | "failed";

/** Waits before the 1st, 2nd, ... consecutive retry; the last repeats. */
export const RETRY_DELAYS_MS: readonly number[] = [0, 250, 500, 1000, 2000, 4000, 8000];
export const JITTER = 0.2; // ± this fraction, so that many tiles do not retry in step

/** The wait before retry number `strikes` (1-based), with jitter from `random` (0..1). */
export function backoffMs(strikes: number, random: () => number = Math.random): number {
  const index = Math.min(Math.max(strikes, 1), RETRY_DELAYS_MS.length) - 1;
  const base = RETRY_DELAYS_MS[index] ?? 0;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

export interface Plan {
  protocol: Protocol;
  delayMs: number;
}

/** The fallback order as a small state machine; one per player. */
export class FallbackPolicy {
  private index = 0;
  private strikes = 0; // attempts in a row that ended without playing
  private readonly skipped = new Set<Protocol>();

  constructor(
    private readonly order: readonly Protocol[] = PROTOCOLS,
    private readonly random: () => number = Math.random,
  ) {
    if (order.length === 0) throw new Error("at least one protocol is needed");
  }

  get protocol(): Protocol {
    return this.order[this.index] as Protocol;
  }

  /** A frame was shown: the current protocol works, so the next failure retries at once. */
  played(): void {
    this.strikes = 0;
  }

  /** The current attempt ended (`hadFrames`: it showed a picture first); what to do next. */
  ended(kind: FailureKind, hadFrames: boolean): Plan {
    this.strikes += 1;
    if (kind === "unsupported") {
      this.skipped.add(this.protocol);
      if (this.skipped.size === this.order.length) {
        // Nothing can play it: start over slowly (the camera's codec may change).
        this.skipped.clear();
        this.index = 0;
        return this.plan(RETRY_DELAYS_MS.length);
      }
      this.advance();
      return this.plan(1);
    }
    if (kind === "failed" && !hadFrames) this.advance();
    return this.plan(this.strikes);
  }

  private advance(): void {
    do {
      this.index = (this.index + 1) % this.order.length;
    } while (this.skipped.has(this.protocol));
  }

  private plan(strikes: number): Plan {
    return { protocol: this.protocol, delayMs: backoffMs(strikes, this.random) };
  }
}
