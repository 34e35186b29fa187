"""Playback benchmark: index queries on 100 cameras × 30 days, first media byte, export speed.

A synthetic index (default 100 cameras × 30 days of 60 s main-stream segments, 4.3 million rows)
is written once into SQLite under .cache/bench/playback and reused. Only the segments that the
random windows touch get a file on disk: hard links to one real 60 s 1080p25 fMP4 segment made
like the recorder makes them. Requests go through the real API (FastAPI app over httpx's ASGI
transport, the service, SQLAlchemy, SQLite), not the service functions alone, signed in with
HTTP Basic as the first admin like any tool; the credentials are checked (Argon2, cached by VMS)
by one untimed request before anything is timed.

Reported: p50/p95 of timeline and VOD-playlist requests for random one-hour windows (cold: the
first request for that hour, which also maps the segments' fragments; warm: the same again), of
zoomed-out timelines (a day with hourly counts, 30 days with daily counts), the time from a random
seek to the first byte of media (playlist + init section + first fragment, as a player does it),
and export speed for one hour of video as a ratio to a plain copy of the same bytes in the same run.

Usage: python bench/playback.py [--cameras 100] [--days 30] [--windows 200] [--export-minutes 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.support import BENCH_ADMIN_PASSWORD, BENCH_AUTH
from vms.app import create_app
from vms.config import Settings
from vms.core.clock import FakeClock
from vms.core.ids import CameraId, StreamName
from vms.db.engine import create_engine, migrate
from vms.services import build
from vms.storage.layout import segment_relpath

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "bench" / "playback"
VMS = str(Path(sys.executable).with_name("vms"))
SEGMENT_MS = 60_000
BASE_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Plan:
    cameras: int
    days: int

    @property
    def segments_per_camera(self) -> int:
        return self.days * DAY_MS // SEGMENT_MS

    @property
    def rows(self) -> int:
        return self.cameras * self.segments_per_camera

    @property
    def end_ms(self) -> int:
        return BASE_MS + self.days * DAY_MS

    def camera(self, i: int) -> CameraId:
        return CameraId(f"cam{i:03d}")


def ensure_segment() -> Path:
    """One recorder-style segment: 60 s of 1080p25 H.264 at ~4 Mbit/s, fragmented MP4."""
    segment = CACHE / "segment-60s-1080p25.mp4"
    if segment.exists():
        return segment
    CACHE.mkdir(parents=True, exist_ok=True)
    sample = CACHE / "sample-60s.mp4"
    subprocess.run(
        [VMS, "simulate", "--write-sample", str(sample), "--seconds", "60", "--size",
         "1920x1080", "--fps", "25", "--bitrate", "4M", "--gop-seconds", "2", "--audio", "none"],
        check=True,
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(sample), "-c", "copy", "-f", "mp4",
         "-movflags", "frag_keyframe+empty_moov+default_base_moof", str(segment)],
        check=True,
    )  # fmt: skip
    return segment


def ensure_index(plan: Plan, db_path: Path, size_bytes: int) -> None:
    """The synthetic index, written once per (cameras, days) and reused by later runs."""
    done = db_path.with_suffix(".done")
    if done.exists():
        return
    db_path.unlink(missing_ok=True)
    engine = create_engine(f"sqlite:///{db_path}")
    migrate(engine)
    engine.dispose()
    started = time.perf_counter()
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=OFF")
        sql = (
            "INSERT INTO segments (camera_id, stream, start_ms, end_ms, duration_ms, size_bytes,"
            " video_codec, audio_codec, width, height, path, pool, state, frames)"
            " VALUES (?, 'main', ?, ?, ?, ?, 'h264', NULL, 1920, 1080, ?, 'bench', 'complete', ?)"
        )
        for c in range(plan.cameras):
            camera = plan.camera(c)
            rows = []
            for k in range(plan.segments_per_camera):
                start = BASE_MS + k * SEGMENT_MS
                path = str(segment_relpath(camera, StreamName.MAIN, start))
                rows.append((camera, start, start + SEGMENT_MS, SEGMENT_MS, size_bytes, path, 1500))
            conn.executemany(sql, rows)
            conn.commit()
        conn.execute("ANALYZE")
    print(f"index: {plan.rows} rows written in {time.perf_counter() - started:.0f} s")
    done.touch()


def link_files(pool: Path, segment: Path, camera: CameraId, start_ms: int, end_ms: int) -> None:
    """Give every segment overlapping [start_ms, end_ms) a file (a hard link to `segment`)."""
    first = start_ms - (start_ms - BASE_MS) % SEGMENT_MS
    for seg_start in range(first, end_ms, SEGMENT_MS):
        target = pool / segment_relpath(camera, StreamName.MAIN, seg_start)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(segment, target)


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


async def timed_get(client: httpx.AsyncClient, url: str) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await client.get(url)
    return (time.perf_counter() - started) * 1000, response


_MAP = re.compile(r'#EXT-X-MAP:URI="([^"]+)",BYTERANGE="(\d+)@(\d+)"')
_RANGE = re.compile(r"#EXT-X-BYTERANGE:(\d+)@(\d+)\n([^\n#]+)")


async def first_media_byte(client: httpx.AsyncClient, camera: str, start_ms: int) -> float:
    """A seek as a player does it: the playlist, then the init section and the first fragment."""
    started = time.perf_counter()
    url = f"/api/v1/cameras/{camera}/vod.m3u8?start={start_ms}&end={start_ms + HOUR_MS}"
    playlist = await client.get(url)
    playlist.raise_for_status()
    init = _MAP.search(playlist.text)
    part = _RANGE.search(playlist.text)
    assert init is not None and part is not None, playlist.text[:500]
    for uri, length, offset in ((init[1], init[2], init[3]), (part[3], part[1], part[2])):
        last = int(offset) + int(length) - 1
        media = urljoin(str(playlist.url), uri)  # the playlist's URIs are relative to it
        async with client.stream("GET", media, headers={"Range": f"bytes={offset}-{last}"}) as r:
            assert r.status_code == 206, r.status_code
            async for _chunk in r.aiter_bytes():
                break
    return (time.perf_counter() - started) * 1000


def settings_for(data: Path, pool: Path, db_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "storage": {"data_dir": str(data), "pools": [{"name": "bench", "path": str(pool)}]},
            "database": {"url": f"sqlite:///{db_path}"},
            "logging": {"level": "warning"},
            "playback": {"max_range_s": 2 * 3600},
        }
    )


async def query_bench(
    client: httpx.AsyncClient, plan: Plan, windows: list[tuple[CameraId, int]]
) -> list[tuple[str, list[float]]]:
    results: dict[str, list[float]] = {}

    def add(name: str, ms: float, response: httpx.Response) -> None:
        assert response.status_code == 200, (name, response.status_code, response.text[:300])
        results.setdefault(name, []).append(ms)

    for camera, start in windows:
        span = f"start={start}&end={start + HOUR_MS}"
        for label in ("cold", "warm"):
            ms, r = await timed_get(client, f"/api/v1/cameras/{camera}/timeline?{span}")
            add(f"timeline 1 h ({label})", ms, r)
            ms, r = await timed_get(client, f"/api/v1/cameras/{camera}/vod.m3u8?{span}")
            add(f"VOD playlist 1 h ({label})", ms, r)
    for camera, start in windows[: max(10, len(windows) // 4)]:
        day = f"start={start - DAY_MS // 2}&end={start + DAY_MS // 2}&bucket=hour"
        ms, r = await timed_get(client, f"/api/v1/cameras/{camera}/timeline?{day}")
        add("timeline 1 day, hourly counts", ms, r)
        month = f"start={BASE_MS}&end={plan.end_ms}&bucket=day"
        ms, r = await timed_get(client, f"/api/v1/cameras/{camera}/timeline?{month}")
        add(f"timeline {plan.days} days, daily counts", ms, r)
    return list(results.items())


async def seek_bench(
    client: httpx.AsyncClient, windows: list[tuple[CameraId, int]]
) -> list[tuple[str, list[float]]]:
    cold = [await first_media_byte(client, camera, start) for camera, start in windows]
    warm = [await first_media_byte(client, camera, start) for camera, start in windows]
    return [("seek → first media byte (cold)", cold), ("seek → first media byte (warm)", warm)]


def copy_baseline(sources: list[Path], into: Path) -> float:
    """Seconds to copy the export's source bytes into one file and fsync it."""
    started = time.perf_counter()
    with into.open("wb") as out:
        for source in sources:
            with source.open("rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
        out.flush()
        os.fsync(out.fileno())
    return time.perf_counter() - started


async def export_bench(
    client: httpx.AsyncClient, pool: Path, segment: Path, minutes: int
) -> tuple[float, float, int]:
    """(export seconds, copy seconds, bytes) for `minutes` of one camera."""
    camera = CameraId("cam000")
    start = BASE_MS + DAY_MS // 2
    end = start + minutes * SEGMENT_MS
    link_files(pool, segment, camera, start, end)
    sources = [
        pool / segment_relpath(camera, StreamName.MAIN, s) for s in range(start, end, SEGMENT_MS)
    ]
    total = sum(p.stat().st_size for p in sources)
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        copy_baseline(sources, Path(tmp) / "warm.bin")  # same page-cache state for both
        copy_s = copy_baseline(sources, Path(tmp) / "copy.bin")
    started = time.perf_counter()
    body = {"camera": camera, "start": str(start), "end": str(end)}
    created = await client.post("/api/v1/exports", json=body)
    assert created.status_code in (200, 201, 202), created.text
    job_id = created.json()["id"]
    while True:
        job = (await client.get(f"/api/v1/exports/{job_id}")).json()
        if job["state"] not in ("queued", "running"):
            break
        await asyncio.sleep(0.02)
    export_s = time.perf_counter() - started
    assert job["state"] == "done", job
    await client.delete(f"/api/v1/exports/{job_id}")
    return export_s, copy_s, total


def print_rows(rows: list[tuple[str, list[float]]], goal_ms: float) -> None:
    """One line per request kind; the goal applies to one-hour windows and seeks only."""
    for name, samples in rows:
        p50, p95 = percentiles(samples)
        verdict = ""
        if goal_ms is not None and ("1 h" in name or "seek" in name):
            verdict = "  ok" if p95 < goal_ms else "  OVER GOAL"
        print(f"  {name:<38} n={len(samples):<4} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms{verdict}")


async def run(args: argparse.Namespace) -> None:
    plan = Plan(args.cameras, args.days)
    segment = ensure_segment()
    db_path = CACHE / f"index-{plan.cameras}x{plan.days}d.db"
    ensure_index(plan, db_path, segment.stat().st_size)
    rng = random.Random(args.seed)
    last_start = plan.end_ms - HOUR_MS - SEGMENT_MS
    windows = [
        (plan.camera(rng.randrange(plan.cameras)), rng.randrange(BASE_MS + DAY_MS, last_start))
        for _ in range(2 * args.windows)
    ]
    windows, seeks = windows[: args.windows], windows[args.windows :]
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        pool = Path(tmp) / "pool"
        for camera, start in windows + seeks:
            link_files(pool, segment, camera, start - SEGMENT_MS, start + HOUR_MS + 2 * SEGMENT_MS)
        # the synthetic rows must not be touched by the app's start-up, so no lifespan runs here
        work_db = Path(tmp) / "vms.db"
        shutil.copyfile(db_path, work_db)
        services = build(settings_for(Path(tmp) / "data", pool, work_db), FakeClock(plan.end_ms))
        services.auth.users.ensure_first_admin(BENCH_ADMIN_PASSWORD)  # as `vms serve` does
        services.playback.jobs.start()
        app = create_app(services)
        transport = httpx.ASGITransport(app=app)
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://bench", auth=BENCH_AUTH
            ) as client:
                signed_in = await client.get("/api/v1/auth/session")  # pays Argon2 untimed
                assert signed_in.status_code == 200, signed_in.status_code
                print(f"index: {plan.rows:,} segment rows ({plan.cameras} cameras × {plan.days} d)")
                print(f"queries over {len(windows)} random one-hour windows (goal p95 < 50 ms):")
                print_rows(await query_bench(client, plan, windows), 50.0)
                print("random seek to first media byte (goal p95 < 100 ms):")
                print_rows(await seek_bench(client, seeks), 100.0)
                export_s, copy_s, size = await export_bench(
                    client, pool, segment, args.export_minutes
                )
        finally:
            services.playback.jobs.stop()
            services.engine.dispose()
    ratio = copy_s / export_s
    print(
        f"export of {args.export_minutes} min ({size / 1e6:.0f} MB): {export_s:.2f} s"
        f" ({size / export_s / 1e6:.0f} MB/s, manifest hashes included); plain copy + fsync"
        f" {copy_s:.2f} s ({size / copy_s / 1e6:.0f} MB/s); speed ratio {ratio:.2f}"
        f" (goal ≥ 0.8){'  ok' if ratio >= 0.8 else '  UNDER GOAL'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cameras", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--windows", type=int, default=200)
    parser.add_argument("--export-minutes", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
