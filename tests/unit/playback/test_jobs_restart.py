"""Export jobs after a crash: interrupted jobs fail cleanly and their locks are released."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from tests.support import postgres
from vms.core.clock import FakeClock
from vms.core.ids import CameraId, StreamName
from vms.playback.export import ExportSource
from vms.playback.jobs import ExportJobs
from vms.playback.signing import SiteKey
from vms.storage.locks import EvidenceLocks, LockReason

sqlite_engine = postgres.sqlite_engine
CAM = CameraId("cam1")


def _jobs(engine: Engine, tmp_path: Path, locks: EvidenceLocks) -> ExportJobs:
    def sources(_c: CameraId, _s: StreamName, start_ms: int, end_ms: int) -> list[ExportSource]:
        return [ExportSource(1, tmp_path / "seg.mp4", start_ms, end_ms)]

    return ExportJobs(
        engine,
        FakeClock(),
        locks=locks,
        key=SiteKey.load_or_create(tmp_path),
        exports_dir=tmp_path / "exports",
        find_sources=sources,
        version="test",
    )


def test_start_fails_interrupted_jobs_and_releases_their_locks(
    sqlite_engine: Engine, tmp_path: Path
) -> None:
    locks = EvidenceLocks(sqlite_engine, FakeClock())
    crashed = _jobs(sqlite_engine, tmp_path, locks)  # never started: as if killed mid-export
    job = crashed.create(CAM, StreamName.MAIN, 1_000, 2_000, "alice")
    (tmp_path / "exports").mkdir()
    crashed.file_path(job.id).write_bytes(b"partial")
    locks.add(CAM, 1_000, 2_000, LockReason.EXPORT)
    hold = locks.add(CAM, 1_000, 2_000, LockReason.LEGAL_HOLD)

    restarted = _jobs(sqlite_engine, tmp_path, locks)
    restarted.start()
    try:
        after = restarted.get(job.id)
        assert after.state == "failed"
        assert after.error == "VMS stopped during the export"
        assert not restarted.file_path(job.id).exists()
        assert locks.list() == [hold]  # the legal hold stays
    finally:
        restarted.stop()
