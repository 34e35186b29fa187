"""The recording being written: on the timeline and in VOD within seconds, not after its segment."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.support.media import decoded_video_frames
from tests.support.simulator import free_port, simulator_process
from tests.support.vms_process import VmsProcess, ffprobe_json, wait_for

SIM_ARGS = ("--cameras", "1", "--size", "320x240", "--audio", "none", "--gop-seconds", "1")
LIVE_EDGE_MS = 4000  # the last fsynced fragment is at most ~2 s old; slack for a busy machine


def _timeline(vms: VmsProcess, start_ms: int) -> dict[str, Any]:
    now_ms = int(time.time() * 1000)
    timeline: dict[str, Any] = vms.client.get(
        "/api/v1/cameras/cam1/timeline", params={"start": start_ms, "end": now_ms + 60_000}
    ).json()
    timeline["now_ms"] = now_ms
    return timeline


def _live_edge_ms(timeline: dict[str, Any]) -> int | None:
    """How far behind now the in-progress interval ends (None without one)."""
    live = [i for i in timeline["recorded"] if i["in_progress"]]
    return timeline["now_ms"] - live[0]["end_ms"] if live else None


def _live_length_ms(timeline: dict[str, Any]) -> int:
    live = [i for i in timeline["recorded"] if i["in_progress"]]
    return live[0]["end_ms"] - live[0]["start_ms"] if live else 0


@pytest.mark.slow
def test_the_open_segment_is_shown_in_progress_and_plays(
    tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    port = free_port()
    url = f"rtsp://127.0.0.1:{port}/cam1/main"
    vms = VmsProcess(tmp_path / "vms", [{"id": "cam1", "main_url": url}], segment_duration_s=60)
    vms_factory.append(vms)
    vms.start()
    start_ms = int(time.time() * 1000)
    with simulator_process(*SIM_ARGS, port=port):
        assert wait_for(lambda: vms.stream_state("cam1")["state"] == "streaming", 30)
        # within seconds of the first frame (not after the 60 s segment), the timeline shows it
        assert wait_for(lambda: _live_length_ms(_timeline(vms, start_ms)) >= 4000, 30)
        timeline = _timeline(vms, start_ms)
        assert vms.recordings("cam1") == []  # nothing closed and indexed yet
        edge_ms = _live_edge_ms(timeline)
        assert edge_ms is not None and edge_ms <= LIVE_EDGE_MS, timeline
        [live] = [i for i in timeline["recorded"] if i["in_progress"]]
        assert not [g for g in timeline["gaps"] if g["cause"] == "vms_down"], timeline
        assert not [g for g in timeline["gaps"] if g["end_ms"] > live["start_ms"]], timeline

        headers = "".join(f"{name}: {value}\r\n" for name, value in vms.auth_header.items())
        vod = (
            f"{vms.base_url}/api/v1/cameras/cam1/vod.m3u8"
            f"?start={live['start_ms']}&end={timeline['now_ms']}"
        )
        playlist = vms.client.get(vod.removeprefix(vms.base_url))
        assert playlist.status_code == 200, playlist.text
        assert "segments/main/" in playlist.text
        vod_frames = decoded_video_frames(vod, headers)
        vod_span_ms = live["end_ms"] - live["start_ms"]

    # the camera stopped: the segment is closed and indexed, and its interval a normal one
    assert wait_for(lambda: len(vms.recordings("cam1")) == 1, 30)
    timeline = _timeline(vms, start_ms)
    assert timeline["recorded"] and not any(i["in_progress"] for i in timeline["recorded"])
    [row] = vms.recordings("cam1")
    assert timeline["recorded"][-1]["end_ms"] == row["end_ms"]
    # The in-progress VOD held every frame the finished file has in that span (a frame of slack
    # at either end). Counted in the file, not from 25 fps: a loaded simulator skips frames.
    closed = tmp_path / "closed.mp4"
    closed.write_bytes(vms.client.get(row["file_url"]).content)
    expected = frames_within(closed, vod_span_ms)
    assert expected >= 10 * vod_span_ms // 1000, expected  # the span really held video
    assert vod_frames >= expected - 2, (vod_frames, expected, playlist.text)


def frames_within(path: Path, span_ms: int) -> int:
    """Video frames of a file whose time from the file's first frame is under `span_ms`."""
    times = ffprobe_json(path, "-select_streams", "v:0", "-show_packets")["packets"]
    pts = sorted(float(packet["pts_time"]) for packet in times)
    return sum(1 for t in pts if (t - pts[0]) * 1000 < span_ms)
