"""Benchmark: `GET /api/v1/events/stats`'s query on a year of events (goal p95 < 100 ms).

Usage: python bench/event_stats.py [--quick] [--json PATH] [--cameras 16] [--per-hour 30]
       (--quick: 3 cameras, 10 queries of each kind instead of 30)

A year of closed events is made up (a seeded random mix per camera and hour: labels person,
car and motion, the rules that made them, zones door and drive, line crossings and count
peaks) and written as the rollup rows the store writes when events close (`event_stats`,
through SQL in bulk: writing millions of events one by one would take hours); the daily rows
of the site's zone (Europe/Paris) are cut from them as after a change of `analytics.timezone`
(timed). Then each kind of request the dashboard makes runs repeatedly through
`EventStatistics.query` on a SQLite file: the year by day, the last 30 days by hour, the last
week by hour for one camera, a zone's year by day, and the year by day in another zone than the
site's (read from the hours). Rows: p50/p95/max milliseconds per query, the rollups' sizes.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select

from bench.support import Row, bench_arguments, report
from vms.core.ids import CameraId
from vms.db.engine import create_engine, migrate
from vms.db.event_tables import EventStatsDailyTable, EventStatsTable
from vms.events.stats import EventStatistics, StatsQuery

HOUR = 3_600_000
DAY = 24 * HOUR
YEAR_START = 1_735_689_600_000  # 2025-01-01 UTC
SITE_ZONE = "Europe/Paris"  # analytics.timezone: the daily rollup is cut in it
KINDS = [  # label, rule, kind: the mix of a camera's events
    ("motion", "", ""),
    ("person", "door", "zone"),
    ("person", "entry-line", "line"),
    ("car", "drive", "zone"),
    ("person", "crowd", "count"),
]


def make_year(engine: object, cameras: int, per_hour: int, seed: int = 7) -> int:
    """Insert a year of rollup rows; returns how many rows."""
    rng = random.Random(seed)
    rows = []
    for camera in range(cameras):
        for hour in range(365 * 24):
            hour_ms = YEAR_START + hour * HOUR
            busy = per_hour if 7 <= hour % 24 <= 20 else per_hour // 6
            for label, rule, kind in KINDS:
                events = rng.randint(0, busy)
                if not events:
                    continue
                crossings_in = rng.randint(0, events) if kind == "line" else 0
                base = {"hour_ms": hour_ms, "camera_id": f"cam{camera:02d}", "label": label}
                counts = {
                    "events": events,
                    "crossings_in": crossings_in,
                    "crossings_out": events - crossings_in if kind == "line" else 0,
                    "peak": rng.randint(1, 9) if kind == "count" else 0,
                }
                rows.append(base | {"rule": rule, "zone": ""} | counts)
                if kind == "zone":
                    rows.append(base | {"rule": rule, "zone": rule} | counts)
    with engine.begin() as conn:  # type: ignore[attr-defined]
        for start in range(0, len(rows), 5000):
            conn.execute(insert(EventStatsTable), rows[start : start + 5000])
    return len(rows)


def timed(stats: EventStatistics, query: StatsQuery, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        stats.query(query)
        times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def run(quick: bool, cameras: int, per_hour: int) -> list[Row]:
    cameras = 3 if quick else cameras
    runs = 10 if quick else 30
    year_end = YEAR_START + 365 * DAY
    queries = {
        "year by day": StatsQuery(YEAR_START, year_end, "day", SITE_ZONE),
        "30 days by hour": StatsQuery(year_end - 30 * DAY, year_end, "hour", SITE_ZONE),
        "week by hour, one camera": StatsQuery(
            year_end - 7 * DAY, year_end, "hour", SITE_ZONE, cameras=(CameraId("cam00"),)
        ),
        "year by day, zone door": StatsQuery(
            YEAR_START, year_end, "day", SITE_ZONE, zones=("door",)
        ),
        "year by day, not the site's zone (hours)": StatsQuery(YEAR_START, year_end, "day"),
    }
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="vms-bench-stats-") as temp:
        engine = create_engine(f"sqlite:///{Path(temp) / 'vms.db'}")
        migrate(engine)
        made = make_year(engine, cameras, per_hour)
        with engine.connect() as conn:
            events = conn.execute(
                select(func.sum(EventStatsTable.events)).where(EventStatsTable.zone == "")
            ).scalar()
        stats = EventStatistics(engine, SITE_ZONE)
        started = time.perf_counter()
        stats.prepare()  # the daily rows, cut from the hourly ones as after a zone change
        rebuild_ms = round((time.perf_counter() - started) * 1000)
        with engine.connect() as conn:
            daily = conn.execute(select(func.count()).select_from(EventStatsDailyTable)).scalar()
        for name, query in queries.items():
            times = timed(stats, query, runs)
            rows.append(
                {
                    "query": name,
                    "cameras": cameras,
                    "events_in_year": int(events or 0),
                    "rollup_rows": made,
                    "daily_rows": int(daily or 0),
                    "daily_rebuild_ms": rebuild_ms,
                    "ms_p50": round(statistics.median(times), 1),
                    "ms_p95": round(times[int(0.95 * (len(times) - 1))], 1),
                    "ms_max": round(times[-1], 1),
                }
            )
        engine.dispose()
    return rows


def main() -> int:
    parser = bench_arguments(__doc__ or "", "3 cameras, 10 queries of each kind")
    parser.add_argument("--cameras", type=int, default=16)
    parser.add_argument("--per-hour", type=int, default=30, help="most events of a kind an hour")
    args = parser.parse_args()
    return report(run(args.quick, args.cameras, args.per_hour), args.json)


if __name__ == "__main__":
    sys.exit(main())
