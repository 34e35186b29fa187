"""Segment writer: standard fMP4 by stream copy, rebased to 0, fsynced per fragment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import av
import pytest

from tests.support.media import GeneratedStream, generate_stream
from vms.media import fmp4
from vms.recording.segment_writer import SegmentWriter


@pytest.fixture(scope="module")
def stream() -> GeneratedStream:
    return generate_stream(duration_s=4.0, fps=25, gop=50)  # keyframe every 2 s


def _from_first_keyframe(stream: GeneratedStream, offset: int = 0) -> list:  # type: ignore[type-arg]
    keys = [i for i, p in enumerate(stream.packets) if p.keyframe and p.track == 0]
    return list(stream.packets[keys[offset] :])


def _ffprobe(path: Path) -> dict:  # type: ignore[type-arg]
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_writes_a_standard_fragmented_mp4(stream: GeneratedStream, tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    writer = SegmentWriter.open(path, stream.info)
    for packet in _from_first_keyframe(stream):
        writer.write(packet)
    closed = writer.close()
    probe = _ffprobe(path)
    assert [s["codec_name"] for s in probe["streams"]] == ["h264", "aac"]
    assert all(float(s["start_time"]) == 0.0 for s in probe["streams"])
    assert closed.duration_ms == 4000
    assert closed.frames == 100
    assert (closed.video_codec, closed.audio_codec, closed.width, closed.height) == (
        "h264",
        "aac",
        320,
        240,
    )
    assert closed.size_bytes == path.stat().st_size
    scan = fmp4.scan(path)
    assert scan.complete
    assert scan.fragments == 4  # keyframes every 2 s, fragments at least every second
    assert writer.fsync_stats().count == scan.fragments + 1  # each fragment, then the close


def test_stream_copy_keeps_the_exact_bytes(stream: GeneratedStream, tmp_path: Path) -> None:
    path = tmp_path / "b.mp4"
    writer = SegmentWriter.open(path, stream.info)
    packets = _from_first_keyframe(stream)
    for packet in packets:
        writer.write(packet)
    writer.close()
    with av.open(str(path)) as container:
        video = [bytes(p) for p in container.demux(video=0) if p.size]
    assert video == [p.data for p in packets if p.track == 0]


def test_rebases_a_later_start_to_zero_keeping_av_sync(
    stream: GeneratedStream, tmp_path: Path
) -> None:
    path = tmp_path / "c.mp4"
    writer = SegmentWriter.open(path, stream.info)
    packets = _from_first_keyframe(stream, offset=1)  # starts at media time 2 s
    for packet in packets:
        writer.write(packet)
    closed = writer.close()
    assert closed.duration_ms == 2000
    with av.open(str(path)) as container:
        firsts = {}
        for p in container.demux():
            if p.dts is not None and p.stream.index not in firsts:
                firsts[p.stream.index] = float(p.dts * p.time_base)
    first_audio = next(p for p in packets if p.track == 1)
    expected_audio_s = float(first_audio.dts * stream.info.tracks[1].time_base) - 2.0
    assert firsts[0] == 0.0
    # FFmpeg's fragmenting mp4 muxer starts every track's first fragment at 0 (it writes no edit
    # list), so the audio offset at a segment start is kept within one audio frame (21.3 ms).
    assert abs(firsts[1] - expected_audio_s) <= 1024 / 48_000


def test_never_overwrites_an_existing_file(stream: GeneratedStream, tmp_path: Path) -> None:
    path = tmp_path / "d.mp4"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError):
        SegmentWriter.open(path, stream.info)
    assert path.read_bytes() == b"precious"


def test_packets_before_the_origin_are_dropped(stream: GeneratedStream, tmp_path: Path) -> None:
    writer = SegmentWriter.open(tmp_path / "e.mp4", stream.info)
    packets = _from_first_keyframe(stream, offset=1)
    assert writer.write(packets[0])
    earlier_audio = next(p for p in reversed(stream.packets[:100]) if p.track == 1)
    assert not writer.write(earlier_audio)
    assert not writer.write(packets[0])  # not after the last dts of its track
    writer.close()
