"""What a recorder is given: its settings (one value per server, from config) and its services.

Two frozen values instead of a dozen constructor arguments, so that the composition root builds
them once for every camera, and a test states only the settings it shortens.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vms.config.recording import RecordingSettings
from vms.core.bus import Bus
from vms.core.clock import Clock
from vms.core.service import Backoff
from vms.storage.index import SegmentIndex
from vms.storage.locks import EvidenceLocks
from vms.storage.open_segments import OpenSegments
from vms.storage.pools import StoragePools

# Storage that failed is tried again after 1 s, then twice as long each time, at most 30 s apart.
STORAGE_RETRY = Backoff(initial_s=1.0, cap_s=30.0)


@dataclass(frozen=True, slots=True)
class RecorderSettings:
    """How a recorder cuts segments, batches its reads and retries failed storage.

    `max_gap_s`: a DTS step larger than this (or backwards) ends the segment: the file must not
    claim footage it does not hold. `poll_s`: the longest wait for the feed, so `stop` is noticed.
    `batch_s`: the pause between batches (one wake-up per batch, not per packet: ADR 0006).
    `min_free_bytes`: a new segment opens only in a pool with this much free space, so a full
    disk is not retried into every few freed bytes before retention has run.
    `pre_roll_max_bytes`: the most a camera in events mode holds in memory for its pre-roll.
    """

    segment_duration_s: float = 60.0
    fragment_ms: int = 1000
    max_gap_s: float = 5.0
    retry_backoff: Backoff = STORAGE_RETRY
    poll_s: float = 0.25
    batch_s: float = 0.25
    min_free_bytes: int = 64 * 1024 * 1024
    pre_roll_max_bytes: int = 32 * 1024 * 1024

    @classmethod
    def from_config(cls, config: RecordingSettings) -> RecorderSettings:
        """The settings a user configures (`recording` section); the rest keep their defaults."""
        return cls(
            segment_duration_s=float(config.segment_duration_s),
            fragment_ms=config.fragment_ms,
            pre_roll_max_bytes=config.pre_roll_max_bytes,
        )


@dataclass(frozen=True, slots=True)
class RecorderServices:
    """What every recorder of a server shares: where it writes, files and reports.

    `open_segments`: where the file being written and its fsynced extent are published, so
    playback shows the recording before the segment is closed and indexed. `on_storage_error`:
    told each time storage fails (with the recorder's message), e.g. to wake retention early.
    `locks`: where the recordings around events are locked against retention (`modes.py`).
    """

    pools: StoragePools
    index: SegmentIndex
    clock: Clock
    bus: Bus
    open_segments: OpenSegments | None = None
    on_storage_error: Callable[[str], None] | None = None
    locks: EvidenceLocks | None = None
