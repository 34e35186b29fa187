"""The segment being written: shown, played and found by playback before its row is indexed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import av
import pytest
from sqlalchemy import Engine

from tests.support import postgres
from tests.support.media import WALL_START_MS, generate_stream
from tests.unit.recording.feeds import ListFeed
from vms.core.bus import Bus
from vms.core.clock import FakeClock
from vms.core.errors import NotFoundError
from vms.core.ids import CameraId, SegmentId, StreamName
from vms.playback.facts import RunHeartbeat
from vms.playback.service import PlaybackLimits, PlaybackService
from vms.recording.recorder import Recorder
from vms.recording.settings import RecorderServices, RecorderSettings
from vms.storage.index import SegmentIndex
from vms.storage.open_segments import OpenSegments
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.retention_marks import RetentionMarks

sqlite_engine = postgres.sqlite_engine
CAM = CameraId("cam1")
MAIN = StreamName.MAIN
DAY_MS = 86_400_000


def _open_uri(stream: StreamName, start_ms: int) -> str:
    return f"open/{stream.value}/{start_ms}.mp4"


def _uri(segment_id: SegmentId) -> str:
    return f"closed/{segment_id}.mp4"


def _frames_in_playlist(text: str, path: Path) -> int:
    """Decode what the playlist's byte ranges of `path` hold (init + every part)."""
    data = path.read_bytes()
    lines = text.splitlines()
    init = next(line for line in lines if line.startswith("#EXT-X-MAP"))
    init_size = int(init.split('BYTERANGE="')[1].split("@")[0])
    body = b""
    for line in lines:
        if line.startswith("#EXT-X-BYTERANGE:"):
            size, offset = (int(v) for v in line.split(":")[1].split("@"))
            body += data[offset : offset + size]
    container: Any
    with av.open(io.BytesIO(data[:init_size] + body), format="mp4") as container:
        return sum(1 for _ in container.decode(video=0))


def test_the_segment_being_written_is_shown_played_and_then_indexed(
    tmp_path: Path, sqlite_engine: Engine
) -> None:
    stream = generate_stream(duration_s=8.0, fps=25, gop=25)
    pool = StoragePool("p1", tmp_path / "pool")
    pool.root.mkdir()
    pools = StoragePools([pool])
    index = SegmentIndex(sqlite_engine)
    clock = FakeClock(WALL_START_MS - 60_000)
    run = RunHeartbeat(sqlite_engine, clock, "test")
    run.begin()
    clock.advance(68.5)  # now: 8.5 s after the first packet; the heartbeat row is 68.5 s old
    open_segments = OpenSegments()
    service = PlaybackService(
        sqlite_engine,
        index,
        pools,
        clock,
        marks=RetentionMarks(sqlite_engine),
        limits=PlaybackLimits(DAY_MS, DAY_MS),
        open_segments=open_segments,
        run=run,
    )
    feed = ListFeed([stream.info, *stream.packets])
    recorder = Recorder(
        CAM,
        MAIN,
        feed,
        RecorderServices(
            pools=pools,
            index=index,
            clock=clock,
            bus=Bus(),
            open_segments=open_segments,
        ),
        RecorderSettings(
            segment_duration_s=60.0,
            min_free_bytes=0,
        ),
    )
    recorder.start()
    try:
        assert feed.drained.wait(60)
        start, end = WALL_START_MS - 10_000, WALL_START_MS + 20_000
        timeline = service.timeline(CAM, MAIN, start, end, None)
        assert index.query(CAM, MAIN, start, end) == []  # nothing indexed yet
        [interval] = timeline.recorded
        assert timeline.in_progress == interval
        assert interval.start_ms == WALL_START_MS
        # the muxer holds the last fragment (1 s at most) until the next one starts
        assert WALL_START_MS + 6_000 <= interval.end_ms <= WALL_START_MS + 8_000
        assert [g.end_ms for g in timeline.gaps] == [WALL_START_MS]  # none after the start
        assert all(g.cause == "unknown" for g in timeline.gaps)  # this run covers until now

        playlist = service.playlist(CAM, MAIN, start, end, _uri, open_uri=_open_uri)
        assert _open_uri(MAIN, WALL_START_MS) in playlist.text
        assert playlist.text.rstrip().endswith("#EXT-X-ENDLIST")
        found = service.recording_file(CAM, MAIN, WALL_START_MS)
        assert found.path == recorder.current_path()
        frames = _frames_in_playlist(playlist.text, found.path)
        assert frames >= 25 * (interval.end_ms - WALL_START_MS) // 1000 - 1
        jpeg = service.frame_jpeg(CAM, MAIN, interval.end_ms - 500, 160)  # hover on the timeline
        assert jpeg.startswith(b"\xff\xd8")
    finally:
        recorder.stop()

    timeline = service.timeline(CAM, MAIN, start, end, None)
    assert timeline.in_progress is None
    assert open_segments.get(CAM, MAIN) is None
    [row] = index.query(CAM, MAIN, start, end)
    assert timeline.recorded[0].end_ms == row.end_ms
    assert service.recording_file(CAM, MAIN, WALL_START_MS).path == found.path
    with pytest.raises(NotFoundError, match="no main recording starting at"):
        service.recording_file(CAM, MAIN, WALL_START_MS + 1)
