"""The simulator process: many clients, hostile input, restart on the same port, file loops."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.support.simulator import (
    REPO,
    RawRtspClient,
    ffprobe_streams,
    run_tool,
    simulator_process,
    video_packet_count,
)

SMALL = ("--size", "320x240", "--fps", "10", "--bitrate", "300k")


def _play(port: int, path: str) -> RawRtspClient:
    client = RawRtspClient(port)
    url = f"rtsp://127.0.0.1:{port}/{path}"
    setup = client.request(
        "SETUP", f"{url}/trackID=0", {"Transport": "RTP/AVP/TCP;unicast;interleaved=0-1"}
    )
    assert setup.status == 200
    session = setup.headers["session"].split(";")[0]
    assert client.request("PLAY", url, {"Session": session}).status == 200
    return client


def _access_units(client: RawRtspClient, count: int) -> int:
    """Read until `count` video access units (marker bits on channel 0) arrived."""
    seen = 0
    while seen < count:
        channel, packet = client.read_frame()
        if channel == 0 and packet[1] & 0x80:
            seen += 1
    return seen


def test_twenty_concurrent_tcp_clients_all_receive_frames() -> None:
    with simulator_process(*SMALL, "--audio", "none", "--cameras", "2") as sim:
        paths = [f"cam{1 + i % 2}/{'main' if i % 4 < 2 else 'sub'}" for i in range(20)]
        clients = [_play(sim.port, path) for path in paths]
        try:
            with ThreadPoolExecutor(max_workers=20) as pool:
                counts = list(pool.map(lambda c: _access_units(c, 15), clients))
        finally:
            for client in clients:
                client.close()
    assert counts == [15] * 20


def test_garbage_and_half_requests_do_not_crash_the_process() -> None:
    with simulator_process(*SMALL, "--audio", "none") as sim:
        for garbage in (bytes(range(256)) * 64, b"\r\n\r\n\x00\x00$", b"PLAY * RTSP/9.9\r\n\r\n"):
            client = RawRtspClient(sim.port)
            client.send_raw(garbage)
            reply = client.read_until_closed()
            assert reply == b"" or reply.startswith(b"RTSP/1.0 400")
            client.close()
        half = RawRtspClient(sim.port)
        half.send_raw(b"DESCRIBE rtsp://127.0.0.1/cam1/main RTSP/1.0\r\nCSe")
        half.close()
        interrupted = _play(sim.port, "cam1/main")
        interrupted.close()  # vanishes mid-stream without TEARDOWN
        assert sim.process.poll() is None
        (video,) = ffprobe_streams(sim.url())
        assert video["codec_name"] == "h264"


def test_restart_on_the_same_port_right_away() -> None:
    with simulator_process(*SMALL, "--audio", "none") as first:
        port = first.port
        client = _play(port, "cam1/main")
        _access_units(client, 2)
    client.close()
    with simulator_process(*SMALL, "--audio", "none", port=port) as second:
        assert ffprobe_streams(second.url())[0]["codec_name"] == "h264"


def _write_sample(path: Path, *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vms.simulator", "--write-sample", str(path), *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr


def test_file_source_loops_with_continuous_timestamps(tmp_path: Path) -> None:
    sample = tmp_path / "sample.mp4"
    _write_sample(sample, *SMALL, "--seconds", "2", "--gop-seconds", "1", "--audio", "aac")
    streams = ffprobe_streams(str(sample))
    assert [s["codec_name"] for s in streams] == ["h264", "aac"]
    out = tmp_path / "out.mp4"
    with simulator_process("--source", str(sample), "--cameras", "3") as sim:
        main, audio = ffprobe_streams(sim.url(3, "main"), "udp")
        assert (main["width"], main["height"], audio["codec_name"]) == ("320", "240", "aac")
        sub = ffprobe_streams(sim.url(3, "sub"))[0]
        assert (sub["width"], sub["height"]) == ("160", "120")
        result = run_tool(
            [
                "ffmpeg",
                "-rtsp_transport",
                "tcp",
                "-i",
                sim.url(2),
                "-t",
                "5",
                "-c",
                "copy",
                "-y",
                str(out),
            ]
        )
        assert result.returncode == 0, result.stderr
    assert "Non-monotonic" not in result.stderr  # loops (2 s file) continue the timestamps
    assert 10 * 4 - 2 <= video_packet_count(out) <= 10 * 5 + 2
