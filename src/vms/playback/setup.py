"""The playback room assembled from settings: queries, exports and the site's signing key.

The composition root asks the room for its facade instead of knowing where exports are kept or
how the range limits are worked out.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from vms import __version__
from vms.config.playback import PlaybackSettings
from vms.core.clock import Clock
from vms.playback.facade import PlaybackFacade
from vms.playback.facts import RunHeartbeat
from vms.playback.jobs import ExportJobs
from vms.playback.service import PlaybackLimits, PlaybackService
from vms.playback.signing import SiteKey
from vms.storage.setup import Storage


def build_playback(
    settings: PlaybackSettings,
    data_dir: Path,
    engine: Engine,
    clock: Clock,
    *,
    storage: Storage,
    run: RunHeartbeat,
) -> PlaybackFacade:
    """Playback over the storage room's stores; exports go under `data_dir` unless set."""
    limits = PlaybackLimits(settings.max_range_s * 1000, settings.max_timeline_range_s * 1000)
    service = PlaybackService(
        engine,
        storage.index,
        storage.pools,
        clock,
        marks=storage.marks,
        limits=limits,
        open_segments=storage.open_segments,
        run=run,
    )
    key = SiteKey.load_or_create(data_dir)
    jobs = ExportJobs(
        engine,
        clock,
        locks=storage.locks,
        key=key,
        exports_dir=settings.exports_dir or data_dir / "exports",
        find_sources=service.export_sources,
        version=__version__,
    )
    return PlaybackFacade(service, jobs, key)
