"""CPU per named thread: a thread that burns CPU shows it under its own name, in the registry."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from vms.telemetry.metrics import build_registry, render_metrics
from vms.telemetry.providers import MetricsProviders
from vms.telemetry.threads import thread_cpu_seconds

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/task")


def _busy(stop: threading.Event, spent: list[float]) -> None:
    started = time.thread_time()
    while not stop.is_set() or time.thread_time() - started < 0.2:
        sum(range(1000))
    spent.append(time.thread_time() - started)


def test_a_busy_thread_is_charged_under_its_name_and_an_idle_one_barely() -> None:
    stop = threading.Event()
    spent: list[float] = []
    busy = threading.Thread(target=_busy, args=(stop, spent), name="busy-cam1")
    idle = threading.Thread(target=stop.wait, name="idle-cam1")
    busy.start()
    idle.start()
    try:
        deadline = time.monotonic() + 30
        while thread_cpu_seconds().get("busy-cam1", 0.0) < 0.2:
            assert time.monotonic() < deadline, thread_cpu_seconds()
            time.sleep(0.05)
        seconds = thread_cpu_seconds()
        assert seconds["idle-cam1"] < 0.05
        assert seconds["MainThread"] >= 0
        text = render_metrics(build_registry(MetricsProviders()))[0].decode()
    finally:
        stop.set()
        busy.join()
        idle.join()
    samples = {
        s.labels["thread"]: s.value
        for family in text_string_to_metric_families(text)
        if family.name == "vms_thread_cpu_seconds"
        for s in family.samples
    }
    assert samples["busy-cam1"] >= 0.2
    assert spent and samples["busy-cam1"] <= spent[0] + 0.05  # its own time, no one else's
