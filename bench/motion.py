"""Benchmark: the CPU a motion tap costs per camera, against decoding the same stream alone.

Usage: python bench/motion.py [--quick] [--json PATH]   (--quick: ~20 s)

A sub stream (640×360, 25 fps, 1 s GOP) of the simulator's pattern, whose bar moves in bursts, is
encoded once; then the same packets go through (a) a bare PyAV decoder, the floor any motion
detector that looks at every frame pays, and (b) `MotionTap.take`, the code the tap's thread
runs (decode, shrink, compare, group into events, JPEG snapshots), in this process one after the
other. The figures are CPU milliseconds per second of video (so a share of one core per camera)
and the ratio of the two; the events found show the tap did its work.
"""

from __future__ import annotations

import sys
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import Row, bench_arguments, report
from vms.analytics.service import tap_settings
from vms.analytics.tap import MotionTap
from vms.analytics.zones import Zone
from vms.config.analytics import AnalyticsSettings
from vms.core.bus import Bus, EventReported
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub
from vms.media.decode import VideoDecoder
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo
from vms.media.sink import deliver
from vms.simulator.options import VideoCodecName
from vms.simulator.pattern import MotionBursts, PatternRenderer, VideoEncoder

SIZE = (640, 360)
FPS = 25
START_MS = 1_764_064_800_000  # a burst begins here (a multiple of the period)
SCENE = Zone("Scene", "zone", ((0.0, 0.45), (1.0, 0.45), (1.0, 1.0), (0.0, 1.0)))


def encode(seconds: int) -> tuple[StreamInfo, list[Packet]]:
    """The sub stream: bar moving for 4 s of every 10 s."""
    encoder = VideoEncoder(VideoCodecName.H264, SIZE, FPS, FPS, 600_000)
    renderer = PatternRenderer(*SIZE, label="sub", motion=MotionBursts(10_000, 4_000))
    time_base = Fraction(1, FPS)
    params = CodecParams(MediaKind.VIDEO, "h264", time_base, encoder.extradata, *SIZE)
    packets = []
    for index in range(seconds * FPS):
        wall_ms = START_MS + index * 1000 // FPS
        for frame in encoder.encode(renderer.render(index, wall_ms), index):
            ms = START_MS + frame.pts * 1000 // FPS
            packets.append(Packet(0, frame.data, frame.pts, frame.pts, 1, frame.keyframe, ms, 1))
    return StreamInfo((params,), 1), packets


def decode_only(info: StreamInfo, packets: list[Packet]) -> float:
    started = time.process_time()
    decoder = VideoDecoder(info.tracks[0])
    for packet in packets:
        decoder.decode(packet)
    return time.process_time() - started


def motion_tap(info: StreamInfo, packets: list[Packet], fps: float) -> tuple[float, int]:
    bus = Bus()
    closed: list[EventReported] = []
    bus.subscribe(EventReported, lambda r: closed.append(r) if r.phase == "closed" else None)
    settings = tap_settings(AnalyticsSettings(motion_fps=fps))
    tap = MotionTap(
        CameraId("bench"), StreamName.SUB, StreamHub("bench"), [SCENE], settings, bus=bus
    )
    started = time.process_time()
    deliver(info, tap)
    for packet in packets:
        deliver(packet, tap)
    return time.process_time() - started, len(closed)


def run(quick: bool) -> list[Row]:
    seconds = 20 if quick else 60
    info, packets = encode(seconds)
    rows: list[Row] = []
    floor = min(decode_only(info, packets) for _ in range(2 if quick else 3))
    rows.append({"path": "decode only (floor)", "cpu_ms_per_video_s": floor * 1000 / seconds})
    for fps in (5.0, 25.0):
        cpu, events = min(motion_tap(info, packets, fps) for _ in range(2 if quick else 3))
        rows.append(
            {
                "path": f"motion tap, {fps:g} fps compared",
                "cpu_ms_per_video_s": cpu * 1000 / seconds,
                "vs_decode": cpu / floor,
                "events": events,
                "bursts": seconds // 10,
            }
        )
    return rows


def main() -> int:
    parser = bench_arguments(__doc__ or "", "20 s of video, 2 runs of each path")
    args = parser.parse_args()
    return report(run(args.quick), args.json)


if __name__ == "__main__":
    sys.exit(main())
