"""Disk full on a small tmpfs: the recorder reports, keeps draining, retention frees, it resumes."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Callable, Iterator
from itertools import count
from pathlib import Path

import av
import pytest

from tests.support.media import GeneratedStream, generate_stream, shifted
from vms.core.bus import Bus, SegmentClosed
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.core.service import Backoff
from vms.db.engine import create_engine, migrate
from vms.media.packet import HubItem
from vms.recording.recorder import Recorder, RecorderState
from vms.recording.settings import RecorderServices, RecorderSettings
from vms.storage.index import SegmentIndex
from vms.storage.locks import EvidenceLocks
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.retention import Retention

CAM = CameraId("cam1")
MIB = 1024 * 1024


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


class LoopFeed:
    """The same noisy clip over and over on a continuous timeline, as fast as it is read.

    `stop_after(when, n)`: once `when()` holds, n more items go through and then the feed goes
    quiet (an idle camera); `exhausted` is set when the recorder asks for more after that, i.e.
    once it has handled all of them.
    """

    def __init__(self, stream: GeneratedStream) -> None:
        self._items = self._generate(stream)
        self.handed_out = 0
        self.limit: int | None = None
        self._when: Callable[[], bool] | None = None
        self._count = 0
        self.closed = threading.Event()
        self.exhausted = threading.Event()

    def stop_after(self, when: Callable[[], bool], count: int) -> None:
        self._count = count
        self._when = when

    @staticmethod
    def _generate(stream: GeneratedStream) -> Iterator[HubItem]:
        yield stream.info
        for n in count():
            yield from shifted(stream, offset_s=n * stream.duration_s)

    def get(self, timeout: float | None = None) -> HubItem | None:
        item = self.get_nowait()
        if item is None and not self.closed.is_set():
            self.closed.wait(timeout)
        return item

    def get_nowait(self) -> HubItem | None:
        if self.closed.is_set():
            return None
        if self.limit is None and self._when is not None and self._when():
            self.limit = self.handed_out + self._count
        if self.limit is not None and self.handed_out >= self.limit:
            self.exhausted.set()
            return None
        self.handed_out += 1
        return next(self._items)

    def close(self) -> None:
        self.closed.set()


class Watch:
    """Thread-safe waiting on what the recorder reports."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.closed: list[SegmentClosed] = []
        self.errors: list[str] = []

    def on_closed(self, msg: SegmentClosed) -> None:
        with self.cond:
            self.closed.append(msg)
            self.cond.notify_all()

    def on_error(self, msg: str) -> None:
        with self.cond:
            self.errors.append(msg)
            self.cond.notify_all()


