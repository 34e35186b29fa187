"""Authentication end to end: a real `vms serve` started without VMS_ADMIN_PASSWORD, its made-up
password, the cookie flow over HTTP, the MSE WebSocket and the RTSP restream with real clients."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from tests.support.auth import basic_header
from tests.support.live import is_streaming, live_camera
from tests.support.restream import play, read_rtp
from tests.support.simulator import RawRtspClient, ffprobe_streams, simulator_process
from tests.support.vms_process import ADMIN, REPO, VmsProcess, wait_for

MADE_UP = re.compile(r"created the user 'admin' with the password: (\S+)")
SMALL = ("--size", "320x240", "--fps", "10", "--bitrate", "300k", "--gop-seconds", "1")
SESSION_COOKIE = "vms_session"


def made_up_passwords(vms: VmsProcess) -> list[str]:
    return MADE_UP.findall(vms.log())


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    """`vms serve` (no VMS_ADMIN_PASSWORD) pulling one streaming camera `cam`; its admin
    password is the one it printed."""
    with simulator_process(*SMALL) as sim:
        process = VmsProcess(
            tmp_path_factory.mktemp("auth"), [live_camera("cam", sim)], admin_password=None
        )
        process.start()
        try:
            printed = made_up_passwords(process)
            assert len(printed) == 1, process.log()[-3000:]
            process.admin_password = printed[0]
            assert wait_for(lambda: is_streaming(process, "cam"), 30), process.log()[-3000:]
            yield process
        finally:
            process.close()


def test_made_up_password_is_printed_once_and_signs_in_with_a_cookie(vms: VmsProcess) -> None:
    password = vms.admin_password
    assert len(password) >= 8
    assert vms.log().count(password) == 1  # shown once, never logged anywhere else
    with httpx.Client(base_url=vms.base_url, timeout=30) as browser:
        assert browser.get("/api/v1/cameras").status_code == 401
        assert browser.get("/api/v1/auth/session").status_code == 204
        wrong = browser.post("/api/v1/auth/session", json={"username": ADMIN, "password": "x"})
        assert wrong.status_code == 401
        signed = browser.post(
            "/api/v1/auth/session", json={"username": ADMIN, "password": password}
        )
        assert signed.status_code == 200, signed.text
        assert signed.json()["user"]["role"] == "admin"
        assert "httponly" in signed.headers["set-cookie"].lower()
        cameras = browser.get("/api/v1/cameras")  # the cookie alone
        assert cameras.status_code == 200
        assert [c["id"] for c in cameras.json()] == ["cam"]
        assert browser.delete("/api/v1/auth/session").status_code == 204
        assert browser.get("/api/v1/cameras").status_code == 401


def test_metrics_need_credentials_health_does_not(vms: VmsProcess) -> None:
    with httpx.Client(base_url=vms.base_url, timeout=30) as anonymous:
        assert anonymous.get("/healthz").status_code == 200
        refused = anonymous.get("/metrics")
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Basic")
        assert anonymous.get("/metrics", auth=vms.basic_auth).status_code == 200


def _mse_url(vms: VmsProcess) -> str:
    return f"ws://127.0.0.1:{vms.port}/api/v1/cameras/cam/live.mp4"


def test_mse_websocket_refuses_anonymous_and_plays_for_a_user(vms: VmsProcess) -> None:
    async def refused(headers: dict[str, str]) -> InvalidStatus:
        try:
            async with connect(_mse_url(vms), additional_headers=headers, open_timeout=10) as ws:
                await asyncio.wait_for(ws.recv(), 10)
        except InvalidStatus as exc:
            return exc
        raise AssertionError("a client without valid credentials was sent live video")

    async def signed_in(headers: dict[str, str]) -> tuple[dict[str, str], bytes]:
        async with connect(_mse_url(vms), additional_headers=headers, max_size=None) as ws:
            hello = await asyncio.wait_for(ws.recv(), 10)
            init = await asyncio.wait_for(ws.recv(), 10)
            assert isinstance(hello, str) and isinstance(init, bytes)
            return json.loads(hello), init

    anonymous = asyncio.run(refused({})).response  # the upgrade is answered with a problem
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert json.loads(anonymous.body)["status"] == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    wrong = asyncio.run(refused(basic_header(ADMIN, "not-the-password"))).response
    assert wrong.status_code == 401
    hello, init = asyncio.run(signed_in(vms.auth_header))
    assert "avc1" in json.dumps(hello)
    assert init[4:8] == b"ftyp"
    with httpx.Client(base_url=vms.base_url, timeout=30) as browser:  # the web client's way
        body = {"username": ADMIN, "password": vms.admin_password}
        assert browser.post("/api/v1/auth/session", json=body).status_code == 200
        cookie = {
            "Cookie": f"{SESSION_COOKIE}={browser.cookies[SESSION_COOKIE]}",
            "Origin": vms.base_url,
        }
    hello, _ = asyncio.run(signed_in(cookie))
    assert "avc1" in json.dumps(hello)
    cross_site = {**vms.auth_header, "Origin": "http://evil.example"}  # remembered credentials
    assert asyncio.run(refused(cross_site)).response.status_code == 403


def test_rtsp_restream_asks_for_and_checks_the_users_password(vms: VmsProcess) -> None:
    url = f"rtsp://127.0.0.1:{vms.rtsp_port}/cam"
    client = RawRtspClient(vms.rtsp_port)
    try:
        anonymous = client.request("DESCRIBE", url)
        assert anonymous.status == 401
        assert anonymous.headers["www-authenticate"] == 'Basic realm="vms"'
        wrong = basic_header(ADMIN, "not-the-password")
        assert client.request("DESCRIBE", url, wrong).status == 401
        described = client.request("DESCRIBE", url, vms.auth_header)
        assert described.status == 200
        assert b"m=video" in described.body
    finally:
        client.close()
    player, _, _ = play(vms.rtsp_port, "cam", vms.auth_header)
    try:
        assert len(read_rtp(player)) > 12
    finally:
        player.close()
    with_password = f"rtsp://{ADMIN}:{vms.admin_password}@127.0.0.1:{vms.rtsp_port}/cam"
    video = ffprobe_streams(with_password)[0]
    assert (video["codec_name"], video["width"]) == ("h264", "320")
    bad = f"rtsp://{ADMIN}:wrong-password@127.0.0.1:{vms.rtsp_port}/cam"
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-rtsp_transport", "tcp", bad],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert probe.returncode != 0
    assert "401" in probe.stderr


def test_rtsp_users_are_the_api_users(vms: VmsProcess) -> None:
    """A viewer made over the API plays the restream at once; removed, they no longer can."""
    made = vms.client.post("/api/v1/users", json={"username": "rita", "password": "rita-password"})
    assert made.status_code == 201, made.text
    rita = basic_header("rita", "rita-password")
    url = f"rtsp://127.0.0.1:{vms.rtsp_port}/cam"
    client = RawRtspClient(vms.rtsp_port)
    try:
        assert client.request("DESCRIBE", url, rita).status == 200
        assert vms.client.delete(f"/api/v1/users/{made.json()['id']}").status_code == 204
        assert client.request("DESCRIBE", url, rita).status == 401
    finally:
        client.close()


def test_restart_prints_no_new_password_and_keeps_the_old_one(tmp_path: Path) -> None:
    vms = VmsProcess(tmp_path / "vms", [], admin_password=None)
    try:
        vms.start()
        printed = made_up_passwords(vms)
        assert len(printed) == 1
        vms.admin_password = printed[0]
        assert vms.client.get("/api/v1/users").status_code == 200
        assert vms.stop() == 0
        vms.start()
        assert made_up_passwords(vms) == printed  # the log holds both runs: still only one
        assert vms.client.get("/api/v1/users").status_code == 200
    finally:
        vms.close()


def test_too_short_admin_password_is_refused_at_start(tmp_path: Path) -> None:
    config = tmp_path / "vms.yaml"
    config.write_text(yaml.safe_dump({"storage": {"data_dir": str(tmp_path)}, "cameras": []}))
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), VMS_ADMIN_PASSWORD="Zq7-x")
    done = subprocess.run(
        [sys.executable, "-m", "vms.cli", "serve", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=180,  # a loaded machine takes a minute for the imports alone
        env=env,
        check=False,
    )
    assert done.returncode != 0
    assert "VMS_ADMIN_PASSWORD" in done.stderr and "at least 8" in done.stderr
    assert "Zq7-x" not in done.stderr  # the refused password is not echoed
