// Live players for one VMS camera tile: WHEP (WebRTC), MSE over a WebSocket and LL-HLS (hls.js).
//
// Each player shows one camera stream in a <video>. A watchdog counts the frames the browser
// presents; when the stream is lost (connection failed, socket closed, fatal hls.js error, or no
// new frame for STALL_MS) the player closes everything and opens the stream again, waiting a
// little longer after each failed attempt. The browser tests load this file through
// live_player.html; it is the model for the web client's player code.
"use strict";

const STALL_MS = 2500; // no new frame for this long: the stream is lost, start over
const RETRY_MS = [250, 500, 1000, 2000]; // wait before attempt 2, 3, 4, then the last one
const MSE_MAX_LAG_S = 0.5; // MSE: further than this behind the newest frame, jump forward
const KEEP_BEHIND_S = 10; // buffered media kept behind the playing position

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function apiUrl(camera, stream, resource, protocol = location.protocol) {
  const path = `/api/v1/cameras/${encodeURIComponent(camera)}/${resource}`;
  return `${protocol}//${location.host}${path}?stream=${encodeURIComponent(stream)}`;
}

// The retry loop and the stall watchdog; subclasses implement open(generation) and close().
// open() resolves once the stream is set up and rejects if it cannot be; later losses call
// lost(generation, reason). A generation number tells the current session's callbacks from
// those of sessions already closed.
class LivePlayer {
  constructor(video, { camera, stream = "main", stallMs = STALL_MS, onEvent = () => {} }) {
    this.video = video;
    this.camera = camera;
    this.stream = stream; // "main" or "sub" (grids)
    this.stallMs = stallMs;
    this.onEvent = onEvent; // (name, detail): for logs and tests
    this.running = false;
    this.isOpen = false;
    this.generation = 0;
    this.failures = 0; // attempts and losses since the last frame: picks the retry wait
    this.lastFrameAt = 0; // performance.now() of the last presented frame, or of the open
    this.frames = 0;
  }

  start() {
    this.running = true;
    this.watchFrames();
    this.watchdog = setInterval(() => this.checkStall(), this.stallMs / 5);
    this.connect();
  }

  async stop() {
    this.running = false;
    this.generation += 1;
    clearInterval(this.watchdog);
    await this.close();
  }

  // Open the stream, retrying with growing waits, until it opens or stop() (or a newer
  // connect()) takes over, which bumps the generation.
  async connect() {
    const generation = ++this.generation;
    this.isOpen = false;
    while (generation === this.generation) {
      if (this.failures > 0) {
        await sleep(RETRY_MS[Math.min(this.failures, RETRY_MS.length) - 1]);
        if (generation !== this.generation) {
          return;
        }
      }
      try {
        await this.open(generation);
      } catch (error) {
        this.failures += 1;
        this.onEvent("open-failed", { error: String(error) });
        await this.close();
        continue;
      }
      if (generation !== this.generation) {
        await this.close(); // stopped while opening: close what was opened
        return;
      }
      this.isOpen = true;
      this.lastFrameAt = performance.now(); // the stall clock starts now
      this.onEvent("opened", { failures: this.failures });
      return;
    }
  }

  // The open stream of `generation` broke: close it and connect again.
  async lost(generation, reason) {
    if (!this.running || !this.isOpen || generation !== this.generation) {
      return; // still opening (open() reports that), already reconnecting, or stopped
    }
    this.generation += 1; // later callbacks of this session do nothing
    this.isOpen = false;
    this.failures += 1;
    this.onEvent("lost", { reason });
    await this.close();
    this.connect();
  }

  watchFrames() {
    // requestVideoFrameCallback fires once per frame presented, whatever the source.
    this.video.requestVideoFrameCallback((now) => {
      this.lastFrameAt = now;
      this.frames += 1;
      this.failures = 0;
      if (this.running) {
        this.watchFrames();
      }
    });
  }

  checkStall() {
    if (this.isOpen && performance.now() - this.lastFrameAt > this.stallMs) {
      this.lost(this.generation, `no frame for ${this.stallMs} ms`);
    }
  }

  play() {
    this.video.play().catch((error) => this.onEvent("play-refused", { error: String(error) }));
  }
}

