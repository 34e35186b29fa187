"""RTSP restream benchmark: VMS's restream against GStreamer's RTSP server relaying one camera.

Both relays pull the same simulated 1080p25 H.264 camera (`vms simulate`, the looped 4 Mbit/s
file of bench/record.py) in the same run, one after the other:
- VMS: `vms serve` with the camera (not recorded), clients at rtsp://…/cam1, signed in as the
  bench admin (HTTP Basic on each request before PLAY: the restream checks it then, and caches it,
  so nothing of it falls in the measured windows);
- GStreamer: `( rtspsrc location=URL latency=0 protocols=tcp ! rtph264depay ! rtph264pay
  name=pay0 pt=96 )` in a shared media factory under the system python3 (python3-gi), TCP to the
  camera like VMS's own pull.
At 1, 8 and 32 clients (light raw TCP-interleaved readers that discard, in separate processes)
it reports the relay process's CPU (psutil, over a window after warm-up), per client, and the
latency the relay adds: one probe process reads the relay and the camera directly, and for each
frame (found in both by its first slice's leading bytes, which any packetiser keeps) takes the
arrival of its last packet (marker bit) at the relay client minus that at the direct client.
VMS's idle row (no client) shows what an unwatched restream costs: it does not subscribe.

Usage: python bench/live_rtsp.py [--quick] [--json PATH]   (--quick: ~1 minute)
"""

from __future__ import annotations

import base64
import contextlib
import json
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import av
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import (
    Row,
    bench_arguments,
    cpu_seconds,
    free_port,
    looped_cameras,
    percentile,
    report,
    vms_serve,
)
from vms.media.h26x import split_nal_units

SYSTEM_PYTHON = "/usr/bin/python3"
SESSIONS_PER_WORKER = 16

GST_RELAY = """
import signal, sys
import gi
gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer
Gst.init(None)
url, port = sys.argv[1], sys.argv[2]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_launch(
    f"( rtspsrc location={url} latency=0 protocols=tcp ! rtph264depay"
    " ! rtph264pay name=pay0 pt=96 )"
)
factory.set_shared(True)
server.get_mount_points().add_factory("/relay", factory)
if server.attach(None) == 0:
    sys.exit(1)
loop = GLib.MainLoop()
for signum in (signal.SIGTERM, signal.SIGINT):
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
print("ready", flush=True)
loop.run()
"""


# --- a minimal RTSP client: play the video track over TCP, then read raw bytes -------------


def rtsp_play(url: str, timeout_s: float = 20.0) -> socket.socket:
    """DESCRIBE, SETUP track 0 (TCP interleaved) and PLAY; returns the playing socket.
    user:password@ in `url` is sent as HTTP Basic on each request (and left out of the URLs)."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None, url
    authorization = ""
    if parts.username is not None:
        userinfo = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        authorization = f"Authorization: Basic {base64.b64encode(userinfo.encode()).decode()}"
        url = parts._replace(netloc=f"{parts.hostname}:{parts.port}").geturl()
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout_s)
    exchange = _Exchange(sock, authorization)
    headers, sdp = exchange.request("DESCRIBE", url, "Accept: application/sdp")
    base = headers.get("content-base", url + "/").rstrip("/")
    transport = "Transport: RTP/AVP/TCP;unicast;interleaved=0-1"
    headers, _ = exchange.request("SETUP", f"{base}/{_control(sdp)}", transport)
    exchange.request("PLAY", url, f"Session: {headers['session'].split(';')[0]}")
    sock.setblocking(False)
    return sock


class RtspUnauthorizedError(Exception):
    """The server wants (other) credentials: waiting will not help."""


class _Exchange:
    """Requests and responses on one RTSP connection (before any media flows); `authorization`
    (a whole header line, or empty) goes with every request."""

    def __init__(self, sock: socket.socket, authorization: str = "") -> None:
        self._sock = sock
        self._authorization = authorization
        self._buffer = b""
        self._cseq = 0

    def request(self, method: str, target: str, header: str) -> tuple[dict[str, str], bytes]:
        self._cseq += 1
        extra = f"{self._authorization}\r\n" if self._authorization else ""
        text = f"{method} {target} RTSP/1.0\r\nCSeq: {self._cseq}\r\n{extra}{header}\r\n\r\n"
        self._sock.sendall(text.encode())
        while b"\r\n\r\n" not in self._buffer:
            self._buffer += self._recv()
        head, rest = self._buffer.split(b"\r\n\r\n", 1)
        lines = head.decode().split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])
        }
        length = int(headers.get("content-length", "0"))
        while len(rest) < length:
            rest += self._recv()
        self._buffer = rest[length:]
        status = int(lines[0].split()[1])
        if status == 401:
            raise RtspUnauthorizedError(f"{method} {target}: RTSP 401 (credentials refused)")
        if status != 200:
            raise RuntimeError(f"{method} {target}: RTSP {status}")
        return headers, rest[:length]

    def _recv(self) -> bytes:
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("the RTSP server closed the connection")
        return chunk


def _control(sdp: bytes) -> str:
    """The first media's a=control (trackID=0 for VMS, stream=0 for GStreamer)."""
    in_media = False
    for line in sdp.decode().splitlines():
        in_media = in_media or line.startswith("m=")
        if in_media and line.startswith("a=control:"):
            return line.removeprefix("a=control:")
    return "trackID=0"


