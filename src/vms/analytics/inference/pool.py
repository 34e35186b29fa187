"""The inference pool: worker processes that run a Detector, fed through shared memory.

Inference runs in processes so that a slow model can never hold the GIL that ingest, recording
and live view share. Each worker has a ring of frame slots in shared memory and a pipe: a frame
is copied into a free slot and only a `Job` (slot, shape, frame id) is sent; the few detections
come back on the same pipe. A camera sticks to one worker, so its results come back in order.

The pool never waits for a worker. A frame finds its worker full (no free slot, or its camera
already has `per_camera_in_flight` frames there) and is dropped and counted; so is a frame for a
worker that is (re)starting. One thread, the collector, reads every pipe, and restarts a worker
whose process ended or that said nothing for `hang_s`: it is killed (SIGKILL, which also ends a
stopped process), its in-flight frames are counted lost, and a new process takes over the same
slots. Only this process creates and unlinks shared memory, so a killed worker leaks nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkServerContext, SpawnContext
from multiprocessing.process import BaseProcess
from typing import Literal

from vms.analytics.detection import Detection, FrameBGR
from vms.analytics.inference.latest import FrameSize
from vms.analytics.inference.slots import CHANNELS, FrameSlots
from vms.analytics.inference.stats import Tally
from vms.analytics.inference.worker import (
    Beat,
    DetectorSpec,
    Done,
    Failed,
    Job,
    Ready,
    WorkerArgs,
    run_worker,
)
from vms.core.ids import CameraId
from vms.telemetry.providers import InferenceSample, InferenceWorkerSample

log = logging.getLogger(__name__)

ResultCallback = Callable[[CameraId, int, FrameSize, list[Detection]], None]

_POLL_S = 0.25
_STABLE_S = 5.0  # a worker that lived this long was not crash-looping
_MAX_BACKOFF_S = 30.0


@dataclass(frozen=True, slots=True)
class PoolSettings:
    workers: int = 1
    slots_per_worker: int = 4
    max_width: int = 640  # the largest frame a slot holds
    max_height: int = 640
    per_camera_in_flight: int = 2  # so one camera cannot take all of a worker's slots
    hang_s: float = 10.0  # silence (no answer, no heartbeat) after which a worker is killed
    start_s: float = 60.0  # to import and load the model
    beat_s: float = 1.0

    @property
    def slot_bytes(self) -> int:
        return self.max_width * self.max_height * CHANNELS


@dataclass(frozen=True, slots=True)
class _InFlight:
    camera_id: CameraId
    wall_ms: int
    size: FrameSize
    slot: int
    sent_s: float


class _Worker:
    """The main process's side of one worker: its process, pipe, slots and what it holds."""

    def __init__(self, index: int, slots: FrameSlots) -> None:
        self.index = index
        self.slots = slots
        self.process: BaseProcess | None = None
        self.conn: Connection | None = None
        self.ready = False
        self.heard_s = 0.0  # when it was started or last said anything
        self.started_s = 0.0
        self.free = list(range(slots.count))
        self.in_flight: dict[int, _InFlight] = {}
        self.restarts = 0
        self.failures_in_row = 0
        self.start_after_s = 0.0

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None


def _preload(spec: DetectorSpec) -> list[str]:
    """What the fork server imports once: the main module (a child re-runs it to find
    `__mp_main__`; run as `python -m vms.cli` that means importing the whole app), this module
    and the detector's."""
    main = sys.modules.get("__main__")
    main_name = getattr(getattr(main, "__spec__", None), "name", None)
    names = ["__main__", *([main_name] if main_name else []), __name__]
    return [*names, spec.factory.partition(":")[0]]


