"""A camera that goes away and comes back 20 times: reconnected each time, gaps in the index."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from tests.support.simulator import free_port, simulator_process
from tests.support.vms_process import VmsProcess, wait_for

OUTAGES = 20
OUTAGE_S = 2.0


@pytest.mark.slow
def test_twenty_outages_reconnect_within_five_seconds_without_leaks(
    tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    port = free_port()
    args = ("--cameras", "1", "--size", "320x240", "--audio", "none")
    url = f"rtsp://127.0.0.1:{port}/cam1/main"
    vms = VmsProcess(tmp_path / "vms", [{"id": "cam1", "main_url": url}], segment_duration_s=60)
    vms_factory.append(vms)
    vms.start()
    baseline: tuple[int, int] | None = None
    reconnect_s: list[float] = []
    for attempt in range(OUTAGES + 1):
        with simulator_process(*args, port=port):
            back_at = time.monotonic()
            back_ms = time.time_ns() // 1_000_000

            def streaming_again(since_ms: int = back_ms) -> bool:
                state = vms.stream_state("cam1")
                last = state["last_packet_ms"] or 0
                return bool(state["state"] == "streaming" and last > since_ms)

            assert wait_for(streaming_again, 15, poll_s=0.05), vms.stream_state("cam1")
            if attempt > 0:
                reconnect_s.append(time.monotonic() - back_at)
            assert wait_for(
                lambda: vms.stream_state("cam1")["recorder"]["state"] == "recording", 10
            )
            time.sleep(1.5)
            if attempt == 1:
                baseline = vms.threads_and_fds()
        time.sleep(OUTAGE_S)

    assert len(reconnect_s) == OUTAGES
    assert max(reconnect_s) <= 5.0, reconnect_s
    assert vms.stream_state("cam1")["reconnects"] >= OUTAGES
    assert baseline is not None
    threads, fds = vms.threads_and_fds()
    assert threads <= baseline[0] + 2, (baseline, threads)
    assert fds <= baseline[1] + 4, (baseline, fds)

    assert vms.stop() == 0
    vms.start()
    rows = vms.recordings("cam1")
    gaps = [nxt["start_ms"] - prev["end_ms"] for prev, nxt in itertools.pairwise(rows)]
    outages = [g for g in gaps if g >= OUTAGE_S * 1000 * 0.75]
    assert len(outages) >= OUTAGES, gaps
