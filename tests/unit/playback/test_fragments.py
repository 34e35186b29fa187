"""Fragment maps: a recorder-written segment's box headers, torn and corrupt files, the store."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.media import generate_stream, write_recorded_segment
from vms.core.errors import NotFoundError
from vms.core.ids import SegmentId
from vms.playback.fragments import (
    FragmentMap,
    FragmentMapStore,
    build_fragment_map,
    load_or_build,
)

SEGMENT = SegmentId(7)
sqlite_engine = postgres.sqlite_engine


@pytest.fixture(scope="module")
def segment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 5 s segment (video GOP 1 s + AAC audio) written by the recorder's own writer."""
    stream = generate_stream(duration_s=5.0, gop=25, audio=True)
    return write_recorded_segment(tmp_path_factory.mktemp("fragments") / "seg.mp4", stream)


def test_map_of_a_recorded_segment(segment: Path) -> None:
    fmap = build_fragment_map(segment)
    assert len(fmap.fragments) == 5  # one per keyframe
    assert [f.start_us for f in fmap.fragments] == [0, 1_000_000, 2_000_000, 3_000_000, 4_000_000]
    assert all(f.keyframe for f in fmap.fragments)
    assert fmap.media_end_us == 5_000_000
    assert fmap.fragments[0].offset_bytes == fmap.init_size_bytes
    # FFmpeg ends the file with an mfra index after the last fragment
    assert fmap.whole_end_bytes() == fmap.file_size_bytes <= segment.stat().st_size
    for a, b in zip(fmap.fragments, fmap.fragments[1:], strict=False):
        assert a.end_bytes == b.offset_bytes
    assert fmap.keyframe_at_or_before(2_500_000) == 2


def test_torn_tail_keeps_the_whole_fragments(segment: Path, tmp_path: Path) -> None:
    data = segment.read_bytes()
    whole = build_fragment_map(segment)
    torn = tmp_path / "torn.mp4"
    torn.write_bytes(data[: whole.fragments[3].offset_bytes + 100])
    fmap = build_fragment_map(torn)
    assert fmap.fragments == whole.fragments[:3]
    assert fmap.media_end_us == 3_000_000


def test_a_corrupt_fragment_header_ends_the_map(segment: Path, tmp_path: Path) -> None:
    data = bytearray(segment.read_bytes())
    whole = build_fragment_map(segment)
    at = data.index(b"trun", whole.fragments[2].offset_bytes)
    struct.pack_into(">I", data, at + 8, 0x7FFF_FFFF)  # sample_count far beyond the box
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(data))
    assert build_fragment_map(bad).fragments == whole.fragments[:2]


def test_a_torn_init_section_maps_nothing(segment: Path, tmp_path: Path) -> None:
    data = segment.read_bytes()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(data[: data.index(b"tkhd") + 6])
    assert not build_fragment_map(bad).fragments  # the torn init section: nothing playable


def test_store_round_trip_and_rebuild_when_the_file_shrank(
    segment: Path, tmp_path: Path, sqlite_engine: Engine
) -> None:
    store = FragmentMapStore(sqlite_engine)
    fmap = build_fragment_map(segment)
    pending: dict[SegmentId, FragmentMap] = {}
    built = load_or_build(store, SEGMENT, segment, None, pending=pending)
    assert built == fmap and pending == {SEGMENT: fmap}
    assert store.get_many([SEGMENT]) == {}  # left for the caller
    store.put_many({SEGMENT: fmap})
    store.put_many({SEGMENT: fmap})  # replaces, never duplicates
    assert store.get_many([SEGMENT]) == {SEGMENT: fmap}
    shrunk = tmp_path / "shrunk.mp4"
    shrunk.write_bytes(segment.read_bytes()[: fmap.fragments[2].offset_bytes])
    rebuilt = load_or_build(store, SEGMENT, shrunk, fmap)
    assert len(rebuilt.fragments) == 2
    assert store.get_many([SEGMENT]) == {SEGMENT: rebuilt}
    with pytest.raises(NotFoundError, match="missing"):
        load_or_build(store, SEGMENT, tmp_path / "gone.mp4", rebuilt)
