"""A camera that changes its picture size while streaming, through the real VMS server process:
a new segment (one init, one size) per change, the status follows, and the LL-HLS playlist
has a discontinuity with a new map. Over TCP (our RTSP client) and UDP (FFmpeg's demuxer)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.gst import gst_available
from tests.support.resize_camera import ResizeCamera
from tests.support.vms_process import VmsProcess, wait_for

pytestmark = pytest.mark.gstreamer

SIZES = {(320, 240), (160, 120)}
PLAYLIST = "/api/v1/cameras/{camera}/live.m3u8"


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    if not gst_available():
        pytest.skip("GStreamer RTSP server (system python3-gi) is not installed")
    camera = ResizeCamera(switch_s=4.0)
    camera.start()
    cameras = [
        {"id": "tcp", "main_url": camera.url("h264"), "transport": "tcp"},
        {"id": "udp", "main_url": camera.url("h265"), "transport": "udp"},
    ]
    process = VmsProcess(tmp_path_factory.mktemp("resize") / "vms", cameras)
    try:
        process.start()
        yield process
    finally:
        process.close()
        camera.stop()


def frame_sizes(path: Path) -> list[tuple[int, int]]:
    """The size of every decoded video frame, by ffprobe."""
    result = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-select_streams", "v:0"),
            *("-show_entries", "frame=width,height", "-of", "json", str(path)),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    frames = json.loads(result.stdout)["frames"]
    return [(int(f["width"]), int(f["height"])) for f in frames]


def decode_errors(path: Path) -> str:
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    return result.stderr.strip() + (
        "" if result.returncode == 0 else f" (exit {result.returncode})"
    )


def download(vms: VmsProcess, row: dict[str, Any]) -> Path:
    response = vms.client.get(str(row["file_url"]))
    response.raise_for_status()
    path = vms.data_dir / f"segment-{row['segment_id']}.mp4"
    path.write_bytes(response.content)
    return path


@pytest.mark.parametrize("camera", ["tcp", "udp"])
def test_status_follows_the_picture_size(vms: VmsProcess, camera: str) -> None:
    seen: set[tuple[int, int]] = set()

    def both_seen() -> bool:
        state = vms.stream_state(camera)
        if state["state"] in ("streaming", "degraded") and state["width"]:
            seen.add((state["width"], state["height"]))
        return seen >= SIZES

    assert wait_for(both_seen, 60, poll_s=0.25), (seen, vms.log()[-3000:])


@pytest.mark.parametrize("camera", ["tcp", "udp"])
def test_llhls_playlist_has_a_discontinuity_and_a_new_map(vms: VmsProcess, camera: str) -> None:
    url = PLAYLIST.format(camera=camera)
    text = ""

    def changed() -> bool:
        nonlocal text
        response = vms.client.get(url)
        text = response.text if response.status_code == 200 else ""
        maps = {line for line in text.splitlines() if line.startswith("#EXT-X-MAP:")}
        return len(maps) >= 2 and "\n#EXT-X-DISCONTINUITY\n" in text

    assert wait_for(changed, 60, poll_s=0.5), text
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if line == "#EXT-X-DISCONTINUITY":
            assert lines[index + 1].startswith("#EXT-X-MAP:"), lines[index : index + 3]


@pytest.mark.parametrize("camera", ["tcp", "udp"])
def test_each_size_is_recorded_in_its_own_decodable_segment(vms: VmsProcess, camera: str) -> None:
    assert wait_for(lambda: len(vms.recordings(camera)) >= 3, 90, poll_s=0.5), vms.log()[-3000:]
    rows = vms.recordings(camera)[:3]
    sizes = []
    for row in rows:
        path = download(vms, row)
        assert decode_errors(path) == "", row
        in_file = set(frame_sizes(path))
        assert len(in_file) == 1, (row, in_file)  # one size (one init) per file
        sizes.append(in_file.pop())
        with path.open("rb") as file:
            assert file.read().count(b"moov") == 1  # one init segment
    assert set(sizes) <= SIZES and sizes[0] != sizes[1] and sizes[1] != sizes[2], sizes
