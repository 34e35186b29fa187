"""Retention as a periodic job, run at once (as an emergency) when a recorder cannot write.

The storage room owns when media is deleted as well as how: a pass every
`retention.interval_s`, and an emergency pass, freeing more than the floor, as soon as a recorder
reports a storage error (usually a full disk), instead of waiting out the interval while the
recorders drop video.
"""

from __future__ import annotations

import logging
import threading

from vms.core.scheduler import PeriodicJob
from vms.storage.retention import Retention

log = logging.getLogger(__name__)


class RetentionJob:
    """The retention pass on the shared scheduler, with the recorders' emergency wake-up."""

    def __init__(self, retention: Retention, interval_s: float) -> None:
        self._retention = retention
        self._emergency = threading.Event()
        self.job = PeriodicJob("retention", interval_s, self.run, run_at_start=True)

    def on_storage_error(self, _message: str) -> None:
        """A recorder could not write (called on its thread): run an emergency pass now."""
        self._emergency.set()
        self.job.wake()

    def run(self) -> None:
        """One pass (blocking); an emergency one when a storage error came in since the last."""
        emergency = self._emergency.is_set()
        self._emergency.clear()
        report = self._retention.run_once(emergency=emergency)
        if report.deleted_segments:
            log.info(
                "retention freed %d segments (%d bytes)%s",
                report.deleted_segments,
                report.deleted_bytes,
                " after a storage error" if emergency else "",
            )
