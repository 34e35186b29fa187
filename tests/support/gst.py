"""Start and stop the GStreamer RTSP test camera (tests/support/gst_rtsp_server.py) from pytest."""

from __future__ import annotations

import selectors
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

from tests.support.load import as_camera
from tests.support.ports import free_port as free_port  # noqa: PLC0414 (re-exported)

SYSTEM_PYTHON = "/usr/bin/python3"
SCRIPT = Path(__file__).with_name("gst_rtsp_server.py")


def gst_available() -> bool:
    """True when the system Python has GStreamer's RTSP server bindings."""
    probe = "import gi; gi.require_version('GstRtspServer', '1.0')"
    probe += "; from gi.repository import GstRtspServer"
    try:
        done = subprocess.run(
            [SYSTEM_PYTHON, "-c", probe], check=False, capture_output=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


class GstCamera:
    """A GStreamer RTSP server process on a fixed port; start() works again after stop()."""

    def __init__(
        self,
        port: int | None = None,
        *,
        audio: bool = False,
        gop: int = 25,
        bframes: int = 0,
        shared: bool = True,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        self.port = port if port is not None else free_port()
        self._args = [SYSTEM_PYTHON, str(SCRIPT), "--port", str(self.port), "--gop", str(gop)]
        if audio:
            self._args.append("--audio")
        if bframes:
            self._args += ["--bframes", str(bframes)]
        if not shared:  # see --unshared in gst_rtsp_server.py: for tests that mix clients
            self._args.append("--unshared")
        if username is not None:
            self._args += ["--username", username, "--password", password or ""]
        self._proc: subprocess.Popen[bytes] | None = None

    def url(self, codec: str = "h264", *, credentials: str | None = None) -> str:
        auth = f"{credentials}@" if credentials else ""
        return f"rtsp://{auth}127.0.0.1:{self.port}/{codec}"

    def start(self, ready_timeout_s: float = 30.0) -> None:
        """Start the server and wait until it prints 'ready'."""
        if self._proc is not None:
            raise RuntimeError("already started")
        proc = subprocess.Popen(
            as_camera(self._args), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        self._proc = proc
        assert proc.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + ready_timeout_s
            while time.monotonic() < deadline:
                if selector.select(timeout=deadline - time.monotonic()):
                    line = proc.stdout.readline()
                    if line.strip() == b"ready":
                        return
                    if not line:
                        break
        self.stop()
        raise RuntimeError(f"GStreamer RTSP server on port {self.port} did not start")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not exit; waits so no zombie is left."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()

    def kill(self) -> None:
        """Vanish like a camera losing power: SIGKILL."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def wait_until(predicate: Callable[[], bool], timeout_s: float, poll_s: float = 0.05) -> bool:
    """Poll ``predicate`` until it holds or ``timeout_s`` passes; returns its last value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll_s)
    return predicate()
