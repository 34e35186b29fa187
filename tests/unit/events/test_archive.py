"""The events archive: its schema, the site's days (DST included), days held back by open events,
never written twice, retention, atomic writes and a folder that cannot be written."""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine

from tests.unit.events.conftest import GATE, YARD
from vms.config.events import ArchiveSettings
from vms.core.bus import EventPhase, EventReported, RuleFacts
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.core.scheduler import Scheduler
from vms.events import archive_sinks
from vms.events.archive import SETTLE_MS, ArchiveError, EventArchive
from vms.events.archive_days import SiteDays
from vms.events.archive_export import ExportRequest, export_rows
from vms.events.archive_files import day_file
from vms.events.archive_schema import (
    COLUMNS,
    SCHEMA,
    archive_row,
    iso_ms,
    join_zones,
    split_zones,
)
from vms.events.archive_sinks import ArchiveReadError, ParquetSink, read_facts, read_rows, write_all
from vms.events.models import EventRecord
from vms.events.store import EventStore

BERLIN = "Europe/Berlin"
MINUTE_MS, HOUR_MS, DAY_MS = 60_000, 3_600_000, 86_400_000
JPEG = b"\xff\xd8 a picture \xff\xd9"


def local_ms(day: dt.date, hour: int, minute: int = 0, tz: str = BERLIN) -> int:
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(tz))
    return int(moment.timestamp() * 1000)


def report(
    event_id: str,
    start_ms: int,
    *,
    phase: EventPhase = "closed",
    camera: CameraId = GATE,
    rule: RuleFacts | None = None,
    zones: tuple[str, ...] = (),
    jpeg: bytes | None = None,
) -> EventReported:
    return EventReported(
        event_id=event_id,
        camera_id=camera,
        label="motion" if rule is None else "person",
        phase=phase,
        start_ms=start_ms,
        end_ms=start_ms + 4_000 if phase == "closed" else None,
        score=0.5,
        zones=zones,
        snapshot_jpeg=jpeg,
        thumbnail_jpeg=None if jpeg is None or rule is None else jpeg,
        rule=rule,
    )


class Site:
    """A store, a clock the test moves and an archive of them, in `folder`."""

    def __init__(self, engine: Engine, folder: Path, now_ms: int, **settings: object) -> None:
        self.clock = FakeClock(start_ms=now_ms)
        self.store = EventStore(engine, self.clock)
        self.folder = folder
        self.settings = ArchiveSettings.model_validate(settings)
        self.archive = self.archive_in(folder)

    def archive_in(self, folder: Path, events_retention_days: int = 30) -> EventArchive:
        return EventArchive(
            self.store,
            self.clock,
            self.settings,
            folder=folder,
            timezone=BERLIN,
            events_retention_days=events_retention_days,
        )

    def at(self, now_ms: int) -> None:
        self.clock.advance((now_ms - self.clock.now_ms()) / 1000)

    def ids(self, day: dt.date) -> list[str]:
        return [row["id"] for row in read_rows(day_file(self.folder, day))]


