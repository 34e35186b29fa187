"""How busy this machine is, for the few tests whose limits are times a loaded machine cannot keep.

A latency limit such as "WHEP p95 under 1 s" is a promise about VMS on a machine with CPU to
spare; beside a second test run on 2 cores (load average 30 and more) every process waits for
a core, and the same VMS is seconds late without a fault of its own. Such a test widens its limit
by `contention()`, the factor by which runnable work exceeds the cores, so a quiet machine keeps
the tight limit and a loaded one still catches a stall (a limit times the load, not no limit).
Only latency and rate limits use it; correctness (every frame present, right order) never does.
"""

from __future__ import annotations

import os
from pathlib import Path

_PSI = Path("/proc/pressure/cpu")
MAX_FACTOR = 20.0


def contention() -> float:
    """1.0 on a machine with a core to spare; N when each core has N runnable tasks waiting.

    Pressure stall information (the share of the last 10 s in which some task waited for a CPU)
    answers fastest; the 1-minute load average per core is the fallback where /proc/pressure is
    missing (some containers), and the larger of the two is taken where both exist.
    """
    cores = os.cpu_count() or 1
    factor = os.getloadavg()[0] / cores
    try:
        some = _PSI.read_text().splitlines()[0]  # "some avg10=12.34 avg60=... total=..."
        waiting = float(some.split()[1].removeprefix("avg10=")) / 100
        factor = max(factor, 1.0 / max(1.0 - waiting, 0.05))
    except (OSError, IndexError, ValueError):
        pass
    return min(max(factor, 1.0), MAX_FACTOR)


def allowance_ms(quiet_limit_ms: float) -> float:
    """A latency limit for now: the quiet machine's limit times the current contention."""
    return quiet_limit_ms * contention()


# A real camera encodes on its own hardware and keeps real time; the test cameras (the simulator,
# the GStreamer RTSP servers) share this machine's two cores with VMS and the other test workers.
# Starved, their x265 encoders fell seconds behind their live sources: frames came late or were
# skipped, the GStreamer camera's frames arrived long after the capture times its sender reports
# gave (so VMS rightly stopped trusting them and recording times jumped to arrival), and tests
# saw gaps and missing frames that were the camera's. At raised priority they keep real time with
# five CPU burners beside them (tests/integration/e2e/test_bframes_e2e.py, measured); VMS still
# runs loaded. Only root may raise a priority: elsewhere the command runs as given.
CAMERA_NICENESS = -10


def as_camera(command: list[str]) -> list[str]:
    """`command` run at a camera's raised priority where this process may give it."""
    if os.geteuid() != 0:
        return command
    return ["nice", "-n", str(CAMERA_NICENESS), *command]
