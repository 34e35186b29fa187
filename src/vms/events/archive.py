"""The events archive: each closed day's events written once to a Parquet file, kept by the
archive's own retention (docs/guide/events-archive.md, ADR 0020).

A periodic job (`EventArchive.run`, every 10 minutes) writes each day that has no file yet, cut
in the site's time zone, once it is over:
- a day is due `SETTLE_MS` after its end (reports of its last moments may still be on their way)
  and only when every event that began in it has closed, or `grace_hours` after its end (then
  the open ones are written without an end, and a warning says so);
- a day is never written again: its file is the record of that day as it stood then;
- days the events' own retention has begun to purge are not written (they would be partial),
  nor days the archive's retention would delete at once; days without events get a file with
  no rows, so "archived, none happened" differs from "not archived";
- files older than `retention_days` are deleted, before anything is written (a full disk frees
  space first).
A day that cannot be written (a full disk, permissions) fails the run with `ArchiveError`, which
the scheduler logs and counts (`vms_job_failures_total{job="events archive"}`); the next run
tries it again. The archive's state is its files: nothing about it is kept in the database.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from pathlib import Path

from vms.config.events import ArchiveSettings
from vms.core.clock import Clock
from vms.core.errors import VmsError
from vms.core.scheduler import PeriodicJob
from vms.events.archive_days import Day, SiteDays, dates_between
from vms.events.archive_files import (
    archived_days,
    atomic_file,
    day_file,
    remove_day,
    remove_leftovers,
)
from vms.events.archive_sinks import ParquetSink, write_all
from vms.events.archive_source import oldest_start_ms, open_events, stored_rows
from vms.events.service import EventService
from vms.events.store import EventStore

log = logging.getLogger(__name__)

JOB_NAME = "events archive"
INTERVAL_S = 600.0
SETTLE_MS = 5 * 60_000  # analytics reports an event within seconds of its frame
_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000


class ArchiveError(VmsError):
    """The archive could not write or tidy its folder; the next run tries again."""


@dataclass(frozen=True, slots=True)
class ArchiveReport:
    """What one run did."""

    written: list[dt.date]
    held: list[dt.date]  # over, but events of theirs still open
    removed: list[dt.date]  # older than the retention


class EventArchive:
    """Writes closed days of the event store to `folder`; `run` is blocking (a scheduler job)."""

    def __init__(
        self,
        store: EventStore,
        clock: Clock,
        settings: ArchiveSettings,
        *,
        folder: Path,
        timezone: str,
        events_retention_days: int,
    ) -> None:
        self.folder = folder
        self.days = SiteDays(timezone)
        self._store = store
        self._clock = clock
        self._settings = settings
        self._events_retention_ms = events_retention_days * _DAY_MS

    def job(self) -> PeriodicJob:
        """The job on the shared scheduler; its first run comes at start (catching up)."""
        return PeriodicJob(JOB_NAME, INTERVAL_S, self.run, run_at_start=True)

    def run(self) -> ArchiveReport:
        """Delete expired files, then write every due day; ArchiveError when the folder fails."""
        now_ms = self._clock.now_ms()
        removed = self._expire(now_ms)
        written, held = [], []
        for day in self._due(now_ms):
            still_open = open_events(self._store, day.start_ms, day.end_ms)
            if still_open and now_ms < day.end_ms + self._settings.grace_hours * _HOUR_MS:
                log.info("events archive: %s waits for %d open events", day.date, still_open)
                held.append(day.date)
                continue
            self._write(day, now_ms, still_open)
            written.append(day.date)
        return ArchiveReport(written, held, removed)

    def _expire(self, now_ms: int) -> list[dt.date]:
        oldest_kept = self.days.date_of(now_ms) - dt.timedelta(days=self._settings.retention_days)
        try:
            for leftover in remove_leftovers(self.folder):
                log.info("events archive: removed %s, left by an interrupted write", leftover)
            expired = sorted(
                (date, path)
                for date, path in archived_days(self.folder).items()
                if date < oldest_kept
            )
            for _, path in expired:
                remove_day(path)
        except OSError as error:
            raise ArchiveError(f"events archive: cannot tidy {self.folder}: {error}") from error
        if expired:
            log.info("events archive: deleted %d days up to %s", len(expired), expired[-1][0])
        return [date for date, _ in expired]

    def _due(self, now_ms: int) -> list[Day]:
        """The days to write: over (and settled), without a file, complete in the store, within
        the archive's retention; oldest first."""
        oldest_ms = oldest_start_ms(self._store)
        if oldest_ms is None:
            return []
        today = self.days.date_of(now_ms)
        first = max(
            self.days.date_of(oldest_ms),
            self._first_whole_day(now_ms - self._events_retention_ms),
            today - dt.timedelta(days=self._settings.retention_days),
        )
        archived = archived_days(self.folder)
        due = []
        for date in dates_between(first, today - dt.timedelta(days=1)):
            day = self.days.day(date)
            if date not in archived and day.end_ms + SETTLE_MS <= now_ms:
                due.append(day)
        return due

    def _first_whole_day(self, purge_cutoff_ms: int) -> dt.date:
        """The first day the events' purge has not touched: it deletes events that ended before
        the cutoff, so the day the cutoff falls in may have lost some already."""
        day = self.days.day_of(purge_cutoff_ms)
        return day.date if day.start_ms == purge_cutoff_ms else day.date + dt.timedelta(days=1)

    def _write(self, day: Day, now_ms: int, still_open: int) -> None:
        path = day_file(self.folder, day.date)
        facts = {
            "day": day.date.isoformat(),
            "timezone": self.days.timezone,
            "start_ms": day.start_ms,
            "end_ms": day.end_ms,
            "written_ms": now_ms,
            "open_events": still_open,
        }
        try:
            with atomic_file(path) as out:
                count = write_all(
                    ParquetSink(out, facts), stored_rows(self._store, day.start_ms, day.end_ms)
                )
        except OSError as error:
            raise ArchiveError(
                f"events archive: cannot write {day.date} to {path}: {error}; "
                "it is tried again at the next run"
            ) from error
        if still_open:
            log.warning(
                "events archive: wrote %s with %d events still open (archived without an end)",
                day.date,
                still_open,
            )
        log.info("events archive: wrote %s, %d events, to %s", day.date, count, path)


def archive_of(events: EventService, clock: Clock, data_dir: Path) -> EventArchive:
    """The archive of the events room, in its configured folder (default under `data_dir`)."""
    settings = events.settings
    return EventArchive(
        events.store,
        clock,
        settings.archive,
        folder=settings.archive.folder(data_dir),
        timezone=events.timezone,
        events_retention_days=settings.retention_days,
    )
