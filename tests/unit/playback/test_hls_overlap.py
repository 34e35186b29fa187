"""VOD playlists never go back in time, even over overlapping rows (legacy data).

Before the recorder kept a stream's segments apart, a camera whose clock jumped left rows that
overlap: the reported playlist interleaved two recordings with PROGRAM-DATE-TIME going
backwards. A file that starts inside the time already played is entered at its first keyframe
after that time, or left out.
"""

from __future__ import annotations

import itertools
import re
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.media import WALL_START_MS, generate_stream
from vms.core.clock import FakeClock
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.playback.fragments import Fragment, FragmentMap
from vms.playback.hls import VodSource, plan_vod, render_playlist
from vms.playback.service import PlaybackLimits, PlaybackService
from vms.recording.segment_writer import SegmentWriter
from vms.storage.index import SegmentIndex, SegmentRecord
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.retention_marks import RetentionMarks

sqlite_engine = postgres.sqlite_engine
S = 1_000_000
CAM = CameraId("cam1")
DAY_MS = 86_400_000


def _map(count: int, gop: int = 2) -> FragmentMap:
    """`count` one-second fragments of 100 bytes, a keyframe every `gop`."""
    frags = tuple(Fragment(50 + i * 100, 100, i * S, i % gop == 0) for i in range(count))
    return FragmentMap(50 + count * 100, 50, count * S, frags)


def _src(n: int, start_ms: int, count: int = 10) -> VodSource:
    return VodSource(n, start_ms, f"/r/{n}.mp4", _map(count))


def program_date_times(text: str) -> list[int]:
    found = re.findall(r"#EXT-X-PROGRAM-DATE-TIME:(\S+)", text)
    return [round(datetime.fromisoformat(t).timestamp() * 1000) for t in found]


def assert_forward(text: str) -> None:
    """PROGRAM-DATE-TIME never decreases, and no part starts before the previous one ended."""
    times = program_date_times(text)
    lengths = [float(v) for v in re.findall(r"#EXTINF:([\d.]+),", text)]
    for (a, length), b in zip(zip(times, lengths, strict=True), times[1:], strict=False):
        assert b >= a, text
        assert b >= a + round(length * 1000) - 2, text


def test_contiguous_files_keep_every_fragment() -> None:
    plan = plan_vod([_src(1, 0), _src(2, 10_000)], 0, 20_000)
    assert plan.duration_s == 20.0
    assert_forward(render_playlist(plan))


def test_a_file_starting_inside_the_previous_is_entered_after_it() -> None:
    plan = plan_vod([_src(1, 0), _src(2, 5_000)], 0, 20_000)
    text = render_playlist(plan)
    assert_forward(text)
    second = [p for p in plan.parts if p.source == 1]
    # file 2's 5 s fragment is at 10 s; its first keyframe from there is at 6 s (11 s)
    assert second[0].wall_start_ms(plan.sources) == 11_000
    assert plan.duration_s == 14.0


def test_a_file_inside_the_previous_is_left_out() -> None:
    plan = plan_vod([_src(1, 0), _src(2, 2_000, count=4), _src(3, 10_000)], 0, 20_000)
    assert {p.source for p in plan.parts} == {0, 2}
    assert_forward(render_playlist(plan))


def test_sources_out_of_order_are_played_in_time_order() -> None:
    plan = plan_vod([_src(2, 10_000), _src(1, 0)], 0, 20_000)
    assert [s.segment_id for s in plan.sources] == [1, 2]
    assert_forward(render_playlist(plan))


@pytest.mark.parametrize("starts", list(itertools.permutations([0, 3_000, 7_500, 30_000, 31_000])))
def test_any_overlap_of_files_plays_forward(starts: tuple[int, ...]) -> None:
    sources = [_src(n, start) for n, start in enumerate(starts)]
    assert_forward(render_playlist(plan_vod(sources, 0, 60_000)))


def _write_segment(pool: StoragePool, name: str) -> tuple[int, int]:
    """A real 6 s fMP4 file; (frames, duration_ms)."""
    stream = generate_stream(duration_s=6.0, fps=25, gop=25, audio=False)
    writer = SegmentWriter.open(pool.root / name, stream.info, fragment_ms=1000)
    for packet in stream.packets:
        writer.write(packet)
    closed = writer.close()
    return closed.frames, closed.duration_ms


def test_the_vod_playlist_over_overlapping_rows_in_the_database(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    """Legacy rows of one stream: B starts 4 s into A (misfiled by an older version)."""
    pool = StoragePool("p1", tmp_path / "pool")
    pool.root.mkdir()
    index = SegmentIndex(sqlite_engine)
    for name, start in (("a.mp4", WALL_START_MS), ("b.mp4", WALL_START_MS + 4_000)):
        frames, duration_ms = _write_segment(pool, name)
        size = (pool.root / name).stat().st_size
        index.add(
            SegmentRecord(
                camera_id=CAM,
                stream=StreamName.MAIN,
                start_ms=start,
                duration_ms=duration_ms,
                size_bytes=size,
                video_codec="h264",
                audio_codec=None,
                width=320,
                height=240,
                path=name,
                pool="p1",
                frames=frames,
            )
        )
    service = PlaybackService(
        sqlite_engine,
        index,
        StoragePools([pool]),
        FakeClock(WALL_START_MS + 60_000),
        marks=RetentionMarks(sqlite_engine),
        limits=PlaybackLimits(DAY_MS, DAY_MS),
    )

    def uri(segment_id: SegmentId) -> str:
        return f"closed/{segment_id}.mp4"

    playlist = service.playlist(CAM, StreamName.MAIN, WALL_START_MS, WALL_START_MS + 20_000, uri)
    assert_forward(playlist.text)
    times = program_date_times(playlist.text)
    assert times[0] == WALL_START_MS
    assert max(times) >= WALL_START_MS + 6_000  # B's part after A's end is played
    assert playlist.text.count("#EXT-X-DISCONTINUITY") == 1