# --- child processes: load clients and the latency probe ----------------------------------


def worker(url: str, count: int) -> None:
    """Play `count` sessions and discard everything until SIGTERM."""
    socks = [rtsp_play(url) for _ in range(count)]
    selector = selectors.DefaultSelector()
    for sock in socks:
        selector.register(sock, selectors.EVENT_READ)
    running = [True]
    signal.signal(signal.SIGTERM, lambda *_: running.__setitem__(0, False))
    print("ready", flush=True)
    while running[0]:
        for key, _ in selector.select(0.5):
            with contextlib.suppress(BlockingIOError):
                if not key.fileobj.recv(1 << 20):  # type: ignore[union-attr]
                    running[0] = False


def probe(direct_url: str, relay_url: str, warmup_s: float, seconds: float) -> None:
    """Print, as JSON, per frame key the marker-arrival times at the direct and relay clients
    (frames completed in the first `warmup_s` are left out: start-up bursts are not latency).

    With relay_url "pyav", the second reader is FFmpeg's own RTSP demuxer (PyAV, the options of
    VMS's Source) timing each access unit it hands out: the floor of any FFmpeg-based ingest.
    """
    readers = {"direct": _FrameReader(rtsp_play(direct_url))}
    frames: dict[str, list[tuple[str, float]]] = {}
    demuxer = None
    if relay_url == "pyav":
        frames["relay"] = []
        demuxer = threading.Thread(
            target=_pyav_frames, args=(direct_url, seconds, frames["relay"]), daemon=True
        )
        demuxer.start()
    else:
        readers["relay"] = _FrameReader(rtsp_play(relay_url))
    selector = selectors.DefaultSelector()
    for name, reader in readers.items():
        selector.register(reader.sock, selectors.EVENT_READ, name)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for key, _ in selector.select(0.2):
            readers[key.data].read()
    if demuxer is not None:
        demuxer.join(10)
    frames.update({name: reader.frames for name, reader in readers.items()})
    since = end - seconds + warmup_s
    print(json.dumps({name: [f for f in got if f[1] >= since] for name, got in frames.items()}))


def _pyav_frames(url: str, seconds: float, out: list[tuple[str, float]]) -> None:
    options = {"rtsp_transport": "tcp", "analyzeduration": "1000000", "probesize": "500000"}
    end = time.monotonic() + seconds
    with av.open(url, options=options) as container:
        for packet in container.demux(video=0):
            now = time.monotonic()
            if now >= end:
                return
            for nal in split_nal_units(bytes(packet)):
                if nal and nal[0] & 0x1F in (1, 5):
                    out.append((nal[1:49].hex(), now))
                    break


