"""Test helpers: run the camera simulator in a subprocess, and a minimal RTSP client over TCP."""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.support.load import as_camera
from tests.support.ports import free_port as free_port  # noqa: PLC0414 (re-exported)

REPO = Path(__file__).resolve().parents[2]


_SKIPPED = re.compile(r"pattern (\w+) skipped (\d+) frames")


@dataclass(frozen=True, slots=True)
class RunningSimulator:
    process: subprocess.Popen[str]
    base_url: str  # rtsp://127.0.0.1:PORT
    port: int
    log_path: Path  # its standard error

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def skipped_frames(self, variant: str = "main") -> int:
        """Frames of `variant` the simulator never sent because it fell over 1 s behind (a busy
        machine): a test that counts frames allows these, which are the camera's, not VMS's."""
        return sum(int(n) for v, n in _SKIPPED.findall(self.log()) if v == variant)

    def url(self, camera: int = 1, variant: str = "main", credentials: str = "") -> str:
        host = self.base_url.removeprefix("rtsp://")
        prefix = f"{credentials}@" if credentials else ""
        return f"rtsp://{prefix}{host}/cam{camera}/{variant}"


@contextmanager
def simulator_process(
    *args: str, port: int | None = None, ready_timeout_s: float = 60.0
) -> Iterator[RunningSimulator]:
    """Start `python -m vms.simulator ARGS --port P`, wait for its ready line, SIGTERM it after.

    Leaving the block asserts the process exited with code 0 on SIGTERM.
    """
    port = port or free_port()
    command = [sys.executable, "-m", "vms.simulator", "--port", str(port), *args]
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    with tempfile.TemporaryDirectory(prefix="simulator-") as log_dir:
        log_path = Path(log_dir) / "stderr.log"
        with log_path.open("w") as log:  # a file, not a pipe that fills while nobody reads it
            process = subprocess.Popen(
                as_camera(command), stdout=subprocess.PIPE, stderr=log, text=True, env=env
            )
        sim = RunningSimulator(process, f"rtsp://127.0.0.1:{port}", port, log_path)
        try:
            line = _read_line(sim, ready_timeout_s)
            if line.strip() != f"ready {sim.base_url}":
                raise AssertionError(f"simulator said {line!r}, expected 'ready {sim.base_url}'")
            yield sim
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                code = process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                raise
        assert code == 0, f"simulator exited with {code}: {sim.log()}"


def _read_line(sim: RunningSimulator, timeout_s: float) -> str:
    stdout = sim.process.stdout
    assert stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(stdout, selectors.EVENT_READ)
    try:
        if not selector.select(timeout_s):
            raise AssertionError(f"simulator did not become ready: {sim.log()}")
        line = stdout.readline()
    finally:
        selector.close()
    if not line:
        raise AssertionError(f"simulator exited before ready: {sim.log()}")
    return line


def run_tool(args: list[str], timeout_s: float = 30.0) -> subprocess.CompletedProcess[str]:
    """Run ffmpeg/ffprobe/gst-launch with captured text output."""
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout_s, check=False)


def assert_gstreamer_plays(url: str, protocols: str, *elements: str, buffers: int) -> None:
    """`gst-launch-1.0 rtspsrc URL ! ELEMENTS ! fakesink num-buffers=N` must reach end of stream
    (N buffers through the pipeline) with no error before it.

    An error after the end of stream is not the server's: on shutdown rtspsrc's CLOSE flushes its
    connection while its own PAUSE may still be waiting to be sent, and that PAUSE then fails with
    "Received end-of-file" although the connection is open (its TEARDOWN is answered). A loaded
    machine widens that window, so the exit code alone is not a verdict on the server.
    """
    pipeline = ["rtspsrc", f"location={url}", f"protocols={protocols}"]
    for element in (*elements, "fakesink"):
        pipeline += ["!", element]
    result = subprocess.run(
        ["gst-launch-1.0", *pipeline, f"num-buffers={buffers}"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream: whether an error came before the end is kept
        text=True,
        timeout=40,
        check=False,
    )
    before_end, ended, _ = result.stdout.partition('Got EOS from element "pipeline0"')
    assert ended, result.stdout
    assert "ERROR" not in before_end, result.stdout


def video_packet_count(path: Path) -> int:
    """Packets of the first video stream in a file, as ffprobe counts them."""
    probe = run_tool(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_packets",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_packets",
            "-of",
            "csv=p=0",
            str(path),
        ]
    )
    assert probe.returncode == 0, f"ffprobe failed on {path}: {probe.stderr}"
    return int(probe.stdout.strip())