def test_a_row_holds_the_event_its_rule_its_path_summary_and_its_pictures(
    engine: Engine, tmp_path: Path
) -> None:
    site = Site(engine, tmp_path, local_ms(dt.date(2024, 5, 2), 12))
    start = local_ms(dt.date(2024, 5, 1), 9)
    path = ((start, 0.2, 0.9), (start + 200, 0.5, 0.7), (start + 400, 0.4, 0.8))
    crossing = RuleFacts("door line", "line", 7, "a_to_b", 3, 1, None, path)
    line = site.store.record(report("x1", start, rule=crossing, zones=("b", "a"), jpeg=JPEG))
    motion = site.store.record(report("m1", start + 1, zones=()))

    row = archive_row(line)
    assert list(row) == [column.name for column in COLUMNS]
    assert row | {"start": 0, "end": 0, "path_first_at": 0, "path_last_at": 0} == {
        "id": "x1",
        "camera_id": "gate",
        "label": "person",
        "rule": "door line",
        "rule_kind": "line",
        "track_id": 7,
        "zones": ["a", "b"],
        "start": 0,
        "end": 0,
        "duration_ms": 4_000,
        "score": 0.5,
        "direction": "a_to_b",
        "count_in": 3,
        "count_out": 1,
        "peak_count": None,
        "path_points": 3,
        "path_first_at": 0,
        "path_first_x": 0.2,
        "path_first_y": 0.9,
        "path_last_at": 0,
        "path_last_x": 0.4,
        "path_last_y": 0.8,
        "path_min_x": 0.2,
        "path_min_y": 0.7,
        "path_max_x": 0.5,
        "path_max_y": 0.9,
        "snapshot_url": "/api/v1/events/x1/snapshot.jpg",
        "thumbnail_url": "/api/v1/events/x1/thumbnail.jpg",
    }
    assert (row["start"], row["end"]) == (start, start + 4_000)
    assert (row["path_first_at"], row["path_last_at"]) == (start, start + 400)
    still = archive_row(motion)
    assert still["rule"] is None and still["path_points"] == 0 and still["path_min_x"] is None
    assert still["snapshot_url"] is None and still["thumbnail_url"] is None


def test_the_parquet_file_states_its_schema_types_and_day(engine: Engine, tmp_path: Path) -> None:
    day = dt.date(2024, 5, 1)
    site = Site(engine, tmp_path, local_ms(day + dt.timedelta(days=1), 1))
    site.store.record(report("a", local_ms(day, 10), zones=("door",)))
    assert site.archive.run().written == [day]

    path = tmp_path / "2024" / "events-2024-05-01.parquet"
    schema = pq.read_schema(path)
    assert schema.names == [column.name for column in COLUMNS]
    assert schema.field("start").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("end").type == pa.timestamp("ms", tz="UTC")
    assert schema.field("zones").type == pa.list_(pa.string())
    assert schema.field("track_id").type == pa.int64()
    assert not schema.field("id").nullable and schema.field("rule").nullable
    assert schema.field("score").metadata[b"description"]
    facts = read_facts(path)
    assert facts == {
        "schema": SCHEMA,
        "day": "2024-05-01",
        "timezone": BERLIN,
        "start_ms": local_ms(day, 0),
        "end_ms": local_ms(day + dt.timedelta(days=1), 0),
        "written_ms": site.clock.now_ms(),
        "open_events": 0,
    }
    table = pq.read_table(path)
    assert table.column("start").to_pylist() == [
        dt.datetime.fromtimestamp(local_ms(day, 10) / 1000, dt.UTC)
    ]


@pytest.mark.parametrize(
    ("day", "hours"), [(dt.date(2024, 3, 31), 23), (dt.date(2024, 10, 27), 25)]
)
def test_days_are_cut_at_the_sites_midnight_across_daylight_saving(
    engine: Engine, tmp_path: Path, day: dt.date, hours: int
) -> None:
    before, after = day - dt.timedelta(days=1), day + dt.timedelta(days=1)
    site = Site(engine, tmp_path, local_ms(after, 12))
    times = {
        "late-before": local_ms(before, 23, 59),
        "first": local_ms(day, 0, 0),
        "early": local_ms(day, 1, 30),
        "midday": local_ms(day, 12),
        "last": local_ms(after, 0) - 1,
        "next-day": local_ms(after, 0),
    }
    for event_id, start in times.items():
        site.store.record(report(event_id, start))

    report_ = site.archive.run()

    assert report_.written == [before, day]  # `after` is today
    assert site.ids(before) == ["late-before"]
    assert site.ids(day) == ["first", "early", "midday", "last"]
    facts = read_facts(day_file(tmp_path, day))
    assert facts["end_ms"] - facts["start_ms"] == hours * HOUR_MS
    assert SiteDays(BERLIN).day(day).start_ms == times["first"]