class _FrameReader:
    """Splits interleaved RTP; records (first slice key, marker arrival time) per frame."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.frames: list[tuple[str, float]] = []
        self._buffer = b""
        self._key: str | None = None

    def read(self) -> None:
        with contextlib.suppress(BlockingIOError):
            self._buffer += self.sock.recv(1 << 20)
        now = time.monotonic()
        buffer = self._buffer
        while len(buffer) >= 4 and buffer[0] == 0x24:
            size = int.from_bytes(buffer[2:4], "big")
            if len(buffer) < 4 + size:
                break
            if buffer[1] == 0 and size > 12:
                self._packet(buffer[4 : 4 + size], now)
            buffer = buffer[4 + size :]
        self._buffer = buffer

    def _packet(self, packet: bytes, now: float) -> None:
        payload = packet[12 + 4 * (packet[0] & 0x0F) :]
        kind = payload[0] & 0x1F
        if kind == 28 and payload[1] & 0x80:  # FU-A start: the NAL type is in the FU header
            kind, body = payload[1] & 0x1F, payload[2:]
        else:
            body = payload[1:]
        if kind in (1, 5) and self._key is None:
            self._key = body[:48].hex()
        if packet[1] & 0x80 and self._key is not None:
            self.frames.append((self._key, now))
            self._key = None


# --- the relays ----------------------------------------------------------------------------


@contextlib.contextmanager
def vms_relay(camera_url: str, restream: bool = True) -> Iterator[tuple[str, psutil.Process]]:
    camera = {"id": "cam1", "main_url": camera_url, "record": False}
    with (
        tempfile.TemporaryDirectory(prefix="bench-rtsp-") as tmp,
        vms_serve(Path(tmp), [camera], {"rtsp_restream": restream}) as server,
    ):
        url = server.rtsp_url("cam1")  # signed in: user:password@ (see rtsp_play)
        if restream:
            _wait_describable(url, server.popen)
        else:
            time.sleep(5)
        yield url, server.process


@contextlib.contextmanager
def gst_relay(camera_url: str) -> Iterator[tuple[str, psutil.Process]]:
    port = free_port()
    proc = subprocess.Popen(
        [SYSTEM_PYTHON, "-c", GST_RELAY, camera_url, str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        if not proc.stdout.readline().startswith("ready"):
            raise RuntimeError("the GStreamer relay did not start (python3-gi, GstRtspServer?)")
        url = f"rtsp://127.0.0.1:{port}/relay"
        _wait_describable(url, proc)
        yield url, psutil.Process(proc.pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def _wait_describable(url: str, proc: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the relay for {url} exited")
        with contextlib.suppress(OSError, RuntimeError, ValueError):
            rtsp_play(url, timeout_s=5).close()
            return
        time.sleep(0.5)
    raise TimeoutError(f"{url} never answered")


# --- one measurement -----------------------------------------------------------------------


def _spawn(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)


def measure(
    name: str, relay_url: str, proc: psutil.Process, direct_url: str, clients: int, *, quick: bool
) -> Row:
    """CPU of the relay and added latency with `clients` clients (the probe is one of them)."""
    warmup_s, window_s = (2.0, 5.0) if quick else (5.0, 20.0)
    workers: list[subprocess.Popen[str]] = []
    left = max(0, clients - 1)
    while left > 0:
        count = min(SESSIONS_PER_WORKER, left)
        workers.append(_spawn(["--worker", relay_url, str(count)]))
        left -= count
    try:
        for child in workers:
            assert child.stdout is not None
            if not child.stdout.readline().startswith("ready"):
                raise RuntimeError("a client worker failed to play")
        prober = (
            _spawn(["--probe", direct_url, relay_url, str(warmup_s), str(warmup_s + window_s)])
            if clients
            else None
        )
        time.sleep(warmup_s)
        before = cpu_seconds([proc])
        time.sleep(window_s)
        cpu_s = cpu_seconds([proc]) - before
        latencies = _latencies(prober.communicate(timeout=60)[0]) if prober is not None else []
    finally:
        for child in workers:
            child.send_signal(signal.SIGTERM)
        for child in workers:
            child.wait(20)
    cpu_ms_s = cpu_s * 1000 / window_s
    return {
        "relay": name,
        "clients": clients,
        "cpu_pct": round(cpu_ms_s / 10, 1),
        "cpu_ms_per_client_s": round(cpu_ms_s / clients, 2) if clients else "-",
        "added_p50_ms": _percentile(latencies, 50),
        "added_p95_ms": _percentile(latencies, 95),
        "frames_matched": len(latencies),
    }


def _latencies(output: str) -> list[float]:
    """Relay minus direct arrival (ms) per frame, matched by key and nearest time."""
    frames = json.loads(output)
    direct: dict[str, list[float]] = {}
    for key, at in frames["direct"]:
        direct.setdefault(key, []).append(at)
    added = []
    for key, at in frames["relay"]:
        candidates = direct.get(key)
        if candidates:
            delta_ms = min((at - seen for seen in candidates), key=abs) * 1000
            if abs(delta_ms) < 2000:  # the looped file repeats frames every 10 s
                added.append(delta_ms)
    return added


def _percentile(values: list[float], q: float) -> object:
    return round(percentile(values, q), 2) if values else "-"


def run_rtsp_bench(quick: bool) -> list[Row]:
    """Rows for VMS and GStreamer at each client count, then VMS/GStreamer CPU ratios."""
    levels = (1, 8) if quick else (1, 8, 32)
    rows: list[Row] = []
    with looped_cameras(1) as base:
        camera = f"{base}/cam1/main"
        if not quick:
            with vms_relay(camera, restream=False) as (url, proc):
                rows.append(measure("vms, restream off", url, proc, camera, 0, quick=quick))
        with vms_relay(camera) as (url, proc):
            rows.append(measure("vms", url, proc, camera, 0, quick=quick))
            rows.extend(measure("vms", url, proc, camera, n, quick=quick) for n in levels)
            floor = measure("ffmpeg demux, no relay", "pyav", proc, camera, 1, quick=quick)
            rows.append({k: v for k, v in floor.items() if not k.startswith("cpu")})
        with gst_relay(camera) as (url, proc):
            rows.extend(measure("gstreamer", url, proc, camera, n, quick=quick) for n in levels)
    per_client = {(r["relay"], r["clients"]): r.get("cpu_ms_per_client_s") for r in rows}
    for n in levels:
        vms_cpu, gst_cpu = per_client[("vms", n)], per_client[("gstreamer", n)]
        if isinstance(vms_cpu, float) and isinstance(gst_cpu, float) and gst_cpu > 0:
            ratio = round(vms_cpu / gst_cpu, 2)
            rows.append(
                {"relay": "ratio vms/gstreamer", "clients": n, "cpu_ms_per_client_s": ratio}
            )
    return rows


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        worker(sys.argv[2], int(sys.argv[3]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--probe":
        probe(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
        return 0
    args = bench_arguments(__doc__, "1 and 8 clients, short windows").parse_args()
    return report(run_rtsp_bench(args.quick), args.json)


if __name__ == "__main__":
    sys.exit(main())
