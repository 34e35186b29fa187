"""fMP4 box scan: the end of the last whole moof+mdat pair, on synthetic and real files."""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import av
import pytest

from tests.support.media import generate_stream, write_recorded_segment
from vms.media.avstream import add_output_stream
from vms.media.fmp4 import iter_boxes, read_fragment, read_tracks, scan


def box(kind: str, payload_bytes: int) -> bytes:
    return struct.pack(">I4s", 8 + payload_bytes, kind.encode()) + b"\0" * payload_bytes


def large_box(kind: str, payload_bytes: int) -> bytes:
    return struct.pack(">I4sQ", 1, kind.encode(), 16 + payload_bytes) + b"\0" * payload_bytes


HEADER = box("ftyp", 16) + box("moov", 100)
PAIR = box("moof", 40) + box("mdat", 200)


def _scan(tmp_path: Path, data: bytes) -> tuple[int, int, int, bool]:
    path = tmp_path / "f.mp4"
    path.write_bytes(data)
    s = scan(path)
    assert s.file_size_bytes == len(data)
    return s.header_end_bytes, s.whole_end_bytes, s.fragments, s.complete


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (HEADER, (132, 132, 0, True)),
        (HEADER + PAIR + PAIR, (132, 132 + 2 * 256, 2, True)),
        (HEADER + PAIR + PAIR + box("mfra", 8), (132, 132 + 2 * 256, 2, True)),
        (HEADER + PAIR + PAIR[:-1], (132, 132 + 256, 1, False)),  # mdat cut short
        (HEADER + PAIR + PAIR[:5], (132, 132 + 256, 1, False)),  # torn box header
        (HEADER + PAIR + box("moof", 40), (132, 132 + 256, 1, False)),  # moof without mdat
        (HEADER[:50], (0, 0, 0, False)),  # torn moov
        (HEADER + large_box("moof", 8) + large_box("mdat", 64), (132, 132 + 24 + 80, 1, True)),
        (b"", (0, 0, 0, False)),
    ],
)
def test_synthetic_files(tmp_path: Path, data: bytes, expected: tuple[int, int, int, bool]) -> None:
    assert _scan(tmp_path, data) == expected


def test_impossible_box_size_stops_the_scan(tmp_path: Path) -> None:
    bad = struct.pack(">I4s", 4, b"moof")  # smaller than its own header
    assert _scan(tmp_path, HEADER + PAIR + bad + PAIR) == (132, 388, 1, False)


@pytest.fixture(scope="module")
def real_segment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    stream = generate_stream(duration_s=5.0, gop=25)
    return write_recorded_segment(tmp_path_factory.mktemp("fmp4") / "seg.mp4", stream)


def test_real_segment_is_complete(real_segment: Path) -> None:
    s = scan(real_segment)
    assert s.complete
    assert s.fragments == 5  # one per keyframe (GOP 1 s)
    assert 0 < s.header_end_bytes < s.whole_end_bytes <= s.file_size_bytes


@pytest.mark.parametrize("keep_fraction", [0.3, 0.55, 0.8, 0.97])
def test_torn_real_segment_truncates_to_a_playable_file(
    real_segment: Path, tmp_path: Path, keep_fraction: float
) -> None:
    data = real_segment.read_bytes()
    torn = tmp_path / "torn.mp4"
    torn.write_bytes(data[: int(len(data) * keep_fraction)])
    s = scan(torn)
    assert not s.complete
    assert 1 <= s.fragments < 5
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: s.whole_end_bytes])
    assert scan(cut).complete
    with av.open(str(cut)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 25 * s.fragments


def _fragmented(tmp_path: Path, movflags: str, extra: dict[str, str] | None = None) -> Path:
    """A fragmented MP4 (video + audio) remuxed by FFmpeg from a generated stream."""
    source = tmp_path / "source.mp4"
    stream = generate_stream(duration_s=4.0, gop=25, audio=True)
    with av.open(str(source), "w", format="mp4") as out:
        outs = [add_output_stream(out, t) for t in stream.info.tracks]
        for p in stream.packets:
            packet = av.Packet(p.data)
            packet.pts, packet.dts, packet.duration = p.pts, p.dts, p.duration
            packet.is_keyframe = p.keyframe
            packet.stream = outs[p.track]
            packet.time_base = stream.info.tracks[p.track].time_base
            out.mux(packet)
    target = tmp_path / "frag.mp4"
    with (
        av.open(str(source)) as src,
        av.open(
            str(target), "w", format="mp4", options={"movflags": movflags, **(extra or {})}
        ) as dst,
    ):
        mapping = {s.index: dst.add_stream_from_template(s) for s in src.streams}
        for packet in src.demux():
            if packet.dts is None:
                continue
            packet.stream = mapping[packet.stream.index]
            dst.mux(packet)
    return target


def _demuxed_fragment_starts(path: Path) -> dict[int, tuple[float, bool]]:
    """Per fragment byte offset bucket: first video decode time (s) and its keyframe flag."""
    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        assert stream.time_base is not None
        return {
            int(p.pos): (float(p.dts * stream.time_base), bool(p.is_keyframe))
            for p in c.demux(stream)
            if p.dts is not None and p.pos is not None
        }


@pytest.mark.parametrize(
    ("movflags", "extra"),
    [
        ("frag_keyframe+empty_moov+default_base_moof", None),
        ("empty_moov+default_base_moof", {"frag_duration": "300000"}),  # fragments mid-GOP
    ],
)
def test_fragment_timing_matches_a_full_demux(
    tmp_path: Path, movflags: str, extra: dict[str, str] | None
) -> None:
    path = _fragmented(tmp_path, movflags, extra)
    data = path.read_bytes()
    with path.open("rb") as f:
        boxes = list(iter_boxes(f, len(data)))
    moov = next(b for b in boxes if b.type == "moov")
    tracks = read_tracks(data[moov.offset : moov.end])
    assert [t.handler for t in tracks] == ["vide", "soun"]
    by_id = {t.track_id: t for t in tracks}
    video = tracks[0]
    packets = sorted(_demuxed_fragment_starts(path).items())
    fragments = [
        read_fragment(data[m.offset : m.end], m.offset, d.end, by_id)
        for m, d in itertools.pairwise(boxes)
        if m.type == "moof" and d.type == "mdat"
    ]
    assert len(fragments) > 3
    assert any(not f.tracks[video.track_id][2] for f in fragments) == (extra is not None)
    media_end = 0.0
    for fragment in fragments:
        decode, duration, sync = fragment.tracks[video.track_id]
        inside = [v for pos, v in packets if fragment.offset_bytes <= pos < fragment.end_bytes]
        first_time, first_key = min(inside)
        assert decode / video.timescale == pytest.approx(first_time)
        assert sync == first_key
        media_end = (decode + duration) / video.timescale
    assert media_end == pytest.approx(4.0, abs=0.05)
