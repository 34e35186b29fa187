"""The storage room assembled from settings: pools, index, locks and the retention job.

The composition root asks the room for its parts instead of knowing how a free-space floor is
worked out or which stores retention needs.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from vms.config.retention import RetentionSettings
from vms.config.storage import StorageSettings
from vms.core.bus import Bus
from vms.core.clock import Clock
from vms.core.ids import CameraId
from vms.storage.index import SegmentIndex
from vms.storage.locks import EvidenceLocks
from vms.storage.open_segments import OpenSegments
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.retention import Retention, RetentionPolicy
from vms.storage.retention_job import RetentionJob
from vms.storage.retention_marks import RetentionMarks

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Storage:
    """The storage room's stores, shared by recording, playback and retention."""

    index: SegmentIndex
    locks: EvidenceLocks
    pools: StoragePools
    marks: RetentionMarks
    open_segments: OpenSegments  # recorders publish their open files here, playback reads

    @classmethod
    def build(cls, settings: StorageSettings, engine: Engine, clock: Clock) -> Storage:
        index = SegmentIndex(engine)
        return cls(
            index,
            EvidenceLocks(engine, clock),
            _pools(settings, index),
            RetentionMarks(engine),
            OpenSegments(),
        )

    def retention_job(
        self,
        settings: RetentionSettings,
        floor: StorageSettings,
        *,
        clock: Clock,
        bus: Bus,
        policies: Callable[[], dict[CameraId, RetentionPolicy]],
    ) -> RetentionJob:
        """Retention over these stores, run every `settings.interval_s` by the scheduler."""
        retention = Retention(
            self.index,
            self.locks,
            self.pools,
            clock=clock,
            bus=bus,
            policies=policies,
            free_space_floor_bytes=free_space_floor_bytes(floor, self.pools),
            default_policy=default_policy(settings),
            marks=self.marks,
        )
        return RetentionJob(retention, settings.interval_s)


def default_policy(settings: RetentionSettings) -> RetentionPolicy:
    """The limits of cameras that set none (and of removed cameras' recordings)."""
    return RetentionPolicy(max_age_days=settings.default_days, max_bytes=settings.default_max_bytes)


def _pools(settings: StorageSettings, index: SegmentIndex) -> StoragePools:
    pools = []
    for pool in settings.pools:
        try:
            pool.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:  # reported by /readyz and the recorders; VMS still starts
            log.error("storage pool %s at %s cannot be created: %s", pool.name, pool.path, exc)
        pools.append(
            StoragePool(
                pool.name, pool.path, media_bytes=functools.partial(index.pool_bytes, pool.name)
            )
        )
    return StoragePools(pools)


def free_space_floor_bytes(settings: StorageSettings, pools: StoragePools) -> int:
    """The free space retention keeps on every pool: bytes, or a share of the smallest pool."""
    if settings.free_space_floor_bytes is not None:
        return settings.free_space_floor_bytes
    percent = settings.free_space_floor_percent or 0.0
    totals = []
    for pool in pools:
        with contextlib.suppress(OSError):  # a missing pool has no size to take a share of
            totals.append(pool.disk_usage().total_bytes)
    return int(min(totals) * percent / 100) if totals else 0
