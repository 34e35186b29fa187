"""Free TCP ports for test servers, safe with parallel pytest-xdist workers.

A test picks a port, then a server (the simulator, the GStreamer camera, VMS, PostgreSQL) binds
it a little later, sometimes again after a restart. Asking the OS for port 0 returns an
ephemeral port, and in that window the kernel may hand the same port to an outgoing connection
(a client connecting to a camera) or to another worker. So ports come from below the ephemeral
range, which the kernel never gives out on its own, split into one slice per xdist worker
(`PYTEST_XDIST_WORKER`), and a process never hands out the same port twice. Each port is checked
free by binding it, from a random place in the slice, so that two parallel runs side by side
rarely meet. A plain `pytest` (no workers) asks the OS for port 0 as before: it never lands in a
worker's slice.
"""

from __future__ import annotations

import os
import random
import socket
import threading
from pathlib import Path

LOWEST = 20_000  # above the well-known and registered ports that services here use
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")

_lock = threading.Lock()
_given: set[int] = set()


def _ephemeral_low() -> int:
    """The first port the kernel hands out on its own (32768 on a default Linux)."""
    try:
        return int(EPHEMERAL_RANGE.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def worker_slice() -> range:
    """This process's ports: its xdist worker's equal share of LOWEST..ephemeral low."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # xdist names its workers gw0, gw1...
    index = int(worker.removeprefix("gw")) if worker.removeprefix("gw").isdigit() else 0
    count = max(1, int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")))
    high = max(_ephemeral_low(), LOWEST + 1000)
    size = (high - LOWEST) // max(count, index + 1)
    start = LOWEST + index * size
    return range(start, start + size)


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now and no other worker will pick."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])
    ports = worker_slice()
    with _lock:
        offset = random.randrange(len(ports))
        for step in range(len(ports)):
            port = ports[(offset + step) % len(ports)]
            if port not in _given and _bindable(port):
                _given.add(port)
                return port
    raise RuntimeError(f"no free port left in {ports}")