// WebRTC through WHEP: POST an SDP offer, get the answer, DELETE the session to stop.
class WhepPlayer extends LivePlayer {
  async open(generation) {
    const pc = new RTCPeerConnection();
    this.pc = pc;
    pc.addTransceiver("video", { direction: "recvonly" });
    pc.ontrack = (event) => {
      this.video.srcObject = new MediaStream([event.track]);
      this.play();
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === "failed" || pc.connectionState === "closed") {
        this.lost(generation, `connection ${pc.connectionState}`);
      }
    };
    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringDone(pc); // the server takes no trickle ICE: the offer carries every candidate
    const response = await fetch(apiUrl(this.camera, this.stream, "whep"), {
      method: "POST",
      headers: { "Content-Type": "application/sdp" },
      body: pc.localDescription.sdp,
    });
    if (response.status !== 201) {
      throw new Error(`WHEP offer refused: ${response.status} ${await response.text()}`);
    }
    this.session = new URL(response.headers.get("Location"), location.href).href;
    await pc.setRemoteDescription({ type: "answer", sdp: await response.text() });
  }

  async close() {
    const pc = this.pc;
    const session = this.session;
    this.pc = this.session = null;
    if (session) {
      // DELETE first (RFC 9725), so the server does not take the closing peer for a failure.
      // Best effort: the server also frees a session whose peer has gone.
      await fetch(session, { method: "DELETE" }).catch(() => {});
    }
    if (pc) {
      pc.close();
    }
    this.video.srcObject = null;
  }
}

function iceGatheringDone(pc, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const done = () => pc.iceGatheringState === "complete" && resolve();
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, timeoutMs); // send what was gathered so far
    done();
  });
}

// MSE over a WebSocket: a JSON codecs message, the init segment, then fMP4 fragments.
class MsePlayer extends LivePlayer {
  pending = []; // messages waiting for the SourceBuffer

  open(generation) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(apiUrl(this.camera, this.stream, "live.mp4", wsProtocol()));
      socket.binaryType = "arraybuffer";
      this.socket = socket;
      socket.onmessage = (event) => {
        if (typeof event.data === "string") {
          const message = JSON.parse(event.data);
          if (message.type === "mse") {
            this.newSource(message.codecs, generation); // first one, or the camera reconnected
            resolve();
          }
          return;
        }
        if (this.source) {
          this.pending.push(event.data);
          this.append();
        }
      };
      socket.onerror = () => reject(new Error("WebSocket error"));
      socket.onclose = (event) => {
        reject(new Error(`WebSocket closed: ${event.code} ${event.reason}`));
        this.lost(generation, `socket closed (${event.code} ${event.reason})`);
      };
    });
  }

  // A MediaSource per codecs message: a new init may change the codec or the timeline.
  newSource(codecs, generation) {
    this.dropSource();
    const source = new MediaSource();
    this.source = source;
    this.pending = [];
    this.video.src = URL.createObjectURL(source);
    source.addEventListener("sourceopen", () => {
      URL.revokeObjectURL(this.video.src);
      this.buffer = source.addSourceBuffer(codecs);
      this.buffer.addEventListener("updateend", () => this.append());
      this.buffer.addEventListener("error", () => this.lost(generation, "SourceBuffer error"));
      this.append();
      this.play();
    }, { once: true });
  }

  // Append the next pending message once the buffer is idle; trim and chase the live edge.
  append() {
    const buffer = this.buffer;
    if (!buffer || buffer.updating) {
      return;
    }
    const ranges = buffer.buffered;
    const video = this.video;
    if (ranges.length > 0) {
      const newest = ranges.end(ranges.length - 1);
      if (newest - video.currentTime > MSE_MAX_LAG_S || video.currentTime < ranges.start(0)) {
        video.currentTime = newest - 0.1;
      }
      if (video.currentTime - ranges.start(0) > 2 * KEEP_BEHIND_S) {
        buffer.remove(0, video.currentTime - KEEP_BEHIND_S); // updateend calls append() again
        return;
      }
    }
    if (this.pending.length > 0) {
      buffer.appendBuffer(this.pending.shift());
    }
  }

  dropSource() {
    this.buffer = null;
    this.pending = [];
    if (this.source) {
      this.source = null;
      this.video.removeAttribute("src");
      this.video.load();
    }
  }

  async close() {
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = socket.onmessage = socket.onerror = null;
      socket.close();
    }
    this.dropSource();
  }
}

function wsProtocol() {
  return location.protocol === "https:" ? "wss:" : "ws:";
}

// Low-Latency HLS through hls.js (Safari could play the playlist natively).
class HlsPlayer extends LivePlayer {
  open(generation) {
    return new Promise((resolve, reject) => {
      const hls = new Hls({
        lowLatencyMode: true, // parts and blocking playlist reloads
        maxLiveSyncPlaybackRate: 1.5, // after a hiccup, play faster to get back to the live edge
        backBufferLength: KEEP_BEHIND_S,
      });
      this.hls = hls;
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        this.play();
        resolve();
      });
      hls.on(Hls.Events.ERROR, (_event, data) => {
        if (data.fatal) {
          reject(new Error(`hls.js: ${data.type} ${data.details}`));
          this.lost(generation, `hls.js: ${data.details}`);
        }
      });
      hls.loadSource(apiUrl(this.camera, this.stream, "live.m3u8"));
      hls.attachMedia(this.video);
    });
  }

  async close() {
    const hls = this.hls;
    this.hls = null;
    if (hls) {
      hls.destroy();
    }
  }
}

window.LivePlayers = { whep: WhepPlayer, mse: MsePlayer, hls: HlsPlayer };
