"""LL-HLS and MSE live-view benchmark: first frame and delay against a direct RTSP pull.

Against a real `vms serve` and one simulated 720p25 pattern camera (wall clock burnt into the
picture, AAC audio, 2 s GOP), in one run:
- reference: a direct RTSP pull of the simulator with PyAV (open → first decoded frame);
- LL-HLS: a player that GETs live.m3u8, decodes from the newest INDEPENDENT part, then follows
  the live edge as an LL-HLS player does: it GETs the preload-hinted part (the server holds the
  request until the part exists) and reloads the playlist with _HLS_msn/_HLS_part;
- MSE: a `websockets` client of live.mp4 (offering permessage-deflate, as browsers do) that
  decodes every fragment as it arrives.
For each: time from the first request to the first decoded frame (p50/p95), and the delay of the
newest frame of each arrival (wall clock minus the burnt-in clock, p50/p95, after the first
second), with their ratios to the RTSP pull. "warm" trials find the stream's packager running
(another viewer started it), "cold" ones start it (the packager idles out between them). Also:
the VMS process's CPU during each phase and the packager's in-process cost per packet.
The LL-HLS and MSE viewers sign in with HTTP Basic as the bench admin; before each trial an
untimed request (on a connection of its own) makes sure VMS has checked and cached the
credentials, so that no first-frame time includes their Argon2 check.

Usage: python bench/live_llhls.py [--quick] [--json PATH]   (--quick: about a minute)
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import av
import httpx
import numpy as np
import psutil
from av.video.codeccontext import VideoCodecContext
from websockets.asyncio.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import (
    BENCH_AUTH,
    BENCH_AUTH_HEADER,
    Row,
    bench_arguments,
    cpu_seconds,
    report,
    simulator,
    streaming_vms,
    warm_credentials,
)
from vms.live.fmp4_window import InitSegment, LiveWindow
from vms.media.avstream import codec_params_from_stream
from vms.media.clockcode import decode_clock
from vms.media.fmp4_mux import FragmentMuxer
from vms.media.packet import Packet, StreamInfo

IDLE_STOP_S = 2.0  # the packager's idle stop in the benchmark's VMS (cold trials wait it out)


@contextlib.contextmanager
def serving() -> Iterator[tuple[str, str, psutil.Process]]:
    """One simulated 720p25 pattern camera and `vms serve` streaming it (not recorded); yields
    the camera's main stream URL, VMS's base URL and its process."""
    with simulator("--size", "1280x720", "--audio", "aac", "--gop-seconds", "2") as simulated:
        camera = f"{simulated}/cam1/main"
        live = {"llhls": {"idle_stop_s": IDLE_STOP_S}}
        with streaming_vms("cam1", camera, live, "bench-llhls-") as (base, vms):
            yield camera, base, vms


@dataclass(slots=True)
class Trial:
    """One viewer: ms from its first request to its first frame; delay of newest frames."""

    first_frame_ms: float | None = None
    delays_ms: list[float] = field(default_factory=list)


class Decoder:
    """Decodes fMP4 media (init + fragments or parts) with one decoder across arrivals."""

    def __init__(self, init: bytes) -> None:
        self.init = init
        self._context: VideoCodecContext | None = None

    def newest_clock(self, media: bytes) -> tuple[int, int | None]:
        """(frames decoded, burnt-in clock of the last one) for one arrival."""
        frames: list[av.VideoFrame] = []
        with av.open(io.BytesIO(self.init + media), "r") as container:
            stream = container.streams.video[0]
            if self._context is None:
                context = av.CodecContext.create(stream.codec_context.name, "r")
                assert isinstance(context, VideoCodecContext)
                context.extradata = stream.codec_context.extradata
                self._context = context
            for packet in container.demux(stream):
                if packet.size:
                    frames.extend(self._context.decode(packet))
        if not frames:
            return 0, None
        plane = np.asarray(frames[-1].to_ndarray(format="gray"), dtype=np.uint8)
        return len(frames), decode_clock(plane)


def _note(trial: Trial, started: float, frames: int, clock_ms: int | None) -> None:
    now = time.monotonic()
    if frames and trial.first_frame_ms is None:
        trial.first_frame_ms = (now - started) * 1000
    settled = trial.first_frame_ms is not None and now - started > trial.first_frame_ms / 1000 + 1
    if clock_ms is not None and settled:  # past the start-up burst
        trial.delays_ms.append(time.time() * 1000 - clock_ms)


def rtsp_trial(url: str, seconds: float) -> Trial:
    trial = Trial()
    started = time.monotonic()
    with av.open(url, "r", options={"rtsp_transport": "tcp"}) as container:
        for frame in container.decode(video=0):
            plane = np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8)
            _note(trial, started, 1, decode_clock(plane))
            if time.monotonic() - started > seconds:
                break
    return trial


def llhls_trial(base: str, seconds: float) -> Trial:
    trial = Trial()
    playlist = f"{base}/api/v1/cameras/cam1/live.m3u8"
    warm_credentials(base)  # VMS caches Basic answers for minutes; a long run may outlive that
    started = time.monotonic()
    with httpx.Client(auth=BENCH_AUTH, timeout=15) as client:
        text = client.get(playlist).raise_for_status().text
        init_uri, parts, hint = _parse(text)
        start = max(i for i, (_uri, independent) in enumerate(parts) if independent)
        decoder = Decoder(client.get(_join(playlist, init_uri)).raise_for_status().content)
        media = b"".join(client.get(_join(playlist, u)).content for u, _ in parts[start:])
        _note(trial, started, *decoder.newest_clock(media))
        while time.monotonic() - started < seconds:
            hinted = client.get(_join(playlist, hint[0]))  # held until the part exists
            if hinted.status_code == 200:
                _note(trial, started, *decoder.newest_clock(hinted.content))
            msn, part = hint[1]
            params = {"_HLS_msn": msn, "_HLS_part": part}
            _uri, _parts, hint = _parse(client.get(playlist, params=params).text)
    return trial


def _parse(text: str) -> tuple[str, list[tuple[str, bool]], tuple[str, tuple[int, int]]]:
    """Init URI, parts (URI, independent) and the preload hint (URI, (msn, part))."""
    init = ""
    parts: list[tuple[str, bool]] = []
    hint = ("", (0, 0))
    for line in text.splitlines():
        uri = line.split('URI="', 1)[1].split('"', 1)[0] if 'URI="' in line else ""
        if line.startswith("#EXT-X-MAP:"):
            init = uri
        elif line.startswith("#EXT-X-PART:"):
            parts.append((uri, "INDEPENDENT=YES" in line))
        elif line.startswith("#EXT-X-PRELOAD-HINT:"):
            msn, part = uri.rsplit("part-", 1)[1].removesuffix(".mp4").split(".")
            hint = (uri, (int(msn), int(part)))
    return init, parts, hint


def _join(playlist: str, uri: str) -> str:
    return playlist.rsplit("/", 1)[0] + "/" + uri


def mse_trial(base: str, seconds: float) -> Trial:
    async def watch() -> Trial:
        trial = Trial()
        url = base.replace("http://", "ws://") + "/api/v1/cameras/cam1/live.mp4"
        started = time.monotonic()
        async with connect(url, max_size=None, additional_headers=BENCH_AUTH_HEADER) as ws:
            await ws.recv()  # the codecs message
            init = await ws.recv()
            assert isinstance(init, bytes)
            decoder = Decoder(init)
            while time.monotonic() - started < seconds:
                message = await ws.recv()
                if isinstance(message, bytes):
                    _note(trial, started, *decoder.newest_clock(message))
        return trial

    warm_credentials(base)  # as in llhls_trial
    return asyncio.run(watch())


def packager_cost(url: str, seconds: float = 4.0) -> float:
    """µs of muxing and filing per packet (FragmentMuxer + LiveWindow), on real camera packets."""
    packets: list[Packet] = []
    with av.open(url, "r", options={"rtsp_transport": "tcp"}) as container:
        streams = [*container.streams.video, *container.streams.audio]
        info = StreamInfo(tuple(codec_params_from_stream(s) for s in streams), 1)
        started = time.monotonic()
        for raw in container.demux(streams):
            if raw.dts is None or not raw.size:
                continue
            track = streams.index(raw.stream)
            packets.append(
                Packet(track, bytes(raw), int(raw.pts or raw.dts), int(raw.dts),
                       int(raw.duration or 0), bool(raw.is_keyframe), 0, 1)
            )  # fmt: skip
            if time.monotonic() - started > seconds:
                break
    first_key = next(i for i, p in enumerate(packets) if p.track == 0 and p.keyframe)
    packets = packets[first_key:]
    began = time.perf_counter()
    muxer = FragmentMuxer(info)
    window = LiveWindow(part_target_us=500_000, window_segments=4)
    window.begin(InitSegment(1, muxer.init_segment, ""), main_track=0, main_is_video=True)
    for packet in packets:
        for fragment in muxer.write(packet):
            window.add(fragment)
    return (time.perf_counter() - began) * 1e6 / len(packets)


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    return float(np.percentile(values, q))


def _phase(
    name: str, run: Callable[[], Trial], trials: int, vms: psutil.Process, pause_s: float = 0.0
) -> Row:
    results: list[Trial] = []
    cpu_before = cpu_seconds([vms])
    began = time.monotonic()
    for _ in range(trials):
        time.sleep(pause_s)
        results.append(run())
    cpu_pct = (cpu_seconds([vms]) - cpu_before) * 100 / (time.monotonic() - began)
    firsts = [t.first_frame_ms for t in results if t.first_frame_ms is not None]
    delays = [d for t in results for d in t.delays_ms]
    return {
        "path": name,
        "trials": len(results),
        "first_frame_p50_ms": _pct(firsts, 50),
        "first_frame_p95_ms": _pct(firsts, 95),
        "delay_p50_ms": _pct(delays, 50),
        "delay_p95_ms": _pct(delays, 95),
        "vms_cpu_pct": cpu_pct,
    }


def run_llhls_bench(quick: bool) -> list[Row]:
    """Rows of the table printed by `main` (also what bench/live.py prints)."""
    warm, cold, seconds = (3, 1, 3.0) if quick else (10, 4, 6.0)
    rows: list[Row] = []
    with serving() as (camera, base, vms):
        rows.append(
            _phase("rtsp direct (reference)", lambda: rtsp_trial(camera, seconds), warm, vms)
        )
        with WarmViewer(base):
            rows.append(_phase("llhls warm", lambda: llhls_trial(base, seconds), warm, vms))
            rows.append(_phase("mse warm", lambda: mse_trial(base, seconds), warm, vms))
        pause = IDLE_STOP_S + 2.5  # the packager stops (it sweeps once a second)
        rows.append(_phase("llhls cold", lambda: llhls_trial(base, seconds), cold, vms, pause))
        rows.append(_phase("mse cold", lambda: mse_trial(base, seconds), cold, vms, pause))
        rows.append({"path": "packager in-process", "mux_us_per_packet": packager_cost(camera)})
    reference = rows[0]
    for row in rows[1:-1]:
        for key in ("first_frame_p50_ms", "delay_p50_ms"):
            value, base_value = row.get(key), reference.get(key)
            if isinstance(value, float) and isinstance(base_value, float) and base_value > 0:
                row[key.replace("_ms", "_vs_rtsp")] = value / base_value
    return rows


class WarmViewer(contextlib.AbstractContextManager["WarmViewer"]):
    """An LL-HLS viewer polling the playlist in a thread, so the packager stays warm."""

    def __init__(self, base: str) -> None:
        self._url = f"{base}/api/v1/cameras/cam1/live.m3u8"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> WarmViewer:
        self._thread.start()
        time.sleep(3.0)  # its packager filed a whole segment
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        with httpx.Client(auth=BENCH_AUTH, timeout=15) as client:
            while not self._stop.is_set():
                with contextlib.suppress(httpx.HTTPError):
                    client.get(self._url)
                self._stop.wait(1.0)


def main() -> int:
    args = bench_arguments(__doc__, "fewer trials (about a minute)").parse_args()
    return report(run_llhls_bench(args.quick), args.json)


if __name__ == "__main__":
    sys.exit(main())