def test_a_day_waits_for_its_open_events_then_for_the_grace_period(
    engine: Engine, tmp_path: Path
) -> None:
    day = dt.date(2024, 6, 3)
    midnight = local_ms(day + dt.timedelta(days=1), 0)
    site = Site(engine, tmp_path, midnight + SETTLE_MS, grace_hours=2)
    site.store.record(report("closed", local_ms(day, 8)))
    site.store.record(report("open", midnight - MINUTE_MS, phase="opened"))

    held = site.archive.run()
    assert (held.written, held.held) == ([], [day])
    assert not day_file(tmp_path, day).exists()

    site.store.record(report("open", midnight - MINUTE_MS))  # its close, reported after midnight
    done = site.archive.run()
    assert (done.written, done.held) == ([day], [])
    rows = read_rows(day_file(tmp_path, day))
    assert [(row["id"], row["end"]) for row in rows] == [
        ("closed", local_ms(day, 8) + 4_000),
        ("open", midnight - MINUTE_MS + 4_000),
    ]


def test_an_event_open_past_the_grace_period_is_archived_without_an_end(
    engine: Engine, tmp_path: Path
) -> None:
    day = dt.date(2024, 6, 3)
    midnight = local_ms(day + dt.timedelta(days=1), 0)
    site = Site(engine, tmp_path, midnight + SETTLE_MS, grace_hours=2)
    site.store.record(report("stuck", local_ms(day, 22), phase="opened"))
    assert site.archive.run().held == [day]

    site.at(midnight + 2 * HOUR_MS - 1)
    assert site.archive.run().held == [day]
    site.at(midnight + 2 * HOUR_MS)
    assert site.archive.run().written == [day]

    [row] = read_rows(day_file(tmp_path, day))
    assert (row["id"], row["end"], row["duration_ms"]) == ("stuck", None, None)
    assert read_facts(day_file(tmp_path, day))["open_events"] == 1


def test_a_day_is_written_only_once_it_has_settled(engine: Engine, tmp_path: Path) -> None:
    day = dt.date(2024, 6, 3)
    midnight = local_ms(day + dt.timedelta(days=1), 0)
    site = Site(engine, tmp_path, midnight + SETTLE_MS - 1)
    site.store.record(report("a", local_ms(day, 9)))
    assert site.archive.run().written == []
    site.store.record(report("late", midnight - 1))  # reported just after midnight
    site.at(midnight + SETTLE_MS)
    assert site.archive.run().written == [day]
    assert site.ids(day) == ["a", "late"]


def test_an_archived_day_is_never_written_again(engine: Engine, tmp_path: Path) -> None:
    day = dt.date(2024, 6, 3)
    site = Site(engine, tmp_path, local_ms(day + dt.timedelta(days=1), 6))
    site.store.record(report("a", local_ms(day, 9)))
    assert site.archive.run().written == [day]
    path = day_file(tmp_path, day)
    before = path.read_bytes()

    site.store.record(report("too-late", local_ms(day, 10)))
    site.at(site.clock.now_ms() + HOUR_MS)
    assert site.archive.run().written == []
    assert path.read_bytes() == before
    assert site.ids(day) == ["a"]


def test_days_without_events_get_an_empty_file(engine: Engine, tmp_path: Path) -> None:
    first = dt.date(2024, 6, 1)
    site = Site(engine, tmp_path, local_ms(first + dt.timedelta(days=4), 6))
    site.store.record(report("a", local_ms(first, 9)))
    site.store.record(report("b", local_ms(first + dt.timedelta(days=2), 9)))

    written = site.archive.run().written

    assert written == [first + dt.timedelta(days=n) for n in range(4)]
    assert [len(read_rows(day_file(tmp_path, d))) for d in written] == [1, 0, 1, 0]
    assert pq.read_table(day_file(tmp_path, written[1])).schema.names == [c.name for c in COLUMNS]


