"""`vms demo`, what `make run` starts: simulated cameras, SQLite and a local folder."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml

from vms.analytics.zones import Zone
from vms.analytics.zones_repo import ZonesRepo
from vms.cameras.cameras_repo import CamerasRepo
from vms.cameras.definitions import row_from_config
from vms.config import Settings, load_settings
from vms.core.clock import SystemClock
from vms.db.engine import create_engine, migrate
from vms.server import serve

DEMO_MOTION_PERIOD_S = 20
DEMO_MOTION_ON_S = 4
DEMO_ZONE = Zone("Scene", "zone", ((0.0, 0.45), (1.0, 0.45), (1.0, 1.0), (0.0, 1.0)))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _simulator(cameras: int, port: int) -> Iterator[str]:
    """Start `vms simulate` as a child process and wait until it serves."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "vms.simulator",
            "--cameras",
            str(cameras),
            "--port",
            str(port),
            # the bar crosses the picture in bursts, so motion events begin and end
            "--motion-period",
            str(DEMO_MOTION_PERIOD_S),
            "--motion-on",
            str(DEMO_MOTION_ON_S),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("ready "):
            raise RuntimeError("the camera simulator did not start")
        yield line.removeprefix("ready ")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _seed_zones(settings: Settings) -> None:
    """Give each demo camera a zone below the simulator's burnt-in clock, on the first start.

    The clock code in the picture's top corner changes every frame; without a zone, motion
    detection would (rightly) see motion there all the time. Cameras come from the config file,
    zones only from the database, so the rows are made here before VMS starts.
    """
    engine = create_engine(settings.database.url)
    try:
        migrate(engine)
        clock = SystemClock()
        cameras, zones = CamerasRepo(engine, clock), ZonesRepo(engine, clock)
        known = {row.id for row in cameras.list()}
        for camera in settings.cameras:
            if camera.camera_id not in known:
                cameras.add(row_from_config(camera))
                zones.replace(camera.camera_id, [DEMO_ZONE])
    finally:
        engine.dispose()


def run_demo(*, cameras: int, data_dir: Path, port: int) -> int:
    """`make run`: simulated cameras, SQLite and a local folder, all under `data_dir`.

    The configuration is written to `<data_dir>/demo.yaml` first, so it is also an example of
    a real configuration file.
    """
    with _simulator(cameras, _free_port()) as rtsp:
        config = {
            "server": {"port": port},
            "storage": {"data_dir": str(data_dir)},
            "cameras": [
                {
                    "id": f"cam{i}",
                    "name": f"Simulated camera {i}",
                    "main_url": f"{rtsp}/cam{i}/main",
                    "sub_url": f"{rtsp}/cam{i}/sub",
                    "motion": True,
                }
                for i in range(1, cameras + 1)
            ],
        }
        data_dir.mkdir(parents=True, exist_ok=True)
        path = data_dir / "demo.yaml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        settings = load_settings(path, os.environ)
        _seed_zones(settings)
        print(f"VMS is starting: http://127.0.0.1:{port}/  (Ctrl+C stops it)")
        print(
            "Sign in as admin: the first start prints a made-up password below (or set "
            "VMS_ADMIN_PASSWORD first); `vms user password admin` resets it. "
            f"API: http://127.0.0.1:{port}/api/v1/docs"
        )
        print(f"Configuration: {path}; cameras from {rtsp}")
        restream = f"rtsp://127.0.0.1:{settings.server.rtsp_port}"
        print(
            f"Live: {restream}/cam1 (RTSP restream), http://127.0.0.1:{port}/api/v1/cameras/cam1/"
            "live.m3u8 (LL-HLS), POST .../whep (WebRTC)",
            flush=True,
        )
        return serve(settings)
