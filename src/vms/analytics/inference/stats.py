"""What the inference pool counts, read by /metrics at scrape time (never per frame):
updated under the pool's lock as answers come, turned into a telemetry sample when read."""

from __future__ import annotations

import bisect
from collections import Counter

from vms.core.ids import CameraId
from vms.telemetry.providers import InferenceCameraSample, InferenceSample, InferenceWorkerSample

# seconds from a frame handed to the pool to its detections back; a CPU model takes 10-100 ms
LATENCY_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

DropReason = str  # "busy", "worker_down", "worker_lost", "failed", "too_large"


class Tally:
    """Counters of the pool; the pool holds its lock while it changes or reads them."""

    def __init__(self) -> None:
        self.analysed: Counter[CameraId] = Counter()
        self.detections: Counter[CameraId] = Counter()
        self.dropped: dict[CameraId, Counter[DropReason]] = {}
        self._bucket_counts = [0] * (len(LATENCY_BUCKETS_S) + 1)
        self._latency_sum = 0.0

    def drop(self, camera_id: CameraId, reason: DropReason, count: int = 1) -> None:
        self.dropped.setdefault(camera_id, Counter())[reason] += count

    def analysed_frame(self, camera_id: CameraId, detections: int, latency_s: float) -> None:
        self.analysed[camera_id] += 1
        self.detections[camera_id] += detections
        self._bucket_counts[bisect.bisect_left(LATENCY_BUCKETS_S, latency_s)] += 1
        self._latency_sum += latency_s

    def sample(self, workers: list[InferenceWorkerSample]) -> InferenceSample:
        seen = sorted({*self.analysed, *self.dropped})
        cameras = [
            InferenceCameraSample(
                camera_id=c,
                frames_analysed_total=self.analysed[c],
                detections_total=self.detections[c],
                dropped_total=dict(self.dropped.get(c, {})),
            )
            for c in seen
        ]
        running, buckets = 0, []
        bounds = (*LATENCY_BUCKETS_S, float("inf"))
        for bound, count in zip(bounds, self._bucket_counts, strict=True):
            running += count
            buckets.append((bound, running))
        return InferenceSample(cameras, workers, buckets, running, self._latency_sum)
