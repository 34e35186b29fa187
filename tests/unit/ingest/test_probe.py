"""Camera probe: URL and credential handling, plain-words errors, the runner's limits and deadline.

Real sockets stand in for misbehaving cameras (a port nobody listens on, a server that never
answers, one that answers HTTP); the simulator runs in tests/integration/ingest/test_probe_rtsp.py.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import threading
import time
from collections.abc import Iterator

import av.error
import pytest

from tests.support.simulator import free_port
from tests.support.sockets import silent_server
from vms.core.clock import SystemClock
from vms.core.errors import InvalidInputError
from vms.ingest.probe import (
    ProbeBusyError,
    ProbeFailedError,
    ProbeRequest,
    ProbeRunner,
    ProbeTimedOutError,
    open_error,
    probe_camera,
    probe_url,
)

SECRET = "pa:ss/w@rd"


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (ProbeRequest("rtsp://10.0.0.5/s0"), "rtsp://10.0.0.5/s0"),
        (ProbeRequest("rtsp://u:p@10.0.0.5/s0"), "rtsp://u:p@10.0.0.5/s0"),
        (ProbeRequest("rtsp://10.0.0.5:8554/s0", "admin"), "rtsp://admin@10.0.0.5:8554/s0"),
        (
            ProbeRequest("rtsp://old:pw@10.0.0.5/s0?ch=1", "ad min", SECRET),
            "rtsp://ad%20min:pa%3Ass%2Fw%40rd@10.0.0.5/s0?ch=1",
        ),
        (ProbeRequest("rtsps://[::1]:322/s0", "a", "b"), "rtsps://a:b@[::1]:322/s0"),
    ],
)
def test_credentials_go_into_the_url(request_: ProbeRequest, expected: str) -> None:
    assert probe_url(request_).with_credentials() == expected


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ProbeRequest("http://10.0.0.5/s0"), "not an RTSP URL: unsupported URL scheme 'http'"),
        (ProbeRequest("rtsp:///s0"), "not an RTSP URL: the URL has no host"),
        (ProbeRequest("10.0.0.5/s0"), "not an RTSP URL"),
        (ProbeRequest("rtsp://10.0.0.5/s0", None, SECRET), "a password was given without a user"),
    ],
)
def test_urls_that_cannot_be_probed(request_: ProbeRequest, message: str) -> None:
    with pytest.raises(ProbeFailedError, match=message):
        probe_url(request_)


def test_repr_hides_the_password() -> None:
    text = repr(ProbeRequest(f"rtsp://u:{SECRET}@h/s", "u", SECRET))
    assert SECRET not in text
    assert "password='***'" in text


def _error(exc: BaseException, request: ProbeRequest, timed_out: bool = False) -> str:
    return str(open_error(exc, request, timeout_s=7, timed_out=timed_out))


def test_open_errors_in_plain_words() -> None:
    plain = ProbeRequest("rtsp://10.0.0.5/live/main")
    with_user = ProbeRequest("rtsp://10.0.0.5/live/main", "admin", SECRET)
    unauthorized = av.error.HTTPUnauthorizedError(-825242872, "401", "rtsp://a:b@h")
    assert _error(unauthorized, with_user) == "the camera refused the user name or password"
    assert _error(unauthorized, plain) == "the camera asks for a user name and password"
    forbidden = av.error.HTTPForbiddenError(-858797304, "403")
    assert "refused access" in _error(forbidden, with_user)
    not_found = av.error.HTTPNotFoundError(-875574520, "404")
    assert _error(not_found, plain) == (
        "the camera has no stream at /live/main (404 Not Found): check the path"
    )
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    assert _error(refused, plain) == "cannot connect to 10.0.0.5:554: connection refused"
    unreachable = OSError(errno.EHOSTUNREACH, "No route to host")
    assert _error(unreachable, plain) == "cannot connect to 10.0.0.5:554: host unreachable"
    invalid = av.error.InvalidDataError(-1094995529, "Invalid data")
    assert "did not answer as an RTSP camera" in _error(invalid, plain)
    late = open_error(invalid, plain, timeout_s=7, timed_out=True)
    assert isinstance(late, ProbeTimedOutError)
    assert str(late) == "no video within 7 s (no answer from 10.0.0.5:554)"
    odd = RuntimeError(f"weird failure at rtsp://admin:{SECRET}@10.0.0.5/")
    message = _error(odd, with_user)
    assert message.startswith("cannot open the stream at 10.0.0.5:554: weird failure")
    assert SECRET not in message


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word (a hung camera)."""
    with silent_server() as port:
        yield port