def ffprobe_streams(url: str, transport: str = "tcp") -> list[dict[str, str]]:
    """codec_name/width/height/sample_rate of each stream ffprobe sees at `url`."""
    result = run_tool(
        [
            "ffprobe",
            "-v",
            "error",
            "-rtsp_transport",
            transport,
            "-show_entries",
            "stream=codec_name,width,height,sample_rate",
            "-of",
            "compact=p=0",
            url,
        ]
    )
    if result.returncode != 0:
        raise AssertionError(f"ffprobe failed: {result.stderr}")
    streams = []
    for line in result.stdout.splitlines():
        fields = dict(part.split("=", 1) for part in line.split("|") if "=" in part)
        streams.append(fields)
    return streams


class RawRtspClient:
    """A blocking RTSP client for protocol tests: send text, read one response or raw bytes."""

    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=10)
        self._buffer = b""
        self._cseq = 0

    def close(self) -> None:
        self.sock.close()

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def request(self, method: str, url: str, headers: dict[str, str] | None = None) -> Response:
        self._cseq += 1
        lines = [f"{method} {url} RTSP/1.0", f"CSeq: {self._cseq}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.send_raw(("\r\n".join(lines) + "\r\n\r\n").encode())
        return self.read_response()

    def read_response(self) -> Response:
        """The next response, skipping interleaved `$` frames that arrive before it."""
        while True:
            self._skip_frames()
            end = self._buffer.find(b"\r\n\r\n")
            if end >= 0 and not self._buffer.startswith(b"$"):
                head = self._buffer[:end].decode()
                lines = head.split("\r\n")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                if len(self._buffer) >= end + 4 + length:
                    body = self._buffer[end + 4 : end + 4 + length]
                    self._buffer = self._buffer[end + 4 + length :]
                    return Response(int(lines[0].split(" ")[1]), headers, body)
            self._fill()

    def read_frame(self) -> tuple[int, bytes]:
        """The next interleaved frame (channel, payload)."""
        while True:
            if len(self._buffer) >= 4 and self._buffer[0] == 0x24:
                size = int.from_bytes(self._buffer[2:4], "big")
                if len(self._buffer) >= 4 + size:
                    frame = (self._buffer[1], self._buffer[4 : 4 + size])
                    self._buffer = self._buffer[4 + size :]
                    return frame
            elif self._buffer and self._buffer[0] != 0x24:
                raise AssertionError(f"expected a $ frame, got {self._buffer[:40]!r}")
            self._fill()

    def read_until_closed(self, deadline_s: float = 10.0) -> bytes:
        """Everything the server sends until it closes the connection."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                return self._buffer
            self._buffer += chunk
        raise AssertionError("server did not close the connection")

    def _skip_frames(self) -> None:
        while len(self._buffer) >= 4 and self._buffer[0] == 0x24:
            size = int.from_bytes(self._buffer[2:4], "big")
            if len(self._buffer) < 4 + size:
                return
            self._buffer = self._buffer[4 + size :]

    def _fill(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        self._buffer += chunk


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


class RestartableSimulator:
    """A simulator (`python -m vms.simulator ARGS`) on a fixed port that a test may stop and start
    again."""

    def __init__(self, *args: str) -> None:
        self.args = args
        self.port = free_port()
        self._running: ExitStack | None = None

    def url(self, camera: int = 1, variant: str = "main") -> str:
        return f"rtsp://127.0.0.1:{self.port}/cam{camera}/{variant}"

    def start(self) -> None:
        assert self._running is None
        stack = ExitStack()
        stack.enter_context(simulator_process(*self.args, port=self.port))
        self._running = stack

    def stop(self) -> None:
        """SIGTERM the simulator (the context manager checks it exits cleanly)."""
        stack, self._running = self._running, None
        if stack is not None:
            stack.close()
