"""The inference pool with real worker processes running the blob detector: frames in through
shared memory, detections out in order; a full worker drops and counts; a worker killed or hung
is replaced and serves again; stopping leaves nothing in /dev/shm."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from vms.analytics.detection import Detection
from vms.analytics.inference.latest import FrameSize
from vms.analytics.inference.pool import InferencePool, PoolSettings
from vms.analytics.inference.worker import DetectorSpec
from vms.core.ids import CameraId

BLOBS = DetectorSpec("tests.support.blob_detector:build", {"min_area": 50})
CAM_A, CAM_B = CameraId("a"), CameraId("b")
SHM = Path("/dev/shm")


class Results:
    """What the pool called back with, for tests to wait on."""

    def __init__(self) -> None:
        self.calls: list[tuple[CameraId, int, FrameSize, list[Detection]]] = []
        self._changed = threading.Condition()

    def __call__(
        self, camera_id: CameraId, wall_ms: int, size: FrameSize, found: list[Detection]
    ) -> None:
        with self._changed:
            self.calls.append((camera_id, wall_ms, size, found))
            self._changed.notify_all()

    def wait(self, condition: Callable[[], bool], timeout_s: float = 20) -> bool:
        with self._changed:
            return self._changed.wait_for(condition, timeout=timeout_s)

    def of(self, camera_id: CameraId) -> list[int]:
        return [wall_ms for cam, wall_ms, _, _ in self.calls if cam == camera_id]


def wait_until(condition: Callable[[], bool], timeout_s: float = 20) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def frame_with_square(x: int, y: int, colour: tuple[int, int, int] = (0, 0, 255)) -> np.ndarray:
    frame = np.full((360, 640, 3), 90, np.uint8)
    frame[y : y + 40, x : x + 40] = colour
    return frame


def ready_pids(pool: InferencePool) -> list[int]:
    pids = pool.worker_pids()
    return [pid for pid in pids if pid is not None] if all(pids) else []


@pytest.fixture
def results() -> Results:
    return Results()


@pytest.fixture
def make_pool(results: Results) -> Iterator[Callable[..., InferencePool]]:
    made: list[InferencePool] = []

    def make(**settings: float) -> InferencePool:
        pool = InferencePool(BLOBS, PoolSettings(**settings), results)  # type: ignore[arg-type]
        made.append(pool)
        pool.start()
        assert wait_until(lambda: bool(ready_pids(pool)), 60), "workers did not start"
        return pool

    yield make
    for pool in made:
        pool.stop()


def segments(pool: InferencePool) -> list[Path]:
    return [SHM / w.slots.name.lstrip("/") for w in pool._workers]


def test_frames_in_detections_out_in_order(
    make_pool: Callable[..., InferencePool], results: Results
) -> None:
    pool = make_pool(workers=2)
    sent = 0
    for i in range(12):
        for camera, colour in ((CAM_A, (0, 0, 255)), (CAM_B, (255, 0, 0))):
            while not pool.submit(camera, frame_with_square(20 * i, 100, colour), 1000 + i):
                time.sleep(0.005)  # the worker is busy with this camera's last frames
            sent += 1
    assert results.wait(lambda: len(results.calls) == sent)
    assert results.of(CAM_A) == list(range(1000, 1012))  # sticky to one worker: in order
    assert results.of(CAM_B) == list(range(1000, 1012))
    _, _, size, found = next(c for c in results.calls if c[:2] == (CAM_A, 1005))
    assert size == (640, 360)
    assert found == [Detection("red", 1.0, (100, 100, 140, 140))]
    assert {found[0].label for cam, _, _, found in results.calls if cam == CAM_B} == {"blue"}
    sample = pool.sample()
    assert {c.camera_id: c.frames_analysed_total for c in sample.cameras} == {CAM_A: 12, CAM_B: 12}
    assert [w.cameras for w in sample.workers] == [1, 1]  # one camera on each worker
    assert sample.latency_count == sent and sample.latency_buckets[-1][1] == sent


def test_a_full_worker_drops_the_new_frame_and_counts_it(
    make_pool: Callable[..., InferencePool], results: Results
) -> None:
    pool = make_pool(workers=1, slots_per_worker=3, per_camera_in_flight=2, hang_s=60)
    (pid,) = ready_pids(pool)
    os.kill(pid, signal.SIGSTOP)  # the model is stuck on a long frame
    try:
        accepted = [pool.submit(CAM_A, frame_with_square(10, 10), t) for t in range(4)]
        assert accepted == [True, True, False, False]  # its camera's share of the slots
        accepted = [pool.submit(CAM_B, frame_with_square(10, 10), t) for t in range(3)]
        assert accepted == [True, False, False]  # the last free slot, then none
    finally:
        os.kill(pid, signal.SIGCONT)
    assert results.wait(lambda: len(results.calls) == 3)
    assert results.of(CAM_A) == [0, 1] and results.of(CAM_B) == [0]
    dropped = {c.camera_id: c.dropped_total for c in pool.sample().cameras}
    assert dropped == {CAM_A: {"busy": 2}, CAM_B: {"busy": 2}}
    assert pool.submit(CAM_A, frame_with_square(10, 10), 9)  # room again: accepted
    too_big = np.zeros((700, 700, 3), np.uint8)
    assert not pool.submit(CAM_A, too_big, 10)
    assert pool.sample().cameras[0].dropped_total["too_large"] == 1


def test_a_worker_killed_is_back_and_serving_within_5_s(
    make_pool: Callable[..., InferencePool], results: Results
) -> None:
    pool = make_pool(workers=1)
    (pid,) = ready_pids(pool)
    os.kill(pid, signal.SIGSTOP)  # so that a frame is surely in flight when it dies
    assert pool.submit(CAM_A, frame_with_square(10, 10), 1)
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()

    def served_again() -> bool:
        return pool.submit(CAM_A, frame_with_square(10, 10), 2) and results.wait(
            lambda: 2 in results.of(CAM_A), 1
        )

    assert wait_until(served_again, 20)
    assert time.monotonic() - killed_at < 5
    (new_pid,) = ready_pids(pool)
    assert new_pid != pid
    assert results.of(CAM_A) == [2]  # the frame in flight was lost, and counted
    sample = pool.sample()
    # with any frame handed over between the kill and the pool noticing it
    assert sample.cameras[0].dropped_total["worker_lost"] >= 1
    assert [(w.up, w.restarts_total) for w in sample.workers] == [(True, 1)]


def test_a_hung_worker_is_killed_and_replaced(
    make_pool: Callable[..., InferencePool], results: Results
) -> None:
    pool = make_pool(workers=1, hang_s=1.0, beat_s=0.2)
    (pid,) = ready_pids(pool)
    os.kill(pid, signal.SIGSTOP)  # alive, but answers nothing: a hang
    assert wait_until(lambda: ready_pids(pool) not in ([], [pid]), 20)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the hung process is gone, not left behind
    assert wait_until(lambda: pool.submit(CAM_A, frame_with_square(10, 10), 5), 5)
    assert results.wait(lambda: results.of(CAM_A) == [5])
    assert pool.sample().workers[0].restarts_total == 1


def test_stop_leaves_no_shared_memory_even_after_a_kill(
    make_pool: Callable[..., InferencePool],
) -> None:
    pool = make_pool(workers=2)
    shm = segments(pool)
    assert all(path.exists() for path in shm)
    os.kill(ready_pids(pool)[0], signal.SIGKILL)
    assert wait_until(lambda: pool.sample().workers[0].restarts_total == 1)
    pids = [pid for pid in pool.worker_pids() if pid is not None]
    pool.stop()
    assert not any(path.exists() for path in shm)
    for pid in pids:
        assert wait_until(lambda pid=pid: not _alive(pid), 10)  # type: ignore[misc]


def test_a_detector_that_cannot_load_is_retried_without_a_busy_loop(results: Results) -> None:
    pool = InferencePool(DetectorSpec("tests.support.nowhere:build"), PoolSettings(), results)
    pool.start()
    shm = segments(pool)
    try:
        assert wait_until(lambda: pool.sample().workers[0].restarts_total >= 2, 30)
        started = time.monotonic()
        assert wait_until(lambda: pool.sample().workers[0].restarts_total >= 3, 30)
        assert time.monotonic() - started >= 0.5  # backing off, not a busy loop
        assert not pool.submit(CAM_A, frame_with_square(10, 10), 1)
        assert pool.sample().cameras[0].dropped_total == {"worker_down": 1}
    finally:
        pool.stop()
    assert shm and not any(path.exists() for path in shm)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
