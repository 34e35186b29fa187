"""Playback and export through the real server against the simulated camera (real streams)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from tests.support.media import decoded_video_frames
from tests.support.simulator import free_port, simulator_process
from tests.support.vms_process import VmsProcess, ffprobe_json, wait_for
from vms.media.clockcode import decode_clock
from vms.playback.export import ExportSource, write_export

SIM_ARGS = ("--cameras", "1", "--size", "320x240", "--audio", "none", "--gop-seconds", "1")


def _vms(tmp_path: Path, port: int, segment_s: int) -> VmsProcess:
    url = f"rtsp://127.0.0.1:{port}/cam1/main"
    return VmsProcess(
        tmp_path / "vms", [{"id": "cam1", "main_url": url}], segment_duration_s=segment_s
    )


def _first_clock_ms(url: str, headers: str) -> int | None:
    with av.open(url, options={"headers": headers}) as container:
        for frame in container.decode(video=0):
            return decode_clock(np.asarray(frame.to_ndarray(format="gray"), dtype=np.uint8))
    return None


SEGMENT_S = 5  # short segments (the least VMS takes): a few boundaries, not minutes of video
GAP_MS = 4_000  # the least a gap must last to count as one below
# longer than GAP_MS; short enough that the camera is back before VMS's fifth retry (at ~7.5 s)
OUTAGE_S = 6.0


def _recorded_ms(vms: VmsProcess, since_ms: int = 0) -> int:
    """Milliseconds of closed segments that start after `since_ms`."""
    return sum(r["duration_ms"] for r in vms.recordings("cam1") if r["start_ms"] >= since_ms)


@pytest.mark.slow
def test_outage_shows_as_a_gap_and_vod_spans_it(
    tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    """A camera outage of OUTAGE_S between two recorded runs shows on the timeline as one gap
    caused by the camera, and one VOD playlist spans both runs with a discontinuity, decodes, and
    starts at the burnt-in capture time asked for."""
    port = free_port()
    vms = _vms(tmp_path, port, SEGMENT_S)
    vms_factory.append(vms)
    with simulator_process(*SIM_ARGS, port=port):
        vms.start()  # the camera first: VMS's first try connects, no retry to wait for
        assert wait_for(lambda: vms.stream_state("cam1")["state"] == "streaming", 20)
        # a closed segment; the open one is closed too when the camera goes away
        assert wait_for(lambda: _recorded_ms(vms) >= SEGMENT_S * 1000, 60, poll_s=0.2), (
            vms.recordings("cam1")
        )
    away_at = time.monotonic()
    assert wait_for(lambda: vms.stream_state("cam1")["state"] != "streaming", 30)
    # the outage itself is the scenario: the camera stays away OUTAGE_S in all
    time.sleep(max(0.0, OUTAGE_S - (time.monotonic() - away_at)))
    back_ms = time.time_ns() // 1_000_000
    with simulator_process(*SIM_ARGS, port=port):
        assert wait_for(lambda: vms.stream_state("cam1")["state"] == "streaming", 20)
        assert wait_for(lambda: _recorded_ms(vms, back_ms) >= SEGMENT_S * 1000, 60, poll_s=0.2)
    assert vms.stop() == 0
    vms.start()
    rows = vms.recordings("cam1")
    start_ms, end_ms = rows[0]["start_ms"] + 2000, rows[-1]["end_ms"] - 2000
    timeline = vms.client.get(
        "/api/v1/cameras/cam1/timeline", params={"start": start_ms, "end": end_ms}
    ).json()
    gaps = [g for g in timeline["gaps"] if g["end_ms"] - g["start_ms"] >= GAP_MS]
    assert len(gaps) == 1, timeline
    assert gaps[0]["cause"] == "camera_offline", timeline
    assert len(timeline["recorded"]) == 2

    # ffmpeg re-sends `-headers` with every segment request (credentials in the URL are not
    # re-sent with its byte-range requests)
    headers = "".join(f"{name}: {value}\r\n" for name, value in vms.auth_header.items())
    base = f"http://127.0.0.1:{vms.port}"
    url = f"{base}/api/v1/cameras/cam1/vod.m3u8?start={start_ms}&end={end_ms}"
    playlist = vms.client.get(url.replace(base, "")).text
    gap_part = playlist.split("#EXT-X-DISCONTINUITY")
    assert len(gap_part) >= 2
    assert decoded_video_frames(url, headers) > 0
    clock_ms = _first_clock_ms(url, headers)
    assert clock_ms is not None
    offset = float(playlist.split("TIME-OFFSET=")[1].split(",")[0])
    assert abs(clock_ms + offset * 1000 - start_ms) <= 1000


def _export(vms: VmsProcess, start_ms: int, end_ms: int) -> dict[str, Any]:
    job = vms.client.post(
        "/api/v1/exports", json={"camera": "cam1", "start": str(start_ms), "end": str(end_ms)}
    ).json()
    assert wait_for(
        lambda: (
            vms.client.get(f"/api/v1/exports/{job['id']}").json()["state"]
            not in ("queued", "running")
        ),
        120,
    )
    done: dict[str, Any] = vms.client.get(f"/api/v1/exports/{job['id']}").json()
    return done


def _source_frames(vms: VmsProcess, media_start_ms: int, end_ms: int) -> int:
    count = 0
    for row in vms.recordings("cam1"):
        path = next((vms.data_dir / "recordings").rglob(f"{row['start_ms']}.mp4"))
        container: Any
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            for pkt in container.demux(stream):
                if pkt.pts is None:
                    continue
                wall = row["start_ms"] + float(pkt.pts * stream.time_base * 1000)
                count += media_start_ms <= wall + 0.5 and wall < end_ms
    return count


@pytest.mark.slow
def test_export_across_segment_boundaries_verifies_and_detects_tampering(
    tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    """An export that starts between keyframes and crosses two segment boundaries holds exactly
    the recorded frames of its range, is served with byte ranges, verifies by CLI and API, and
    both detect a flipped byte and a changed manifest; a full disk fails it cleanly."""
    port = free_port()
    vms = _vms(tmp_path, port, SEGMENT_S)
    vms_factory.append(vms)
    with simulator_process(*SIM_ARGS, port=port):
        vms.start()  # the camera first: VMS's first try connects, no retry to wait for
        # three whole segments (the export's range); the fourth is cut when the camera stops
        assert wait_for(lambda: len(vms.recordings("cam1")) >= 3, 90, poll_s=0.2)
    rows = vms.recordings("cam1")
    start_ms = rows[0]["start_ms"] + 2_300
    end_ms = rows[2]["end_ms"] - 1_300
    assert rows[1]["start_ms"] > start_ms and rows[2]["start_ms"] < end_ms  # two boundaries
    job = _export(vms, start_ms, end_ms)
    assert job["state"] == "done", job
    out = tmp_path / "export.mp4"
    out.write_bytes(vms.client.get(job["file_url"]).content)
    manifest = tmp_path / "export.manifest.json"
    manifest.write_bytes(vms.client.get(job["manifest_url"]).content)
    ranged = vms.client.get(job["file_url"], headers={"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.content) == 100

    probe = ffprobe_json(out)
    video = probe["streams"][0]
    frame_s = 1 / 25
    expected_s = (end_ms - job["media_start_ms"]) / 1000
    assert abs(float(video["duration"]) - expected_s) <= 3 * frame_s, (video, expected_s)
    assert int(video["nb_read_packets"]) == _source_frames(vms, job["media_start_ms"], end_ms)
    assert job["media_start_ms"] <= start_ms

    cli = [sys.executable, "-m", "vms.cli", "export", "verify", str(out), str(manifest)]
    assert subprocess.run(cli, capture_output=True, text=True, check=False).returncode == 0
    body = {"manifest": json.loads(manifest.read_text()), "export_id": job["id"]}
    assert vms.client.post("/api/v1/exports/verify", json=body).json()["valid"] is True
    data = bytearray(out.read_bytes())
    data[len(data) // 2] ^= 0xFF
    out.write_bytes(bytes(data))
    failed = subprocess.run(cli, capture_output=True, text=True, check=False)
    assert failed.returncode == 1 and "file.sha256" in failed.stdout
    envelope = json.loads(manifest.read_text())
    envelope["manifest"]["camera_id"] = "cam2"
    verdict = vms.client.post(
        "/api/v1/exports/verify", json={"manifest": envelope, "export_id": job["id"]}
    ).json()
    assert not verdict["valid"]
    assert [i["field"] for i in verdict["issues"]] == ["signature.value"]

    _export_on_a_full_disk(tmp_path, vms, rows, start_ms, end_ms, export_bytes=out.stat().st_size)


def _export_on_a_full_disk(
    tmp_path: Path,
    vms: VmsProcess,
    rows: list[dict[str, Any]],
    start_ms: int,
    end_ms: int,
    *,
    export_bytes: int,
) -> None:
    """The same export onto a disk that holds half of it: OSError, and no partial file left."""
    small = tmp_path / "small"
    small.mkdir()
    size = f"size={max(4, export_bytes // 2 // 1024)}k"
    subprocess.run(["mount", "-t", "tmpfs", "-o", size, "tmpfs", str(small)], check=True)
    try:
        sources = [
            ExportSource(
                r["segment_id"],
                next((vms.data_dir / "recordings").rglob(f"{r['start_ms']}.mp4")),
                r["start_ms"],
                r["end_ms"],
            )
            for r in rows
        ]
        with pytest.raises(OSError) as raised:
            write_export(
                sources,
                start_ms,
                end_ms,
                small / "x.mp4",
                progress=lambda _f: None,
                cancelled=lambda: False,
            )
        assert "No space left" in str(raised.value)
        assert list(small.iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=True)


def test_bad_playback_input_is_refused_cleanly(
    tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    vms = _vms(tmp_path, free_port(), SEGMENT_S)
    vms_factory.append(vms)
    vms.start()
    vod = "/api/v1/cameras/cam1/vod.m3u8"
    empty = vms.client.get(vod, params={"start": 1_000_000, "end": 2_000_000})
    assert empty.status_code == 404 and "no playable recording" in empty.json()["detail"]
    backwards = vms.client.get(vod, params={"start": 2_000_000, "end": 1_000_000})
    assert backwards.status_code == 422
    too_long = vms.client.get(vod, params={"start": 0, "end": 10 * 86_400_000})
    assert too_long.status_code == 422 and "at most" in too_long.json()["detail"]
    timeline = vms.client.get(
        "/api/v1/cameras/cam1/timeline", params={"start": 0, "end": 3_600_000}
    )
    assert timeline.status_code == 200 and timeline.json()["recorded"] == []
    missing = vms.client.post(
        "/api/v1/exports", json={"camera": "cam1", "start": "1000", "end": "2000"}
    )
    assert missing.status_code == 404
