"""A ring of fixed-size frame slots in one shared-memory segment, one segment per worker.

Only the main process creates and unlinks segments, so a worker killed with SIGKILL leaks
nothing: its segment is still the pool's, reused by the worker started in its place. Workers only
attach. Frames are copied in once by the main process and read in place by the worker, so only
a slot index, a shape and a frame id ever go through a pipe.
"""

from __future__ import annotations

import contextlib
from multiprocessing.shared_memory import SharedMemory

import numpy as np

from vms.analytics.detection import FrameBGR

CHANNELS = 3  # BGR


class FrameSlots:
    """`count` slots of `slot_bytes` each; `put` and `view` address one slot."""

    def __init__(self, memory: SharedMemory, count: int, slot_bytes: int, *, owner: bool) -> None:
        self._memory = memory
        self.count = count
        self.slot_bytes = slot_bytes
        self._owner = owner

    @classmethod
    def create(cls, count: int, slot_bytes: int) -> FrameSlots:
        memory = SharedMemory(create=True, size=count * slot_bytes)
        return cls(memory, count, slot_bytes, owner=True)

    @classmethod
    def attach(cls, name: str, count: int, slot_bytes: int) -> FrameSlots:
        """In a worker. Python 3.11 registers an attached segment with the resource tracker as
        if this process had made it; a worker started by spawn or forkserver shares the pool's
        tracker, where the name is already registered, so that is harmless (withdrawing it
        would make the pool's own unlink fail in the tracker)."""
        memory = SharedMemory(name=name, create=False)
        return cls(memory, count, slot_bytes, owner=False)

    @property
    def name(self) -> str:
        return self._memory.name

    def fits(self, frame: FrameBGR) -> bool:
        return frame.ndim == 3 and frame.shape[2] == CHANNELS and frame.nbytes <= self.slot_bytes

    def put(self, slot: int, frame: FrameBGR) -> None:
        """Copy a frame into a slot (the caller checked `fits` and owns the slot)."""
        self.view(slot, frame.shape[0], frame.shape[1])[...] = frame

    def view(self, slot: int, height: int, width: int) -> FrameBGR:
        """The slot as a height × width × 3 array over the shared memory (no copy)."""
        if not 0 <= slot < self.count or height * width * CHANNELS > self.slot_bytes:
            raise ValueError(f"slot {slot} cannot hold {width}x{height}")
        return np.ndarray(
            (height, width, CHANNELS),
            dtype=np.uint8,
            buffer=self._memory.buf,
            offset=slot * self.slot_bytes,
        )

    def close(self) -> None:
        """Detach; the owner also unlinks (the name disappears from /dev/shm)."""
        with contextlib.suppress(BufferError):  # a view still out: the mapping ends with us
            self._memory.close()
        if self._owner:
            with contextlib.suppress(FileNotFoundError):
                self._memory.unlink()
