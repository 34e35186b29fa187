"""Archive round trip: a day of generated events stored by the real events room, archived by its
job, read back with pyarrow and DuckDB, and exported by `vms events export` as Parquet, CSV and
JSONL: every copy holds the rows the API (`GET /api/v1/events`) answers for the same range.

The expected rows are made here from the API's JSON, independently of the archive's own code."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from tests.support.auth import basic_header
from tests.support.schema import migrated_sqlite
from tests.unit.api.fake_backend import FakeBackend, make_app
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.cli import main
from vms.config.events import EventsSettings
from vms.core.bus import EventReported, RuleFacts
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.events.archive import SETTLE_MS, archive_of
from vms.events.archive_files import day_file
from vms.events.service import EventService, build_events

SITE = "Europe/Berlin"
DAY = dt.date(2024, 10, 27)  # clocks go back: a 25-hour day
CAMERAS = (CameraId("gate"), CameraId("yard"), CameraId("dock"))
ZONES = ("door", "drive way", "a|b", "dock\\2")  # a "|" and a "\" for the CSV's zone cells
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
TIMESTAMPS = ("start", "end", "path_first_at", "path_last_at")
INTS = ("track_id", "duration_ms", "count_in", "count_out", "peak_count", "path_points")
FLOATS = (
    "score",
    *(f"path_{end}_{axis}" for end in ("first", "last", "min", "max") for axis in "xy"),
)
JPEG = b"\xff\xd8 picture \xff\xd9"
COLUMNS = [
    "id", "camera_id", "label", "rule", "rule_kind", "track_id", "zones", "start", "end",
    "duration_ms", "score", "direction", "count_in", "count_out", "peak_count", "path_points",
    "path_first_at", "path_first_x", "path_first_y", "path_last_at", "path_last_x",
    "path_last_y", "path_min_x", "path_min_y", "path_max_x", "path_max_y", "snapshot_url",
    "thumbnail_url",
]  # fmt: skip


def local_ms(day: dt.date, hour: int = 0, minute: int = 0) -> int:
    moment = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(SITE))
    return int(moment.timestamp() * 1000)


DAY_START, DAY_END = local_ms(DAY), local_ms(DAY + dt.timedelta(days=1))


def reports_of_one_event(rng: random.Random, n: int, start_ms: int) -> list[EventReported]:
    """The reports analytics would send for one event: opened, an update or two, closed."""
    camera = rng.choice(CAMERAS)
    zones = tuple(rng.sample(ZONES, rng.randint(0, 2)))
    kind = rng.choice(["motion", "motion", "line", "count", "zone", "loiter"])
    end_ms = start_ms + rng.randint(0, 120_000)
    rule = None
    if kind != "motion":
        path = tuple(
            (start_ms + i * 200, round(rng.random(), 4), round(rng.random(), 4))
            for i in range(rng.randint(1, 140))  # the store keeps the newest 128
        )
        rule = RuleFacts(
            rule=f"{kind} rule",
            kind=kind,
            track_id=None if kind == "count" else n,
            direction=rng.choice(["a_to_b", "b_to_a"]) if kind == "line" else None,
            count_in=n if kind == "line" else None,
            count_out=n // 2 if kind == "line" else None,
            peak_count=rng.randint(2, 9) if kind == "count" else None,
            path=() if kind == "count" else path,
        )
    common: dict[str, Any] = {
        "event_id": f"ev{n:04d}",
        "camera_id": camera,
        "label": "motion" if rule is None else rng.choice(["person", "car"]),
        "start_ms": start_ms,
        "zones": zones,
        "rule": rule,
    }
    pictured = rng.random() < 0.7
    cropped = pictured and kind in ("line", "zone", "loiter")
    return [
        EventReported(phase="opened", end_ms=None, score=0.3, **common),
        EventReported(
            phase="updated",
            end_ms=None,
            score=0.6,
            snapshot_jpeg=JPEG if pictured else None,
            thumbnail_jpeg=JPEG if cropped else None,
            **common,
        ),
        EventReported(phase="closed", end_ms=end_ms, score=round(rng.random(), 6), **common),
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[EventService, Path]:
    """A data folder whose store holds a day of events (and a few either side), archived."""
    data_dir = tmp_path_factory.mktemp("site")
    engine = migrated_sqlite(f"sqlite:///{data_dir / 'vms.db'}")
    clock = FakeClock(start_ms=DAY_END + SETTLE_MS)
    for camera in CAMERAS:
        CamerasRepo(engine, clock).add(CameraRow(id=camera, name=camera, main_url="rtsp://c/1"))
    service = build_events(engine, clock, EventsSettings(), timezone=SITE)
    rng = random.Random(27)
    starts = sorted(rng.randrange(DAY_START, DAY_END) for _ in range(400))
    starts += [DAY_START - 1, DAY_START, DAY_END - 1, DAY_END, DAY_END + 60_000]  # the edges
    for n, start in enumerate(starts):
        for item in reports_of_one_event(rng, n, start):
            service.on_report(item)
    report = archive_of(service, clock, data_dir).run()
    assert DAY in report.written
    return service, data_dir


def api_rows(service: EventService, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
    """The API's events of the range, oldest first, page by page, as archive rows."""
    client = TestClient(make_app(FakeBackend(), events=service), headers=basic_header())
    params: dict[str, Any] = {"start": start_ms, "end": end_ms, "order": "oldest", "limit": 100}
    events: list[dict[str, Any]] = []
    while True:
        response = client.get("/api/v1/events", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        events += page["events"]
        if page["next_cursor"] is None:
            return [expected_row(event) for event in events]
        params["cursor"] = page["next_cursor"]


def expected_row(event: dict[str, Any]) -> dict[str, Any]:
    path, counts, end = event["path"], event["counts"], event["end_ms"]
    xs, ys = [point[1] for point in path], [point[2] for point in path]
    first, last = (path[0], path[-1]) if path else ([None] * 3, [None] * 3)
    thumbnail = f"/api/v1/events/{event['id']}/thumbnail.jpg" if event["has_thumbnail"] else None
    return {
        "id": event["id"],
        "camera_id": event["camera_id"],
        "label": event["label"],
        "rule": event["rule"],
        "rule_kind": event["rule_kind"],
        "track_id": event["track_id"],
        "zones": sorted(event["zones"]),
        "start": event["start_ms"],
        "end": end,
        "duration_ms": None if end is None else end - event["start_ms"],
        "score": event["score"],
        "direction": event["direction"],
        "count_in": None if counts is None else counts["in"],
        "count_out": None if counts is None else counts["out"],
        "peak_count": event["peak_count"],
        "path_points": len(path),
        "path_first_at": first[0],
        "path_first_x": first[1],
        "path_first_y": first[2],
        "path_last_at": last[0],
        "path_last_x": last[1],
        "path_last_y": last[2],
        "path_min_x": min(xs) if xs else None,
        "path_min_y": min(ys) if ys else None,
        "path_max_x": max(xs) if xs else None,
        "path_max_y": max(ys) if ys else None,
        "snapshot_url": event["snapshot_url"],
        "thumbnail_url": thumbnail,
    }


def ms(moment: dt.datetime | None) -> int | None:
    return None if moment is None else (moment - EPOCH) // dt.timedelta(milliseconds=1)


def from_pyarrow(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = pq.read_table(path).to_pylist()
    return [row | {name: ms(row[name]) for name in TIMESTAMPS} for row in rows]


def from_duckdb(path: Path) -> list[dict[str, Any]]:
    times = ", ".join(f'epoch_ms("{name}") AS "{name}"' for name in TIMESTAMPS)
    with duckdb.connect() as db:
        found = db.execute(
            f"SELECT * REPLACE ({times}) FROM read_parquet(?) ORDER BY start, id", [str(path)]
        )
        names = [column[0] for column in found.description]
        return [dict(zip(names, values, strict=True)) for values in found.fetchall()]


def from_text(value: str | None, name: str) -> Any:
    if value is None or (value == "" and name != "zones"):
        return None
    if name in TIMESTAMPS:
        return ms(dt.datetime.fromisoformat(value))
    if name in INTS:
        return int(value)
    if name in FLOATS:
        return float(value)
    if name == "zones":
        return split_csv_zones(value)
    return value


def split_csv_zones(cell: str) -> list[str]:
    """The guide's rule for a CSV zones cell: split at `|` not preceded by `\\`, then unescape."""
    zones, current, chars = [], "", iter(cell)
    for char in chars:
        if char == "\\":
            current += next(chars)
        elif char == "|":
            zones.append(current)
            current = ""
        else:
            current += char
    return [*zones, current] if cell else []


def from_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    assert reader.fieldnames == COLUMNS
    return [{name: from_text(row[name], name) for name in COLUMNS} for row in reader]


def from_jsonl(text: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in text.splitlines()]
    assert all(list(row) == COLUMNS for row in rows)
    return [row | {name: from_text(row[name], name) for name in TIMESTAMPS} for row in rows]


def test_the_days_parquet_file_holds_the_apis_rows_read_by_pyarrow_and_duckdb(
    site: tuple[EventService, Path],
) -> None:
    service, data_dir = site
    expected = api_rows(service, DAY_START, DAY_END)
    assert len(expected) == 402  # 400, and the first and last millisecond of the day
    assert {row["rule_kind"] for row in expected} == {None, "line", "count", "zone", "loiter"}
    assert any(row["end"] - row["start"] > 0 for row in expected)

    path = day_file(data_dir / "events-archive", DAY)
    assert pq.read_schema(path).names == COLUMNS
    assert from_pyarrow(path) == expected
    assert from_duckdb(path) == expected


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_an_export_of_the_day_and_beyond_holds_the_apis_rows(
    site: tuple[EventService, Path], tmp_path: Path, fmt: str
) -> None:
    service, data_dir = site
    config = tmp_path / "vms.yaml"
    config.write_text(
        f"storage:\n  data_dir: {data_dir}\nanalytics:\n  timezone: {SITE}\n", encoding="utf-8"
    )
    start, end = DAY_START - 3_600_000, DAY_END + 3_600_000  # the archived day and the store
    out = tmp_path / f"events.{fmt}"
    first = dt.datetime.fromtimestamp(start / 1000, dt.UTC).isoformat()
    arguments = ["--from", first, "--to", str(end), "--format", fmt, "-o", str(out)]

    assert main(["events", "export", *arguments, "--config", str(config)]) == 0

    expected = api_rows(service, start, end)
    assert len(expected) == 402 + 3
    if fmt == "parquet":
        assert from_pyarrow(out) == expected
        assert from_duckdb(out) == expected
    elif fmt == "csv":
        assert from_csv(out.read_text(encoding="utf-8")) == expected
    else:
        assert from_jsonl(out.read_text(encoding="utf-8")) == expected


def test_the_vms_command_writes_csv_to_standard_output(
    site: tuple[EventService, Path], tmp_path: Path
) -> None:
    service, data_dir = site
    config = tmp_path / "vms.yaml"
    config.write_text(f"storage:\n  data_dir: {data_dir}\n", encoding="utf-8")
    vms = Path(sys.executable).with_name("vms")
    command = [str(vms), "events", "export", "--from", str(DAY_START), "--to", str(DAY_END)]
    done = subprocess.run(
        [*command, "--format", "csv", "--camera", "gate", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    gate = [row for row in api_rows(service, DAY_START, DAY_END) if row["camera_id"] == "gate"]
    assert from_csv(done.stdout) == gate
    assert done.stderr.strip() == f"vms: wrote {len(gate)} events to standard output"
