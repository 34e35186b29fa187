"""Recording modes end to end: a real `vms serve` and a simulated camera whose bar moves in
bursts (real motion events). In events mode the files exist only around the events and each
begins at least the pre-roll before its event; in continuous_events mode retention deletes what
no event locked and keeps what an event did."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine

from tests.integration.e2e.conftest import first_frame_clock_ms
from tests.support.motion import detect_motion_in_scene
from tests.support.simulator import simulator_process
from tests.support.vms_process import VmsProcess, ffprobe_json, wait_for
from vms.core.clock import SystemClock
from vms.core.ids import CameraId
from vms.storage.locks import EvidenceLock, EvidenceLocks

pytestmark = pytest.mark.slow

PERIOD_S, ON_S = 16, 2  # a burst of motion every 16 s: long stills between events
SIMULATOR_ARGS = (
    *("--size", "640x360", "--fps", "10", "--bitrate", "500k", "--gop-seconds", "1"),
    *("--audio", "none", "--motion-period", str(PERIOD_S), "--motion-on", str(ON_S)),
    *("--cameras", "2"),
)
PRE_S, POST_S = 3, 1
GOP_MS = 1000
RETENTION_INTERVAL_S = 2


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    with simulator_process(*SIMULATOR_ARGS) as sim:
        events_only = {
            "id": "ev",
            "main_url": sim.url(1),
            "sub_url": sim.url(1, "sub"),
            "recording_mode": "events",
            "pre_roll_s": PRE_S,
            "post_roll_s": POST_S,
        }
        kept_around_events = {
            "id": "ce",
            "main_url": sim.url(2),
            "sub_url": sim.url(2, "sub"),
            "recording_mode": "continuous_events",
            "pre_roll_s": 1,
            "post_roll_s": POST_S,
            "event_retention_days": 2,
            "retention_max_bytes": 1,  # everything retention may delete goes at once
        }
        process = VmsProcess(
            tmp_path_factory.mktemp("modes"),
            [events_only, kept_around_events],
            segment_duration_s=5,
            extra={
                "analytics": {"motion_cooldown_s": 1.0},
                "retention": {"interval_s": RETENTION_INTERVAL_S},
            },
        )
        process.start()
        try:
            detect_motion_in_scene(process.client, "ev")
            detect_motion_in_scene(process.client, "ce")
            yield process
        finally:
            process.close()


@pytest.fixture(scope="module")
def streaming_since_ms(vms: VmsProcess) -> float:
    """A wall time by which the events camera was streaming: an event that starts a pre-roll
    and a GOP after it has its whole pre-roll in the buffer (an earlier one cannot: VMS had no
    video from before the camera connected)."""
    assert wait_for(lambda: vms.stream_state("ev")["state"] == "streaming", 30)
    return time.time() * 1000


def events(vms: VmsProcess, camera: str) -> list[dict[str, Any]]:
    page = vms.client.get("/api/v1/events", params={"camera": camera, "limit": 100})
    assert page.status_code == 200, page.text
    found: list[dict[str, Any]] = page.json()["events"]
    return found


def whole_burst(event: dict[str, Any]) -> bool:
    """An event that began with its burst (not when detection was switched on mid-burst)."""
    return event["end_ms"] is not None and event["start_ms"] % (PERIOD_S * 1000) < 1000


def recorded_until(vms: VmsProcess, camera: str) -> int:
    return max((r["end_ms"] for r in vms.recordings(camera)), default=0)


def segment_file(vms: VmsProcess, row: dict[str, Any]) -> Path:
    response = vms.client.get(str(row["file_url"]))
    response.raise_for_status()
    path = vms.data_dir / f"segment-{row['segment_id']}.mp4"
    path.write_bytes(response.content)
    return path


def test_events_mode_records_from_the_pre_roll_before_an_event_and_nothing_else(
    vms: VmsProcess, streaming_since_ms: float
) -> None:
    def recorded_events() -> list[dict[str, Any]]:
        done = [
            e
            for e in events(vms, "ev")
            if whole_burst(e) and e["start_ms"] - PRE_S * 1000 - GOP_MS >= streaming_since_ms
        ]
        until = recorded_until(vms, "ev")
        return sorted(
            (e for e in done if until >= e["end_ms"] + POST_S * 1000), key=lambda e: e["start_ms"]
        )

    assert wait_for(lambda: len(recorded_events()) >= 2, 5 * PERIOD_S, poll_s=0.5)
    event = recorded_events()[0]
    start_ms = event["start_ms"]
    rows = sorted(vms.recordings("ev"), key=lambda r: r["start_ms"])
    first = next(r for r in rows if r["start_ms"] <= start_ms < r["end_ms"])
    # the index row and the file begin at the buffered keyframe at or before start − pre-roll
    assert start_ms - PRE_S * 1000 - GOP_MS - 300 <= first["start_ms"] <= start_ms - PRE_S * 1000
    path = segment_file(vms, first)
    clock_ms = first_frame_clock_ms(path)
    assert clock_ms is not None and clock_ms <= start_ms - PRE_S * 1000 + 100, (clock_ms, first)
    video = ffprobe_json(path)["streams"][0]
    assert video["codec_name"] == "h264" and int(video["nb_read_packets"]) >= 10 * PRE_S
    # nothing is recorded but the time around events: before the pre-roll (one GOP of slack)
    # and after the post-roll (up to a segment's end) lies only time no event wanted
    wanted = [
        (e["start_ms"] - PRE_S * 1000 - GOP_MS - 300, (e["end_ms"] or 2**62) + POST_S * 1000 + 300)
        for e in events(vms, "ev")
    ]
    for row in rows:
        assert any(row["start_ms"] < end and row["end_ms"] > begin for begin, end in wanted), row
    # between two bursts (16 s apart) lie some 8 s that no event wanted: not recorded
    assert any(
        later["start_ms"] - earlier["end_ms"] >= 5000 for earlier, later in itertools.pairwise(rows)
    ), rows
    assert wait_for(
        lambda: vms.stream_state("ev")["recorder"]["state"] == "waiting_events", PERIOD_S
    ), vms.stream_state("ev")
    # packets left out by the mode are counted as such, not as lost ones
    metrics = vms.client.get("/metrics").text
    counts = {
        outcome: counter(
            metrics, f'vms_recorder_packets_total{{camera="ev",outcome="{outcome}",stream="main"}}'
        )
        for outcome in ("written", "discarded", "outside_events")
    }
    assert counts["outside_events"] > counts["discarded"] and counts["written"] > 0, counts


def counter(metrics: str, series: str) -> float:
    """The value of one series in a Prometheus text exposition."""
    line = next(line for line in metrics.splitlines() if line.startswith(series + " "))
    return float(line.rsplit(" ", 1)[1])


def test_continuous_events_mode_keeps_what_events_locked_and_retention_deletes_the_rest(
    vms: VmsProcess,
) -> None:
    engine = create_engine(f"sqlite:///{vms.data_dir / 'vms.db'}")
    locks = EvidenceLocks(engine, SystemClock())
    seen: dict[int, dict[str, Any]] = {}
    present: set[int] = set()

    def protected(row: dict[str, Any], lock: EvidenceLock) -> bool:
        """The row overlaps the lock and closed after the lock was stored (with slack for a
        retention run that had started before), so retention may never have deleted it."""
        start_ms, end_ms = int(row["start_ms"]), int(row["end_ms"])
        return start_ms < lock.end_ms and end_ms > lock.start_ms and end_ms > lock.created_ms + 2000

    def settled() -> bool:
        rows = vms.recordings("ce")
        seen.update({r["segment_id"]: r for r in rows})
        present.clear()
        present.update(r["segment_id"] for r in rows)
        deleted = [r for i, r in seen.items() if i not in present]
        old_enough = time.time() * 1000 - 3 * RETENTION_INTERVAL_S * 1000
        kept = [
            r
            for r in seen.values()
            for lock in locks.list(CameraId("ce"))
            if protected(r, lock) and r["end_ms"] < old_enough
        ]
        return bool(deleted) and bool(kept)

    try:
        assert wait_for(settled, 5 * PERIOD_S, poll_s=0.5), (seen, present)
        every_lock = locks.list(CameraId("ce"))
        assert all(lock.reason == "event" and lock.expires_ms for lock in every_lock)
        for row in seen.values():
            if any(protected(row, lock) for lock in every_lock):
                assert row["segment_id"] in present, (row, every_lock)
        deleted = [r for i, r in seen.items() if i not in present]
        assert deleted
        for row in deleted:
            assert not any(protected(row, lock) for lock in every_lock), row
    finally:
        engine.dispose()
