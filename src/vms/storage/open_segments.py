"""Segments being written: the part of the recording the index does not hold yet.

The index gets a segment's row when its file is closed (up to a whole segment, 60 s by default,
after recording of it began). Until then the recorder publishes here where the open file is and how
many of its bytes are fsynced, so playback can show and play the recording up to its last durable
fragment. It lives in memory, not in the database: every recorder moves it at each fragment (about
once a second per camera), which costs nothing here but would be 64 writes a second for SQLite on a
64-camera site; and after a crash there is nothing to undo, since repair indexes the files the
recorders left open (`storage.repair`). One VMS process serves a data directory, so the recorders
and the playback API share this object.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from vms.core.ids import CameraId, StreamName


@dataclass(frozen=True, slots=True)
class OpenSegment:
    """A segment file being written; `path` is relative to the root of pool `pool`."""

    camera_id: CameraId
    stream: StreamName
    start_ms: int  # wall time of the file's media time 0 (the index row's start when it closes)
    pool: str
    path: str
    synced_bytes: int  # the file's bytes known durable: ftyp+moov and every whole fragment so far


class OpenSegments:
    """Thread-safe: recorder threads write, API worker threads read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[CameraId, StreamName], OpenSegment] = {}

    def begin(self, segment: OpenSegment) -> None:
        """A recorder opened `segment` (it replaces any earlier one of the stream)."""
        with self._lock:
            self._open[(segment.camera_id, segment.stream)] = segment

    def synced(self, camera: CameraId, stream: StreamName, path: str, synced_bytes: int) -> None:
        """More of the file at `path` is durable."""
        key = (camera, stream)
        with self._lock:
            current = self._open.get(key)
            if current is not None and current.path == path:
                self._open[key] = replace(current, synced_bytes=synced_bytes)

    def end(self, camera: CameraId, stream: StreamName, path: str) -> None:
        """The file at `path` is closed (and indexed, or left to repair)."""
        key = (camera, stream)
        with self._lock:
            current = self._open.get(key)
            if current is not None and current.path == path:
                del self._open[key]

    def get(self, camera: CameraId, stream: StreamName) -> OpenSegment | None:
        with self._lock:
            return self._open.get((camera, stream))
