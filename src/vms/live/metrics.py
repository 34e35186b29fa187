"""Live-view counters per camera stream and protocol, read by /metrics at scrape time.

The protocols call these once per session event and once per batch of bytes sent, never per RTP
packet; one lock guards a small dict, so the cost is negligible next to the sending itself.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import StrEnum

from vms.core.ids import CameraId, StreamName
from vms.telemetry.providers import LiveSample


class LiveProtocol(StrEnum):
    WEBRTC = "webrtc"
    LLHLS = "llhls"
    MSE = "mse"
    RTSP = "rtsp"
    SRT = "srt"


@dataclass(slots=True)
class _Totals:
    viewers: int = 0
    sessions: int = 0
    errors: int = 0
    bytes_out: int = 0
    first_frame_s: float = 0.0
    first_frames: int = 0


_Key = tuple[CameraId, StreamName, LiveProtocol]


class LiveMetrics:
    """Thread-safe totals; implements `vms.telemetry.providers.LiveStatsProvider`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: dict[_Key, _Totals] = {}

    def _get(self, key: _Key) -> _Totals:
        totals = self._totals.get(key)
        if totals is None:
            totals = self._totals[key] = _Totals()
        return totals

    def session_opened(self, camera: CameraId, stream: StreamName, protocol: LiveProtocol) -> None:
        with self._lock:
            totals = self._get((camera, stream, protocol))
            totals.viewers += 1
            totals.sessions += 1

    def session_closed(self, camera: CameraId, stream: StreamName, protocol: LiveProtocol) -> None:
        with self._lock:
            totals = self._get((camera, stream, protocol))
            totals.viewers = max(0, totals.viewers - 1)

    def session_failed(self, camera: CameraId, stream: StreamName, protocol: LiveProtocol) -> None:
        """A session that could not start or broke (count it; close it separately if opened)."""
        with self._lock:
            self._get((camera, stream, protocol)).errors += 1

    def bytes_sent(
        self, camera: CameraId, stream: StreamName, protocol: LiveProtocol, size_bytes: int
    ) -> None:
        with self._lock:
            self._get((camera, stream, protocol)).bytes_out += size_bytes

    def first_frame(
        self, camera: CameraId, stream: StreamName, protocol: LiveProtocol, seconds: float
    ) -> None:
        """Time from a session's start until its first media went out."""
        with self._lock:
            totals = self._get((camera, stream, protocol))
            totals.first_frame_s += seconds
            totals.first_frames += 1

    def live_samples(self) -> list[LiveSample]:
        with self._lock:
            items = sorted(self._totals.items())
            return [
                LiveSample(
                    camera_id=camera,
                    stream=stream,
                    protocol=protocol.value,
                    viewers=t.viewers,
                    sessions_total=t.sessions,
                    session_errors_total=t.errors,
                    bytes_out_total=t.bytes_out,
                    first_frame_seconds_sum=t.first_frame_s,
                    first_frame_count=t.first_frames,
                )
                for (camera, stream, protocol), t in items
            ]
