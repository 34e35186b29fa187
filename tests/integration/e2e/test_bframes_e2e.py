"""Cameras sending B-frames (GStreamer, x264 bframes=2 and x265 bframes=3) through `vms serve`.

Over the project's own RTSP client (TCP, the default) and FFmpeg's demuxer (`transport: udp`) the
recordings hold every frame from the first keyframe, with their B-frames, in one segment per
recording period; the restream and LL-HLS play every frame; WHEP says 409 and names MSE and
LL-HLS. One VMS process serves the module.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCPeerConnection

from tests.integration.e2e.test_recording_e2e import segment_path
from tests.support.gst import GstCamera, gst_available
from tests.support.vms_process import VmsProcess, wait_for

pytestmark = pytest.mark.gstreamer

FRAME_TICKS = 3600  # 25 fps on a 90 kHz clock (the MP4 timescale is the RTP clock)
FRAME_MS = 40
_FFPROBE = ("ffprobe", "-v", "error", "-select_streams", "v:0")
SEGMENT_S = 5
RECORDED_MS = 8000
# camera id -> (path on the GStreamer camera, B-frames, transport)
CAMERAS = {
    "h264tcp": ("h264", 2, "tcp"),
    "h264udp": ("h264", 2, "udp"),
    "h265tcp": ("h265", 3, "tcp"),
    "h265udp": ("h265", 3, "udp"),
}


@dataclass(frozen=True, slots=True)
class Setup:
    vms: VmsProcess

    def url(self, path: str) -> str:
        """An authenticated URL on VMS's HTTP server, as a user would give ffprobe."""
        return f"http://admin:{self.vms.admin_password}@127.0.0.1:{self.vms.port}{path}"

    def restream(self, camera_id: str) -> str:
        return f"rtsp://admin:{self.vms.admin_password}@127.0.0.1:{self.vms.rtsp_port}/{camera_id}"


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    if not gst_available():
        pytest.skip("GStreamer RTSP server (system python3-gi) is not installed")
    cameras = {bframes: GstCamera(bframes=bframes, shared=False) for bframes in (2, 3)}
    for camera in cameras.values():
        camera.start()
    configs = [
        {"id": camera_id, "main_url": cameras[bframes].url(path), "transport": transport}
        for camera_id, (path, bframes, transport) in CAMERAS.items()
    ]
    vms = VmsProcess(tmp_path_factory.mktemp("bframes"), configs, segment_duration_s=SEGMENT_S)
    try:
        vms.start()
        yield Setup(vms)
    finally:
        vms.close()
        for camera in cameras.values():
            camera.stop()


def _recorded_ms(vms: VmsProcess, camera_id: str) -> int:
    return sum(int(row["duration_ms"]) for row in vms.recordings(camera_id))


