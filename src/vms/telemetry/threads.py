"""CPU time per named thread of this process, for Prometheus (`vms_thread_cpu_seconds_total`).

The process total says VMS is busy, not which part: a camera's demux thread (`source-cam1/main`),
its recorder (`recorder-cam1-main`), its analytics decoder (`motion-cam1`), the event loop
(`MainThread`). Python threads carry their names only inside Python, so at each scrape the
threads alive are read by their native ids from Linux's /proc/self/task/<id>/stat (user plus
system time). Threads of the same name are summed; a thread that ended takes its time with it,
which Prometheus reads as a counter reset. Elsewhere than Linux the metric is simply absent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from pathlib import Path

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector

THREAD_CPU = "vms_thread_cpu_seconds"
_TASKS = Path("/proc/self/task")
_TICKS_PER_S = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def thread_cpu_seconds() -> dict[str, float]:
    """CPU seconds (user + system) of each live named thread of this process, by name."""
    totals: dict[str, float] = {}
    for thread in threading.enumerate():
        native_id = thread.native_id
        if native_id is None:
            continue
        try:
            stat = (_TASKS / str(native_id) / "stat").read_text()
        except OSError:  # not Linux, or the thread ended since enumerate()
            continue
        # Fields after the command name (which may hold spaces) start at field 3; utime and
        # stime are fields 14 and 15.
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / _TICKS_PER_S
        totals[thread.name] = totals.get(thread.name, 0.0) + seconds
    return totals


class ThreadCpuCollector(Collector):
    """`vms_thread_cpu_seconds_total{thread=...}` at each scrape."""

    def collect(self) -> Iterable[Metric]:
        family = CounterMetricFamily(
            THREAD_CPU, "CPU time used by each named thread of the VMS process", labels=["thread"]
        )
        for name, seconds in sorted(thread_cpu_seconds().items()):
            family.add_metric([name], seconds)
        return [family]
