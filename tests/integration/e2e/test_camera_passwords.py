"""Camera passwords with @ : / % # and a space: through `vms camera add --username/--password`
(taken as written) and through percent-encoded URLs, over TCP (VMS's RTSP client) and UDP
(FFmpeg), against the GStreamer camera that requires them; a URL shown with `***` and sent back
keeps the password (ADR 0015)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.support.gst import GstCamera, gst_available
from tests.support.vms_process import VmsProcess, wait_for

USER = "viewer"
PASSWORDS = ["p@ss", "p:ss", "p/ss", "p%41ss", "p#ss", "p ss"]


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    if not gst_available():
        pytest.skip("GStreamer RTSP server (system python3-gi) is not installed")
    process = VmsProcess(tmp_path_factory.mktemp("vms"), [])
    process.start()
    yield process
    process.close()


def _cli_add(vms: VmsProcess, camera_id: str, url: str, *options: str, stdin: str = "") -> None:
    command = [sys.executable, "-m", "vms.cli", "camera", "--api", vms.base_url, "add"]
    command += [camera_id, url, *options]
    env = dict(os.environ, VMS_PASSWORD=vms.admin_password, VMS_USER="admin")
    done = subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr


def _streaming(vms: VmsProcess, camera_ids: list[str]) -> bool:
    return all(vms.stream_state(c)["state"] == "streaming" for c in camera_ids)


@pytest.mark.slow
@pytest.mark.parametrize("password", PASSWORDS)
def test_password_with_special_characters_streams(vms: VmsProcess, password: str) -> None:
    camera = GstCamera(username=USER, password=password, shared=False)
    camera.start()
    name = f"c{PASSWORDS.index(password)}"
    ids = [f"{name}-{way}-{transport}" for way in ("cli", "url") for transport in ("tcp", "udp")]
    try:
        plain = camera.url()
        encoded = camera.url(credentials=f"{quote(USER, safe='')}:{quote(password, safe='')}")
        user = ("--username", USER)
        _cli_add(vms, ids[0], plain, *user, "--password-stdin", stdin=f"{password}\n")
        _cli_add(vms, ids[1], plain, *user, "--password", password, "--transport", "udp")
        _cli_add(vms, ids[2], encoded)
        _cli_add(vms, ids[3], encoded, "--transport", "udp")
        assert wait_for(lambda: _streaming(vms, ids), 60, poll_s=0.5), [
            (c, vms.stream_state(c)["state"], vms.stream_state(c)["last_error"]) for c in ids
        ]
        listed = {c["id"]: c for c in vms.client.get("/api/v1/cameras").json()}
        assert listed[ids[0]]["username"] == USER and listed[ids[0]]["has_password"]
        assert listed[ids[2]]["main_url"] == camera.url(credentials=f"{USER}:***")
        assert password not in str(listed)
    finally:
        for camera_id in ids:
            vms.client.delete(f"/api/v1/cameras/{camera_id}")
        camera.stop()


@pytest.mark.slow
def test_a_percent_in_a_url_is_decoded(vms: VmsProcess, tmp_path: Path) -> None:
    """`%41` in a URL is `A` (RFC 3986): the camera whose password is literally "p%41ss" refuses
    it, and one whose password is "pAss" accepts it; a '%' that starts no escape is refused."""
    literal = GstCamera(username=USER, password="p%41ss")
    decoded = GstCamera(username=USER, password="pAss")
    literal.start()
    decoded.start()
    try:
        _cli_add(vms, "pct-literal", literal.url(credentials=f"{USER}:p%41ss"))
        _cli_add(vms, "pct-decoded", decoded.url(credentials=f"{USER}:p%41ss"))
        assert wait_for(lambda: _streaming(vms, ["pct-decoded"]), 60, poll_s=0.5)
        refused = vms.stream_state("pct-literal")
        assert refused["state"] != "streaming" and refused["last_error"], refused
        bad = vms.client.post(
            "/api/v1/cameras",
            json={"id": "pct-bare", "main_url": literal.url(credentials=f"{USER}:100%sure")},
        )
        assert bad.status_code == 422 and "%25" in bad.text and "100%sure" not in bad.text
    finally:
        for camera_id in ("pct-literal", "pct-decoded"):
            vms.client.delete(f"/api/v1/cameras/{camera_id}")
        literal.stop()
        decoded.stop()


@pytest.mark.slow
def test_a_raw_at_sign_in_a_url_and_the_shown_url_sent_back(vms: VmsProcess) -> None:
    """`rtsp://viewer:p@ss:w@host/` is user viewer, password p@ss:w: it streams, is listed with
    no part of the password, and a PATCH that sends the listed URL back keeps the password (the
    camera streams again after it restarts with it)."""
    password = "p@ss:w"
    camera = GstCamera(username=USER, password=password, shared=False)
    camera.start()
    try:
        _cli_add(vms, "raw-at", camera.url(credentials=f"{USER}:{password}"))
        assert wait_for(lambda: _streaming(vms, ["raw-at"]), 60, poll_s=0.5), vms.stream_state(
            "raw-at"
        )
        shown = vms.client.get("/api/v1/cameras/raw-at").json()["main_url"]
        assert shown == camera.url(credentials=f"{USER}:***")
        off = vms.client.patch("/api/v1/cameras/raw-at", json={"enabled": False})
        assert off.status_code == 200, off.text
        assert wait_for(lambda: not _streaming(vms, ["raw-at"]), 30, poll_s=0.2)
        back = vms.client.patch("/api/v1/cameras/raw-at", json={"main_url": shown, "enabled": True})
        assert back.status_code == 200 and back.json()["main_url"] == shown, back.text
        assert wait_for(lambda: _streaming(vms, ["raw-at"]), 60, poll_s=0.5), vms.stream_state(
            "raw-at"
        )
    finally:
        vms.client.delete("/api/v1/cameras/raw-at")
        camera.stop()