def _video_packets(path: Path) -> list[dict[str, Any]]:
    probe = subprocess.run(
        [*_FFPROBE, "-show_entries", "packet=pts,dts,flags", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    packets: list[dict[str, Any]] = json.loads(probe.stdout)["packets"]
    return packets


def _picture_types(source: str, *options: str) -> tuple[list[str], list[int], str]:
    """Decoded pictures' types and timestamps (in display order) and ffprobe's error output."""
    probe = subprocess.run(
        [*_FFPROBE, *options, "-show_entries", "frame=pict_type,pts", "-of", "json", source],
        capture_output=True,
        text=True,
        check=False,
        timeout=90,
    )
    assert probe.returncode == 0, probe.stderr
    frames = json.loads(probe.stdout)["frames"]
    # FFmpeg's RTSP demuxer gives the first picture of a session no timestamp.
    pts = [int(f["pts"]) for f in frames if "pts" in f]
    assert len(pts) >= len(frames) - 1
    return [f["pict_type"] for f in frames], pts, probe.stderr


def _assert_every_frame(pts: list[int], step: int) -> None:
    """The pictures follow one another one frame apart: none is missing or shown twice."""
    ordered = sorted(pts)
    gaps = {b - a for a, b in itertools.pairwise(ordered)}
    assert gaps == {step}, sorted(gaps)[:10]


@pytest.mark.parametrize("camera_id", list(CAMERAS))
def test_recordings_hold_every_frame_with_its_b_frames(setup: Setup, camera_id: str) -> None:
    vms = setup.vms
    recorded = wait_for(lambda: _recorded_ms(vms, camera_id) >= RECORDED_MS, 60, poll_s=0.5)
    rows = vms.recordings(camera_id)
    assert recorded, [(r["start_ms"], r["duration_ms"]) for r in rows[:20]]
    # One segment per recording period, not one per GOP (a GOP is 1 s here). Not a count: more
    # segments may have closed between the wait and the listing.
    assert all(row["duration_ms"] >= (SEGMENT_S - 1) * 1000 for row in rows), rows
    for prev, nxt in itertools.pairwise(rows):
        # VMS's warnings say whether the camera fell behind (sender reports no longer trusted).
        warnings = [line for line in vms.log().splitlines() if '"warning"' in line]
        assert abs(nxt["start_ms"] - prev["end_ms"]) <= 2 * FRAME_MS, (prev, nxt, warnings)
    for row in rows:
        path = segment_path(vms, row)
        packets = _video_packets(path)
        assert packets[0]["flags"].startswith("K")
        # Composition offsets are stored: decode and presentation times differ.
        assert any(p["pts"] != p["dts"] for p in packets)
        assert len(packets) * FRAME_MS == pytest.approx(row["duration_ms"], abs=FRAME_MS)
        types, pts, errors = _picture_types(str(path))
        assert not errors
        assert "B" in types
        assert len(types) == len(packets)  # every packet decodes into a picture
        _assert_every_frame(pts, FRAME_TICKS)
        decoded = subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert decoded.returncode == 0 and not decoded.stderr, decoded.stderr
    log = vms.log()
    assert "went backwards" not in log
    assert "new generation" not in log


@pytest.mark.parametrize("camera_id", ["h264tcp", "h265tcp"])
def test_the_restream_plays_every_frame(setup: Setup, camera_id: str) -> None:
    types, pts, errors = _picture_types(
        setup.restream(camera_id), "-rtsp_transport", "tcp", "-read_intervals", "%+4"
    )
    assert not errors
    assert "B" in types and len(types) >= 75  # 25 fps
    _assert_every_frame(pts, FRAME_TICKS)


@pytest.mark.parametrize("camera_id", ["h264tcp", "h265tcp"])
def test_llhls_plays_every_frame(setup: Setup, camera_id: str) -> None:
    url = setup.url(f"/api/v1/cameras/{camera_id}/live.m3u8")
    types, pts, errors = _picture_types(url, "-read_intervals", "%+4")
    assert not errors
    assert "B" in types and len(types) >= 75
    _assert_every_frame(pts, FRAME_TICKS)


async def _offer() -> str:
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    offer = await pc.createOffer()
    await pc.close()
    return str(offer.sdp)


def test_the_snapshot_and_whep_of_a_b_frame_camera(setup: Setup) -> None:
    vms = setup.vms
    snapshot = vms.client.get("/api/v1/cameras/h264tcp/snapshot.jpg")
    assert snapshot.status_code == 200, snapshot.text
    assert snapshot.content.startswith(b"\xff\xd8")
    response = vms.client.post(
        "/api/v1/cameras/h264tcp/whep",
        content=asyncio.run(_offer()),
        headers={"content-type": "application/sdp"},
    )
    assert response.status_code == 409, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail = response.json()["detail"]
    assert "B-frames" in detail
    assert "/api/v1/cameras/h264tcp/live.mp4" in detail
    assert "/api/v1/cameras/h264tcp/live.m3u8" in detail