def test_files_past_the_retention_are_deleted_and_such_days_never_written(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "archive"
    dec30, dec31, jan1 = dt.date(2023, 12, 30), dt.date(2023, 12, 31), dt.date(2024, 1, 1)
    site = Site(engine, folder, local_ms(dt.date(2024, 1, 2), 6), retention_days=3)
    for n, day in enumerate((dec30, dec31, jan1)):
        site.store.record(report(f"e{n}", local_ms(day, 9)))
    assert site.archive.run().written == [dec30, dec31, jan1]
    notes = folder / "2023" / "notes.txt"
    notes.write_text("not the archive's")

    site.at(local_ms(dt.date(2024, 1, 3), 6))
    done = site.archive.run()
    assert (done.removed, done.written) == ([dec30], [dt.date(2024, 1, 2)])
    assert not day_file(folder, dec30).exists()
    assert day_file(folder, dec31).exists() and notes.exists()

    notes.unlink()
    site.at(local_ms(dt.date(2024, 1, 5), 6))
    assert site.archive.run().removed == [dec31, jan1]
    assert not (folder / "2023").exists()  # the year's folder goes with its last file

    fresh = site.archive_in(tmp_path / "fresh")  # days older than 3 are not written at all
    assert fresh.run().written == [dt.date(2024, 1, 2), dt.date(2024, 1, 3), dt.date(2024, 1, 4)]


def test_a_day_the_events_purge_has_begun_is_not_written(engine: Engine, tmp_path: Path) -> None:
    day = dt.date(2024, 6, 1)
    site = Site(engine, tmp_path, local_ms(day + dt.timedelta(days=3), 12))
    for n in range(3):
        site.store.record(report(f"e{n}", local_ms(day + dt.timedelta(days=n), 9)))
    archive = site.archive_in(tmp_path, events_retention_days=3)  # the purge is inside June 1st

    assert archive.run().written == [dt.date(2024, 6, 2), dt.date(2024, 6, 3)]


def test_a_folder_that_cannot_be_made_fails_the_run_clearly_and_the_next_run_writes(
    engine: Engine, tmp_path: Path
) -> None:
    day = dt.date(2024, 6, 3)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the archive's folder should be")
    site = Site(engine, blocker / "archive", local_ms(day + dt.timedelta(days=1), 6))
    site.store.record(report("a", local_ms(day, 9)))

    expected = r"cannot write 2024-06-03 to .*/blocker/archive/2024/events-2024-06-03\.parquet: "
    with pytest.raises(ArchiveError, match=expected + r".*Not a directory.*tried again"):
        site.archive.run()

    blocker.unlink()
    blocker.mkdir()
    assert site.archive.run().written == [day]


def test_a_write_that_fails_midway_leaves_no_file_and_is_retried(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = dt.date(2024, 6, 3)
    folder = tmp_path / "archive"
    site = Site(engine, folder, local_ms(day + dt.timedelta(days=1), 6))
    site.store.record(report("a", local_ms(day, 9)))

    def disk_full(self: archive_sinks.ParquetSink) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(archive_sinks.ParquetSink, "close", disk_full)
        with pytest.raises(ArchiveError, match=r"No space left on device.*next run"):
            site.archive.run()
    assert list(folder.rglob("*")) == [folder / "2024"]  # no file, no temporary file

    assert site.archive.run().written == [day]
    assert site.ids(day) == ["a"]


def test_a_temporary_file_left_by_a_crash_is_removed(engine: Engine, tmp_path: Path) -> None:
    day = dt.date(2024, 6, 3)
    site = Site(engine, tmp_path, local_ms(day + dt.timedelta(days=1), 6))
    leftover = tmp_path / "2024" / ".events-2024-06-03.parquet.k3j2.tmp"
    leftover.parent.mkdir()
    leftover.write_bytes(b"PAR1 half a file")

    site.archive.run()

    assert not leftover.exists()


async def test_a_failing_run_is_counted_by_the_scheduler_and_vms_goes_on(
    engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "blocker").write_text("")
    site = Site(engine, tmp_path / "blocker" / "archive", local_ms(dt.date(2024, 6, 4), 6))
    site.store.record(report("a", local_ms(dt.date(2024, 6, 3), 9)))
    job = site.archive.job()

    assert await Scheduler().run_once(job) is False
    assert (job.failures, job.runs) == (1, 1)


def test_an_export_reads_archived_days_from_their_files_and_the_rest_from_the_store(
    engine: Engine, tmp_path: Path
) -> None:
    day = dt.date(2024, 6, 3)
    after = day + dt.timedelta(days=1)
    site = Site(engine, tmp_path, local_ms(after, 6))
    site.store.record(report("g1", local_ms(day, 9)))
    site.store.record(report("y1", local_ms(day, 10), camera=YARD))
    site.store.record(report("g2", local_ms(after, 5)))
    site.archive.run()
    site.store.purge(local_ms(after, 0))  # the day is now only in its file

    def exported(start: int, end: int, *cameras: CameraId) -> list[str]:
        request = ExportRequest(start, end, cameras)
        return [row["id"] for rows in export_rows(site.store, tmp_path, request) for row in rows]

    everything = exported(local_ms(day, 0), local_ms(after, 12))
    assert everything == ["g1", "y1", "g2"]
    assert exported(local_ms(day, 9, 30), local_ms(after, 12)) == ["y1", "g2"]
    assert exported(local_ms(day, 0), local_ms(after, 12), GATE) == ["g1", "g2"]
    assert exported(local_ms(after, 0), local_ms(after, 12)) == ["g2"]


def test_an_archive_file_of_another_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "2024" / "events-2024-06-03.parquet"
    path.parent.mkdir()
    metadata = {b"vms.archive": json.dumps({"schema": "vms.events.archive/99"}).encode()}
    pq.write_table(pa.table({"id": ["a"]}).replace_schema_metadata(metadata), path)
    with pytest.raises(ArchiveReadError, match="archive/99"):
        read_rows(path)
    path.write_bytes(b"not parquet at all")
    with pytest.raises(ArchiveReadError, match="cannot read the archive file"):
        read_facts(path)


@pytest.mark.parametrize(
    "zones", [[], ["door"], ["door", "drive way"], ["a|b", "c\\d", "|", "\\"], ["x\\|y"]]
)
def test_zones_joined_for_csv_split_back_the_same(zones: list[str]) -> None:
    assert split_zones(join_zones(zones)) == zones


def test_times_are_written_as_iso_utc_with_milliseconds() -> None:
    assert iso_ms(0) == "1970-01-01T00:00:00.000Z"
    assert iso_ms(1_711_846_800_123) == "2024-03-31T01:00:00.123Z"


def test_the_archive_settings_are_checked(tmp_path: Path) -> None:
    a_file = tmp_path / "events.txt"
    a_file.write_text("")
    with pytest.raises(ValueError, match="is a file"):
        ArchiveSettings.model_validate({"path": str(a_file)})
    with pytest.raises(ValueError, match="is empty"):
        ArchiveSettings.model_validate({"path": " "})
    with pytest.raises(ValueError, match="retention_days"):
        ArchiveSettings.model_validate({"retention_days": 0})
    assert ArchiveSettings().folder(tmp_path) == tmp_path / "events-archive"
    assert ArchiveSettings(path=tmp_path / "x").folder(Path("data")) == tmp_path / "x"


def test_the_guide_lists_every_column_in_order() -> None:
    guide = Path(__file__).resolve().parents[3] / "docs" / "guide" / "events-archive.md"
    listed = re.findall(r"^\| `(\w+)` \| ([^|]+) \| (no|yes) \|", guide.read_text(), re.MULTILINE)
    types = {"string": "string", "int": "int64", "float": "double", "strings": "list\\<string\\>"}
    types["timestamp"] = "timestamp[ms, UTC]"
    assert listed == [(c.name, types[c.kind], "yes" if c.nullable else "no") for c in COLUMNS]


def test_parquet_rows_go_in_whole_row_groups_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive_sinks, "ROW_GROUP_ROWS", 4)
    records = [EventRecord(f"e{n}", GATE, "motion", (), 0.5, n, n + 1, False) for n in range(11)]
    rows = [archive_row(record) for record in records]
    out = io.BytesIO()

    written = write_all(ParquetSink(out, {}), [rows[:3], rows[3:5], [], rows[5:]])

    out.seek(0)
    parquet = pq.ParquetFile(out)
    groups = [parquet.metadata.row_group(n).num_rows for n in range(parquet.num_row_groups)]
    assert (written, groups) == (11, [4, 4, 3])
    assert parquet.read().column("id").to_pylist() == [f"e{n}" for n in range(11)]
