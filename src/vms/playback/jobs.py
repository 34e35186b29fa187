"""Export jobs: queued in the `exports` table, run one at a time on a worker thread, signed.

The segments an export reads are held by an evidence lock (reason 'export') until it ends, so
retention cannot delete them mid-copy. A job left running by a crash is marked failed at start.
"""

from __future__ import annotations

import errno
import logging
import queue
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import av.error
from sqlalchemy import Engine, Table, delete, insert, select, update

from vms.core.clock import Clock
from vms.core.errors import ConflictError, NotFoundError, VmsError
from vms.core.ids import CameraId, StreamName
from vms.db.tables import ExportTable
from vms.playback.export import ExportCancelled, ExportResult, ExportSource, write_export
from vms.playback.signing import SiteKey, canonical_json, sha256_file
from vms.storage.locks import EvidenceLocks, LockReason

log = logging.getLogger(__name__)

_T = cast(Table, ExportTable.__table__)
_C = _T.c
DAY_MS = 86_400_000
FINISHED = ("done", "failed", "cancelled")


@dataclass(frozen=True, slots=True)
class ExportJob:
    id: str
    camera_id: CameraId
    stream: StreamName
    start_ms: int
    end_ms: int
    state: str
    progress: float
    requested_by: str
    created_ms: int
    finished_ms: int | None
    media_start_ms: int | None
    size_bytes: int | None
    sha256: str | None
    error: str | None


def _job(r: Any) -> ExportJob:
    m = r._mapping
    return ExportJob(
        **{k: m[k] for k in ExportJob.__slots__ if k not in ("camera_id", "stream")},
        camera_id=CameraId(m["camera_id"]),
        stream=StreamName(m["stream"]),
    )


SourceFinder = Callable[[CameraId, StreamName, int, int], list[ExportSource]]


