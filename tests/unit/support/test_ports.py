"""The test port allocator gives each xdist worker its own ports, below the ephemeral range."""

from __future__ import annotations

import socket

import pytest

from tests.support import ports


def test_worker_slices_are_disjoint_and_below_the_ephemeral_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "4")
    slices = []
    for worker in range(4):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", f"gw{worker}")
        slices.append(set(ports.worker_slice()))
    assert all(len(s) >= 1000 for s in slices)
    assert sum(len(s) for s in slices) == len(set().union(*slices))
    assert max(max(s) for s in slices) < ports._ephemeral_low()
    assert min(min(s) for s in slices) >= ports.LOWEST


def test_free_port_is_in_the_workers_slice_never_repeats_and_skips_a_taken_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    monkeypatch.setenv("PYTEST_XDIST_WORKER_COUNT", "2")
    monkeypatch.setattr(ports, "_given", set())
    given = [ports.free_port() for _ in range(50)]
    assert len(set(given)) == 50
    assert set(given) <= set(ports.worker_slice())
    slice_ = ports.worker_slice()
    busy = next(port for port in slice_ if port not in given)
    with socket.create_server(("127.0.0.1", busy)):
        # the scan starts at the port another server holds: it must be passed over
        monkeypatch.setattr("random.randrange", lambda _n: busy - slice_[0])
        assert ports.free_port() == next(
            p for p in slice_[busy - slice_[0] + 1 :] if p not in given
        )


def test_a_run_without_workers_gets_a_port_from_the_os(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    port = ports.free_port()
    assert port >= ports._ephemeral_low()
    with socket.create_server(("127.0.0.1", port)):
        pass
