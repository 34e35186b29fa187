"""Test helper: run the real `vms serve` in a subprocess with a generated config, and talk to it."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import httpx
import yaml

from tests.support.simulator import free_port

REPO = Path(__file__).resolve().parents[2]
ADMIN = "admin"
ADMIN_PASSWORD = "test-admin-password"


class _AdminAuth(httpx.Auth):
    """HTTP Basic as the first admin, with the password the process has at request time."""

    def __init__(self, process: VmsProcess) -> None:
        self._process = process

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield from self._process.basic_auth.auth_flow(request)


class VmsProcess:
    """One VMS server process on a temporary data folder; restartable on the same folder."""

    def __init__(
        self,
        data_dir: Path,
        cameras: list[dict[str, Any]],
        *,
        segment_duration_s: float = 20.0,
        extra: dict[str, Any] | None = None,
        admin_password: str | None = ADMIN_PASSWORD,
    ) -> None:
        """`admin_password` None: start without VMS_ADMIN_PASSWORD (VMS makes one up and prints
        it; set `self.admin_password` from the log before using `client`)."""
        self.data_dir = data_dir
        self.port = free_port()
        self.rtsp_port = free_port()
        self.config_path = data_dir / "vms.yaml"
        self.log_path = data_dir / "vms.log"
        config: dict[str, Any] = {
            "server": {"port": self.port, "rtsp_port": self.rtsp_port},
            "storage": {"data_dir": str(data_dir)},
            "recording": {"segment_duration_s": segment_duration_s},
            "retention": {"interval_s": 5},
            "logging": {"level": "info", "format": "json"},
            "cameras": cameras,
        }
        for section, values in (extra or {}).items():
            config[section] = {**config.get(section, {}), **values}
        data_dir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(yaml.safe_dump(config))
        self.process: subprocess.Popen[bytes] | None = None
        self.admin_password = admin_password or ""
        self._preset_password = admin_password is not None
        self.client = httpx.Client(base_url=self.base_url, timeout=30, auth=_AdminAuth(self))

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def basic_auth(self) -> httpx.BasicAuth:
        """The first admin's credentials, for clients that are not this process's `client`."""
        return httpx.BasicAuth(ADMIN, self.admin_password)

    @property
    def auth_header(self) -> dict[str, str]:
        """An Authorization header for WebSocket clients and ffmpeg's `-headers`."""
        token = base64.b64encode(f"{ADMIN}:{self.admin_password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, timeout_s: float = 180.0) -> None:
        """Start `vms serve` and wait until /healthz answers. A crash fails at once; the long
        deadline is for a loaded machine, where imports and migrations alone take a minute."""
        env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
        env.pop("VMS_ADMIN_PASSWORD", None)
        if self._preset_password:
            env["VMS_ADMIN_PASSWORD"] = self.admin_password
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "vms.cli", "serve", "--config", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        if not wait_for(self._healthy, timeout_s):
            self.stop()
            raise AssertionError(f"VMS did not start:\n{self.log()[-4000:]}")

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"VMS exited with {self.process.returncode}:\n{self.log()}")
        try:
            return self.client.get("/healthz").status_code == 200
        except httpx.TransportError:
            return False

    def stop(self, timeout_s: float = 60.0) -> int:
        """SIGTERM and wait: segments being written are closed and indexed."""
        process, self.process = self.process, None
        if process is None:
            return 0
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, like a power cut of the process."""
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def status(self, camera_id: str) -> dict[str, Any]:
        response = self.client.get(f"/api/v1/cameras/{camera_id}/status")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    def stream_state(self, camera_id: str, stream: str = "main") -> dict[str, Any]:
        for item in self.status(camera_id)["streams"]:
            if item["stream"] == stream:
                found: dict[str, Any] = item
                return found
        raise AssertionError(f"{camera_id} has no {stream} stream")

    def recordings(self, camera_id: str) -> list[dict[str, Any]]:
        response = self.client.get(
            f"/api/v1/cameras/{camera_id}/recordings", params={"limit": 10000}
        )
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()
        return rows

    def threads_and_fds(self) -> tuple[int, int]:
        proc = Path(f"/proc/{self.pid}")
        return len(list((proc / "task").iterdir())), len(list((proc / "fd").iterdir()))

    def close(self) -> None:
        if self.process is not None:
            self.stop()
        self.client.close()


def wait_for(predicate: Callable[[], bool], timeout_s: float, poll_s: float = 0.1) -> bool:
    """Poll until `predicate` holds or the time is up; returns whether it held."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(poll_s)
    return predicate()


def ffprobe_json(path: Path, *extra: str) -> dict[str, Any]:
    """ffprobe's JSON for a file (streams with packet counts); fails the test on error."""
    import json

    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_packets",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
            *extra,
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, f"ffprobe failed on {path}: {result.stderr}"
    data: dict[str, Any] = json.loads(result.stdout)
    return data