class ExportJobs:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        *,
        locks: EvidenceLocks,
        key: SiteKey,
        exports_dir: Path,
        find_sources: SourceFinder,
        version: str,
    ) -> None:
        self._engine = engine
        self._clock = clock
        self._locks = locks
        self._key = key
        self.exports_dir = exports_dir
        self._find = find_sources
        self._version = version
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._cancel: dict[str, threading.Event] = {}
        self._thread: threading.Thread | None = None

    def file_path(self, job_id: str) -> Path:
        return self.exports_dir / f"{job_id}.mp4"

    def manifest_path(self, job_id: str) -> Path:
        return self.exports_dir / f"{job_id}.manifest.json"

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self.exports_dir.mkdir(parents=True, exist_ok=True)
        with self._engine.begin() as conn:
            stale = [
                r[0] for r in conn.execute(select(_C.id).where(_C.state.in_(("queued", "running"))))
            ]
        for job_id in stale:
            self.file_path(job_id).unlink(missing_ok=True)
            self._finish(job_id, "failed", error="VMS stopped during the export")
        # An export's lock lives only while it runs, and none runs before this start: locks left
        # by a crash would otherwise keep their segments from retention for ever.
        released = self._locks.remove_all(LockReason.EXPORT)
        if released:
            log.info("released %d export locks left by an interrupted run", released)
        self._thread = threading.Thread(target=self._run, name="exports", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        for event in list(self._cancel.values()):
            event.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join()

    # -- requests ------------------------------------------------------------------------------
    def create(
        self, camera: CameraId, stream: StreamName, start_ms: int, end_ms: int, requested_by: str
    ) -> ExportJob:
        if not self._find(camera, stream, start_ms, end_ms):
            raise NotFoundError(f"{camera} has no recording between {start_ms} and {end_ms}")
        job_id = secrets.token_hex(8)
        values = {
            "id": job_id,
            "camera_id": camera,
            "stream": str(stream),
            "start_ms": start_ms,
            "end_ms": end_ms,
            "state": "queued",
            "progress": 0.0,
            "requested_by": requested_by,
            "created_ms": self._clock.now_ms(),
        }
        with self._engine.begin() as conn:
            conn.execute(insert(_T).values(**values))
        self._cancel[job_id] = threading.Event()
        self._queue.put(job_id)
        return self.get(job_id)

    def get(self, job_id: str) -> ExportJob:
        with self._engine.connect() as conn:
            row = conn.execute(select(_T).where(_C.id == job_id)).first()
        if row is None:
            raise NotFoundError(f"export {job_id} does not exist")
        return _job(row)

    def list(self) -> list[ExportJob]:
        with self._engine.connect() as conn:
            return [_job(r) for r in conn.execute(select(_T).order_by(_C.created_ms.desc()))]

    def cancel(self, job_id: str) -> ExportJob:
        job = self.get(job_id)
        if job.state in FINISHED:
            raise ConflictError(f"export {job_id} has already ended ({job.state})")
        self._cancel.setdefault(job_id, threading.Event()).set()
        if job.state == "queued":
            self._finish(job_id, "cancelled")
        return self.get(job_id)

    def delete(self, job_id: str) -> None:
        """Cancel a running export, or remove a finished one with its file and manifest."""
        job = self.get(job_id)
        if job.state not in FINISHED:
            self.cancel(job_id)
            return
        self._remove(job_id)

    def _remove(self, job_id: str) -> None:
        self.file_path(job_id).unlink(missing_ok=True)
        self.manifest_path(job_id).unlink(missing_ok=True)
        with self._engine.begin() as conn:
            conn.execute(delete(_T).where(_C.id == job_id))

    def purge(self, retention_days: int) -> int:
        """Delete finished exports older than `retention_days`; returns how many."""
        cutoff = self._clock.now_ms() - retention_days * DAY_MS
        with self._engine.connect() as conn:
            old = [
                r[0]
                for r in conn.execute(
                    select(_C.id).where(_C.state.in_(FINISHED), _C.finished_ms < cutoff)
                )
            ]
        for job_id in old:
            self._remove(job_id)
        return len(old)

    # -- worker --------------------------------------------------------------------------------
    def _run(self) -> None:
        while (job_id := self._queue.get()) is not None:
            try:
                self._execute(self.get(job_id))
            except Exception:
                log.exception("export %s failed unexpectedly", job_id)
                self._finish(job_id, "failed", error="internal error (see log)")

    def _set(self, job_id: str, **values: object) -> None:
        with self._engine.begin() as conn:
            conn.execute(update(_T).where(_C.id == job_id).values(**values))

    def _finish(self, job_id: str, state: str, **values: object) -> None:
        self._set(job_id, state=state, finished_ms=self._clock.now_ms(), **values)
        self._cancel.pop(job_id, None)

    def _execute(self, job: ExportJob) -> None:
        cancel = self._cancel.setdefault(job.id, threading.Event())
        if job.state != "queued" or cancel.is_set():
            return
        sources = self._find(job.camera_id, job.stream, job.start_ms, job.end_ms)
        if not sources:
            self._finish(job.id, "failed", error="the recordings of the range are gone")
            return
        lock = self._locks.add(
            job.camera_id, sources[0].start_ms, max(s.end_ms for s in sources), LockReason.EXPORT
        )
        self._set(job.id, state="running")
        out = self.file_path(job.id)
        last = [0.0]
        # The sources are hashed for the manifest while the export is written: hashlib releases
        # the GIL, so this runs on the second core instead of adding a whole pass at the end.
        hasher = ThreadPoolExecutor(1, thread_name_prefix=f"export-hash-{job.id}")
        source_hashes = {s.path: hasher.submit(_size_and_sha256, s.path) for s in sources}

        def progress(fraction: float) -> None:
            if fraction - last[0] >= 0.02 or fraction >= 1.0:
                last[0] = fraction
                self._set(job.id, progress=round(fraction, 3))

        try:
            result = write_export(
                sources, job.start_ms, job.end_ms, out, progress=progress, cancelled=cancel.is_set
            )
            self._sign(job, result, source_hashes)
        except ExportCancelled:
            self._finish(job.id, "cancelled")
        except (OSError, av.error.FFmpegError, VmsError) as exc:
            out.unlink(missing_ok=True)
            self.manifest_path(job.id).unlink(missing_ok=True)
            self._finish(job.id, "failed", error=_reason(exc))
        finally:
            hasher.shutdown(wait=False, cancel_futures=True)
            self._locks.remove(lock.id)

    def _sign(
        self,
        job: ExportJob,
        result: ExportResult,
        source_hashes: dict[Path, Future[tuple[int, str]]],
    ) -> None:
        out = self.file_path(job.id)
        size_bytes = out.stat().st_size
        digest = sha256_file(out)
        manifest = {
            "format": "vms-export-manifest/1",
            "export_id": job.id,
            "camera_id": job.camera_id,
            "stream": str(job.stream),
            "requested_start_ms": job.start_ms,
            "requested_end_ms": job.end_ms,
            "media_start_ms": result.media_start_ms,
            "media_duration_ms": result.duration_ms,
            "video_frames": result.video_frames,
            "file": {"name": out.name, "size_bytes": size_bytes, "sha256": digest},
            "sources": [_source_entry(s, source_hashes[s.path].result()) for s in result.used],
            "skipped_sources": [
                {"segment_id": s.segment_id, "reason": why} for s, why in result.skipped
            ],
            "vms_version": self._version,
            "exported_by": job.requested_by,
            "exported_at_ms": self._clock.now_ms(),
        }
        envelope = self._key.sign(manifest)
        self.manifest_path(job.id).write_bytes(canonical_json(envelope))
        self._finish(
            job.id,
            "done",
            progress=1.0,
            size_bytes=size_bytes,
            sha256=digest,
            media_start_ms=result.media_start_ms,
        )


def _size_and_sha256(path: Path) -> tuple[int, str]:
    return path.stat().st_size, sha256_file(path)


def _source_entry(source: ExportSource, size_and_digest: tuple[int, str]) -> dict[str, Any]:
    size_bytes, digest = size_and_digest
    return {
        "segment_id": source.segment_id,
        "start_ms": source.start_ms,
        "end_ms": source.end_ms,
        "size_bytes": size_bytes,
        "sha256": digest,
    }


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "no space left on the exports disk; the partial file was removed"
    return str(exc) or type(exc).__name__