@pytest.fixture
def http_port() -> Iterator[int]:
    """A server that answers every request as a web server would."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                conn.recv(4096)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")

    threading.Thread(target=serve, daemon=True).start()
    yield int(server.getsockname()[1])
    server.close()


def test_refused_and_unknown_hosts_fail_at_once() -> None:
    clock = SystemClock()
    started = time.monotonic()
    with pytest.raises(ProbeFailedError, match="connection refused"):
        probe_camera(ProbeRequest(f"rtsp://127.0.0.1:{free_port()}/x"), clock=clock, timeout_s=5)
    with pytest.raises(ProbeFailedError, match="host name cannot be resolved"):
        probe_camera(ProbeRequest("rtsp://no-such-camera.invalid/x"), clock=clock, timeout_s=5)
    assert time.monotonic() - started < 4


def test_a_web_server_is_not_a_camera(http_port: int) -> None:
    with pytest.raises(ProbeFailedError, match="did not answer as an RTSP camera"):
        probe_camera(
            ProbeRequest(f"rtsp://127.0.0.1:{http_port}/x"), clock=SystemClock(), timeout_s=5
        )


async def test_a_silent_camera_times_out_by_the_deadline(silent_port: int) -> None:
    runner = ProbeRunner(SystemClock())
    started = time.monotonic()
    with pytest.raises(ProbeTimedOutError, match=r"no video within 1\.5 s"):
        await runner.probe(ProbeRequest(f"rtsp://127.0.0.1:{silent_port}/x"), 1.5)
    assert 1.2 < time.monotonic() - started < 4  # by the deadline (+0.5 s), not minutes later
    for _ in range(100):  # the thread ends soon after
        if runner.running == 0:
            break
        await asyncio.sleep(0.05)
    assert runner.running == 0


async def test_more_probes_than_allowed_are_refused_until_one_ends(silent_port: int) -> None:
    runner = ProbeRunner(SystemClock(), max_running=2)
    hung = ProbeRequest(f"rtsp://127.0.0.1:{silent_port}/x")
    first = asyncio.create_task(runner.probe(hung, 1.0))
    second = asyncio.create_task(runner.probe(hung, 1.0))
    await asyncio.sleep(0.1)
    assert runner.running == 2
    with pytest.raises(ProbeBusyError) as busy:
        await runner.probe(hung, 1.0)
    assert busy.value.retry_after_s > 0
    for task in (first, second):
        with pytest.raises(ProbeTimedOutError):
            await task
    for _ in range(100):
        if runner.running == 0:
            break
        await asyncio.sleep(0.05)
    refused = ProbeRequest(f"rtsp://127.0.0.1:{free_port()}/x")
    with pytest.raises(ProbeFailedError, match="connection refused"):
        await runner.probe(refused, 1.0)  # a free slot again


async def test_a_cancelled_caller_still_frees_its_slot(silent_port: int) -> None:
    runner = ProbeRunner(SystemClock(), max_running=1)
    task = asyncio.create_task(runner.probe(ProbeRequest(f"rtsp://127.0.0.1:{silent_port}/"), 1))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert runner.running == 1  # the thread is still in FFmpeg until its own deadline
    for _ in range(100):
        if runner.running == 0:
            break
        await asyncio.sleep(0.05)
    assert runner.running == 0


async def test_timeouts_out_of_range_are_refused() -> None:
    runner = ProbeRunner(SystemClock())
    for timeout_s in (0.0, -1.0, 20.5):
        with pytest.raises(InvalidInputError, match="timeout_s"):
            await runner.probe(ProbeRequest("rtsp://127.0.0.1/x"), timeout_s)
    assert runner.running == 0