class InferencePool:
    """`start` once, `submit` from any thread, `stop` once (blocking, a few seconds at most)."""

    def __init__(
        self,
        spec: DetectorSpec,
        settings: PoolSettings,
        on_result: ResultCallback,
        *,
        start_method: Literal["forkserver", "spawn"] = "forkserver",  # never fork: we have threads
    ) -> None:
        self._spec = spec
        self.settings = settings
        self._on_result = on_result
        self._context: ForkServerContext | SpawnContext
        if start_method == "spawn":
            self._context = multiprocessing.get_context("spawn")
        else:
            self._context = multiprocessing.get_context("forkserver")
            # imported once in the fork server, so that a (re)started worker only forks: a
            # fresh import of numpy, OpenCV and onnxruntime would take seconds on a busy CPU
            self._context.set_forkserver_preload(_preload(spec))
        self._workers: list[_Worker] = []
        self._assigned: dict[CameraId, _Worker] = {}
        self._frame_ids = itertools.count()
        self._tally = Tally()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._collector = threading.Thread(target=self._collect, name="inference", daemon=True)
        self._running = False

    # -- lifecycle
    def start(self) -> None:
        with self._lock:
            for index in range(self.settings.workers):
                slots = FrameSlots.create(self.settings.slots_per_worker, self.settings.slot_bytes)
                worker = _Worker(index, slots)
                self._workers.append(worker)
                self._start_worker(worker)
            self._running = True
        self._collector.start()

    def stop(self) -> None:
        """End the workers (politely, then SIGKILL) and unlink their shared memory."""
        self._stopping.set()
        if self._collector.is_alive():
            self._collector.join(timeout=10)
        with self._lock:
            self._running = False
            for worker in self._workers:
                self._end_process(worker, polite=True)
                worker.slots.close()
            self._workers.clear()

    # -- frames in
    def submit(self, camera_id: CameraId, frame: FrameBGR, wall_ms: int) -> bool:
        """Hand a frame to the camera's worker; False when it was dropped (and counted)."""
        with self._lock:
            if not self._running:
                return False
            worker = self._worker_for(camera_id)
            reason = self._refusal(worker, camera_id, frame)
            if reason is not None:
                self._tally.drop(camera_id, reason)
                return False
            assert worker.conn is not None
            slot = worker.free.pop()
            frame_id = next(self._frame_ids)
            height, width = frame.shape[0], frame.shape[1]
            worker.slots.put(slot, frame)
            worker.in_flight[frame_id] = _InFlight(
                camera_id, wall_ms, (width, height), slot, time.monotonic()
            )
            try:
                worker.conn.send(Job(frame_id, slot, height, width))
            except OSError:  # it died a moment ago: the collector restarts it and counts this
                return False
            return True

    def forget(self, camera_id: CameraId) -> None:
        """The camera sends no more frames: the next time it does, it may go to another worker."""
        with self._lock:
            self._assigned.pop(camera_id, None)

    def _worker_for(self, camera_id: CameraId) -> _Worker:
        worker = self._assigned.get(camera_id)
        if worker is None:
            load = {w.index: 0 for w in self._workers}
            for assigned in self._assigned.values():
                load[assigned.index] += 1
            worker = min(self._workers, key=lambda w: (load[w.index], w.index))
            self._assigned[camera_id] = worker
        return worker

    def _refusal(self, worker: _Worker, camera_id: CameraId, frame: FrameBGR) -> str | None:
        if not worker.slots.fits(frame):
            return "too_large"
        if worker.conn is None or not worker.ready:
            return "worker_down"
        mine = sum(1 for job in worker.in_flight.values() if job.camera_id == camera_id)
        if not worker.free or mine >= self.settings.per_camera_in_flight:
            return "busy"
        return None

    # -- the collector thread: answers, deaths, hangs, restarts
    def _collect(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                by_conn = {w.conn: w for w in self._workers if w.conn is not None}
                by_sentinel = {
                    w.process.sentinel: w for w in self._workers if w.process is not None
                }
            if not by_conn:  # every worker is waiting out its restart backoff
                self._stopping.wait(_POLL_S)
            ready = wait([*by_conn, *by_sentinel], timeout=_POLL_S) if by_conn else []
            for conn in [r for r in ready if r in by_conn]:
                self._drain(by_conn[conn])
            for sentinel in [r for r in ready if r in by_sentinel]:
                worker = by_sentinel[sentinel]
                code = worker.process.exitcode if worker.process is not None else None
                self._restart(worker, f"its process ended (exit code {code})")
            self._watch(time.monotonic())

    def _drain(self, worker: _Worker) -> None:
        conn = worker.conn
        results = []
        try:
            while conn is not None and not conn.closed and conn.poll(0):
                reply = conn.recv()
                with self._lock:
                    result = self._answer(worker, reply)
                if result is not None:
                    results.append(result)
        except (EOFError, OSError):
            pass  # the process is ending: its sentinel follows
        for camera_id, wall_ms, size, detections in results:
            try:
                self._on_result(camera_id, wall_ms, size, detections)
            except Exception:
                log.exception("detections of %s could not be handled", camera_id)

    def _answer(
        self, worker: _Worker, reply: object
    ) -> tuple[CameraId, int, FrameSize, list[Detection]] | None:
        worker.heard_s = time.monotonic()
        if isinstance(reply, Ready):
            worker.ready = True
            log.info("inference worker %d ready (pid %s)", worker.index, worker.pid)
        elif isinstance(reply, Done | Failed):
            job = worker.in_flight.pop(reply.frame_id, None)
            if job is None:
                return None
            worker.free.append(job.slot)
            if isinstance(reply, Failed):
                log.warning("detection failed on a frame of %s: %s", job.camera_id, reply.error)
                self._tally.drop(job.camera_id, "failed")
                return None
            latency = worker.heard_s - job.sent_s
            self._tally.analysed_frame(job.camera_id, len(reply.detections), latency)
            return job.camera_id, job.wall_ms, job.size, reply.detections
        elif not isinstance(reply, Beat):
            log.warning("inference worker %d said %r", worker.index, reply)
        return None

    def _watch(self, now: float) -> None:
        for worker in list(self._workers):
            if worker.process is None:
                if now >= worker.start_after_s and not self._stopping.is_set():
                    with self._lock:
                        self._start_worker(worker)
                continue
            limit = self.settings.hang_s if worker.ready else self.settings.start_s
            if now - worker.heard_s > limit:
                state = "answered nothing" if worker.ready else "did not start"
                self._restart(worker, f"it {state} for {limit:g} s")

    def _restart(self, worker: _Worker, why: str) -> None:
        with self._lock:
            if self._stopping.is_set():
                return
            log.warning("inference worker %d (pid %s) restarts: %s", worker.index, worker.pid, why)
            lived_s = time.monotonic() - worker.started_s
            self._end_process(worker, polite=False)
            worker.restarts += 1
            stable = worker.ready and lived_s >= _STABLE_S
            worker.failures_in_row = 0 if stable else worker.failures_in_row + 1
            backoff = min(_MAX_BACKOFF_S, 0.5 * 2 ** (worker.failures_in_row - 1))
            worker.start_after_s = time.monotonic() + (backoff if worker.failures_in_row else 0)
            if worker.failures_in_row == 0:
                self._start_worker(worker)

    def _start_worker(self, worker: _Worker) -> None:
        ours, theirs = self._context.Pipe(duplex=True)
        s = self.settings
        args = WorkerArgs(self._spec, worker.slots.name, s.slots_per_worker, s.slot_bytes, s.beat_s)
        process = self._context.Process(
            target=run_worker,
            args=(args, theirs),
            name=f"vms-inference-{worker.index}",
            daemon=True,
        )
        process.start()
        theirs.close()
        worker.process, worker.conn, worker.ready = process, ours, False
        worker.started_s = worker.heard_s = time.monotonic()

    def _end_process(self, worker: _Worker, *, polite: bool) -> None:
        """End the process, free its slots and count its in-flight frames lost."""
        process, conn = worker.process, worker.conn
        if conn is not None and polite:
            with contextlib.suppress(OSError):
                conn.send(None)
        if process is not None:
            process.join(timeout=2 if polite else 0)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
            if not process.is_alive():
                process.close()
        if conn is not None:
            conn.close()
        for job in worker.in_flight.values():
            self._tally.drop(job.camera_id, "worker_lost")
        worker.in_flight.clear()
        worker.free = list(range(worker.slots.count))
        worker.process, worker.conn, worker.ready = None, None, False

    # -- what tests and /metrics read
    def worker_pids(self) -> list[int | None]:
        with self._lock:
            return [w.pid if w.ready else None for w in self._workers]

    def sample(self) -> InferenceSample:
        with self._lock:
            load = {w.index: 0 for w in self._workers}
            for assigned in self._assigned.values():
                load[assigned.index] = load.get(assigned.index, 0) + 1
            workers = [
                InferenceWorkerSample(w.index, w.ready, w.restarts, load[w.index])
                for w in self._workers
            ]
            return self._tally.sample(workers)