def test_disk_full_then_emergency_retention_then_resume(small_disk: Path, tmp_path: Path) -> None:
    stream = generate_stream(duration_s=2.0, fps=25, gop=25, noise=True, audio=True)
    engine = create_engine(f"sqlite:///{tmp_path / 'vms.db'}")
    migrate(engine)
    index = SegmentIndex(engine)
    pools = StoragePools([StoragePool("small", small_disk)])
    clock = SystemClock()
    bus = Bus()
    watch = Watch()
    bus.subscribe(SegmentClosed, watch.on_closed)
    retention = Retention(
        index,
        EvidenceLocks(engine, clock),
        pools,
        clock=clock,
        bus=bus,
        policies=dict,
        free_space_floor_bytes=2 * MIB,
    )
    feed = LoopFeed(stream)
    recorder = Recorder(
        CAM,
        StreamName.MAIN,
        feed,
        RecorderServices(
            pools=pools,
            index=index,
            clock=clock,
            bus=bus,
            on_storage_error=watch.on_error,
        ),
        RecorderSettings(
            segment_duration_s=2.0,
            retry_backoff=Backoff(initial_s=0.05, cap_s=0.2),
            min_free_bytes=MIB,
        ),
    )
    recorder.start()
    try:
        with watch.cond:
            assert watch.cond.wait_for(lambda: watch.errors, timeout=300), "disk never filled"
        assert recorder.stats().state is RecorderState.STORAGE_ERROR
        assert re.search(r"No space left|bytes free", watch.errors[0]), watch.errors[0]
        before = index.query(CAM, None, 0, 2**62)
        assert len(before) >= 3
        handed = feed.handed_out
        with watch.cond:  # still draining: the feed keeps being read while storage is failing
            watch.cond.wait_for(lambda: feed.handed_out > handed + 200, timeout=300)
        assert feed.handed_out > handed + 200
        assert recorder.stats().state is RecorderState.STORAGE_ERROR  # no space came back yet

        report = retention.run_once(emergency=True)
        assert report.deleted_segments > 0
        closed_before = recorder.stats().segments_closed
        resumed = lambda: recorder.current_path() is not None  # noqa: E731
        feed.stop_after(resumed, len(stream.packets) * 3 // 2)  # 3 s more: fits in the space freed
        assert feed.exhausted.wait(timeout=300)
    finally:
        recorder.stop()
    assert recorder.stats().segments_closed >= closed_before + 2  # resumed by itself

    after = index.query(CAM, None, 0, 2**62)
    after_ids = {r.id for r in after}
    lost = [r for r in before if r.id not in after_ids]
    assert len(lost) == report.deleted_segments  # only what retention deleted is gone...
    assert lost == before[: len(lost)]  # ...and that was the oldest
    stats = recorder.stats()
    assert stats.storage_errors >= 1
    assert stats.segments_closed > len(before)
    for row in after:  # every indexed segment is on disk and decodes
        path = small_disk / row.path
        assert path.stat().st_size == row.size_bytes
        with av.open(str(path)) as container:
            assert sum(1 for _ in container.decode(video=0)) == row.frames
    engine.dispose()


def test_full_disk_mid_segment_keeps_the_written_fragments(
    small_disk: Path, tmp_path: Path
) -> None:
    """ENOSPC while writing: the segment is cut to its last fragment and indexed at once."""
    stream = generate_stream(duration_s=2.0, fps=25, gop=25, noise=True, audio=False)
    engine = create_engine(f"sqlite:///{tmp_path / 'vms.db'}")
    migrate(engine)
    index = SegmentIndex(engine)
    ballast = small_disk / "ballast"
    ballast.write_bytes(b"\0" * (5 * MIB))
    watch = Watch()
    bus = Bus()
    bus.subscribe(SegmentClosed, watch.on_closed)
    feed = LoopFeed(stream)
    recorder = Recorder(
        CAM,
        StreamName.MAIN,
        feed,
        RecorderServices(
            pools=StoragePools([StoragePool("small", small_disk)]),
            index=index,
            clock=SystemClock(),
            bus=bus,
            on_storage_error=watch.on_error,
        ),
        RecorderSettings(
            segment_duration_s=600.0,
            retry_backoff=Backoff(initial_s=0.05, cap_s=0.2),
            min_free_bytes=2 * MIB,  # a fragment is ~1 MiB: no resuming into the cut-off bytes
        ),
    )
    recorder.start()
    try:
        with watch.cond:
            assert watch.cond.wait_for(lambda: watch.errors, timeout=300), "disk never filled"
            assert "No space left" in watch.errors[0]
            [torn] = watch.closed  # the abandoned segment, indexed up to its last fragment
        row = index.get(torn.segment_id)
        assert row is not None and row.duration_ms >= 1000
        assert recorder.stats().state is RecorderState.STORAGE_ERROR
        ballast.unlink()  # space comes back: the recorder resumes by itself
        resumed = lambda: recorder.current_path() is not None  # noqa: E731
        feed.stop_after(resumed, len(stream.packets))  # 2 s more, far less than the space freed
        assert feed.exhausted.wait(timeout=300)
    finally:
        recorder.stop()
    rows = index.query(CAM, None, 0, 2**62)
    assert rows[0] == row
    assert len(rows) == 2
    for r in rows:
        with av.open(str(small_disk / r.path)) as container:
            assert sum(1 for _ in container.decode(video=0)) == r.frames
    engine.dispose()
