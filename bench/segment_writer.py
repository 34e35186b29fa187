"""Benchmark: SegmentWriter CPU per media second vs a bare PyAV remux of the same packets."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
from tests.support.media import generate_stream

from vms.media.avstream import add_output_stream
from vms.media.packet import Packet, StreamInfo
from vms.recording.segment_writer import SegmentWriter

ROUNDS = 5


def bare_remux(path: Path, info: StreamInfo, packets: list[Packet]) -> None:
    with av.open(str(path), "w", format="mp4") as out:
        streams = [add_output_stream(out, t) for t in info.tracks]
        for p in packets:
            pkt = av.Packet(p.data)
            pkt.pts, pkt.dts, pkt.duration = p.pts, p.dts, p.duration
            pkt.time_base = info.tracks[p.track].time_base
            pkt.is_keyframe = p.keyframe
            pkt.stream = streams[p.track]
            out.mux_one(pkt)


def segment_writer(path: Path, info: StreamInfo, packets: list[Packet]) -> None:
    writer = SegmentWriter.open(path, info)
    for p in packets:
        writer.write(p)
    writer.close()


def cpu_seconds(
    run: Callable[[Path, StreamInfo, list[Packet]], None],
    info: StreamInfo,
    packets: list[Packet],
    folder: Path,
) -> float:
    best = float("inf")
    for n in range(ROUNDS):
        path = folder / f"{run.__name__}-{n}.mp4"
        started = time.process_time()
        run(path, info, packets)
        best = min(best, time.process_time() - started)
        path.unlink()
    return best


def main() -> None:
    media_s = 30.0
    stream = generate_stream(duration_s=media_s, fps=25, gop=25, size=(640, 360), audio=True)
    first = next(i for i, p in enumerate(stream.packets) if p.keyframe and p.track == 0)
    packets = [p for p in stream.packets[first:] if p.dts >= 0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = cpu_seconds(bare_remux, stream.info, packets, folder)
        ours = cpu_seconds(segment_writer, stream.info, packets, folder)
    print(f"packets: {len(packets)}, media: {media_s:.0f} s, best of {ROUNDS}")
    print(f"bare PyAV remux: {base / media_s * 1000:.3f} ms CPU per media second")
    print(f"SegmentWriter:   {ours / media_s * 1000:.3f} ms CPU per media second")
    print(f"ratio SegmentWriter / bare remux: {ours / base:.2f}")


if __name__ == "__main__":
    main()
