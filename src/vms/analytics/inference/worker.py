"""The code that runs in an inference worker process, and the messages it exchanges.

A worker owns one Detector (built from a `DetectorSpec` in the worker, so no model object is
ever pickled), reads frames in place from its shared-memory slots and answers on its pipe:
`Ready` once the detector is built, `Done` or `Failed` for each frame in the order they came,
and `Beat` whenever it has waited `beat_s` for work, so the pool can tell an idle worker from a
hung one. It exits when the pool closes its end of the pipe or sends `None`.
"""

from __future__ import annotations

import importlib
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

from vms.analytics.detection import Detection, Detector
from vms.analytics.inference.slots import FrameSlots


@dataclass(frozen=True, slots=True)
class DetectorSpec:
    """How a worker builds its detector: `factory` is "package.module:function", called with
    `config` (any picklable value: a settings model, a dict); both pickle, which a loaded model
    would not (and should not: each process loads its own)."""

    factory: str
    config: Any = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Job:
    frame_id: int
    slot: int
    height: int
    width: int


@dataclass(frozen=True, slots=True)
class Ready:
    pass


@dataclass(frozen=True, slots=True)
class Beat:
    pass


@dataclass(frozen=True, slots=True)
class Done:
    frame_id: int
    detections: list[Detection]


@dataclass(frozen=True, slots=True)
class Failed:
    frame_id: int
    error: str


Reply = Ready | Beat | Done | Failed


def build_detector(spec: DetectorSpec) -> Detector:
    """Import the factory named by the spec and call it with the spec's config."""
    module_name, _, attribute = spec.factory.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"detector factory must be 'module:function', not {spec.factory!r}")
    factory: Callable[[Any], Detector] = getattr(importlib.import_module(module_name), attribute)
    return factory(spec.config)


@dataclass(frozen=True, slots=True)
class WorkerArgs:
    """What a worker process is started with (pickled once, at its start)."""

    spec: DetectorSpec
    memory_name: str
    slot_count: int
    slot_bytes: int
    beat_s: float


def run_worker(args: WorkerArgs, conn: Connection) -> None:
    """The worker's main function (the target of its `Process`)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    slots = FrameSlots.attach(args.memory_name, args.slot_count, args.slot_bytes)
    detector = build_detector(args.spec)
    beat_s = args.beat_s
    try:
        conn.send(Ready())
        while True:
            if not conn.poll(beat_s):
                conn.send(Beat())
                continue
            job: Job | None = conn.recv()
            if job is None:
                return
            frame = slots.view(job.slot, job.height, job.width)
            try:
                detections = detector.detect(frame)
            except Exception as exc:  # one frame the model rejects is not the worker's end
                conn.send(Failed(job.frame_id, f"{type(exc).__name__}: {exc}"))
            else:
                conn.send(Done(job.frame_id, detections))
            del frame
    except (EOFError, BrokenPipeError, ConnectionResetError):
        return  # the pool went away: nothing left to answer
    finally:
        slots.close()
