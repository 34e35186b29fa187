"""SRT out of a real VMS process (listener and caller) and SRT cameras into it; ffmpeg peers."""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.simulator import RunningSimulator, free_port, run_tool, simulator_process
from tests.support.vms_process import VmsProcess, wait_for
from vms.core.clock import SystemClock
from vms.core.ids import CameraId, StreamName
from vms.ingest.health import SourceState
from vms.ingest.hub import StreamHub
from vms.ingest.source import Source
from vms.media import srt
from vms.media.packet import Packet, StreamInfo

pytestmark = pytest.mark.skipif(not srt.available(), reason="libsrt is not installed")

SMALL = ("--size", "320x240", "--fps", "10", "--bitrate", "300k", "--gop-seconds", "1")
PASSPHRASE = "vms-secret-123"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True, slots=True)
class Outputs:
    sim: RunningSimulator
    vms: VmsProcess
    listener: int
    secret_listener: int
    caller_target: int


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outputs]:
    """VMS pulling one simulated camera (H.264 + AAC) and sending it out three ways."""
    listener, secret, target = free_udp_port(), free_udp_port(), free_udp_port()
    srt_outputs = [
        {"camera": "cam1", "mode": "listener", "host": "127.0.0.1", "port": listener},
        {
            "camera": "cam1",
            "stream": "sub",
            "mode": "listener",
            "host": "127.0.0.1",
            "port": secret,
            "passphrase": PASSPHRASE,
        },
        {"camera": "cam1", "mode": "caller", "host": "127.0.0.1", "port": target},
    ]
    with simulator_process(*SMALL) as sim:
        vms = VmsProcess(
            tmp_path_factory.mktemp("vms"),
            [{"id": "cam1", "main_url": sim.url(), "sub_url": sim.url(1, "sub"), "record": False}],
            extra={"server": {"rtsp_port": free_port()}, "live": {"srt_outputs": srt_outputs}},
        )
        vms.start()
        try:
            assert wait_for(lambda: vms.stream_state("cam1")["state"] == "streaming", 30)
            yield Outputs(sim, vms, listener, secret, target)
            assert vms.stop() == 0  # SIGTERM: listeners, peers and threads end cleanly
        finally:
            vms.close()


def probe(path: Path) -> dict[str, dict[str, object]]:
    """codec name -> ffprobe's stream fields, frames counted by decoding."""
    result = run_tool(
        [
            *("ffprobe", "-v", "error", "-count_frames", "-of", "json"),
            *("-show_entries", "stream=codec_name,codec_type,width,nb_read_frames"),
            str(path),
        ],
        timeout_s=60,
    )
    assert result.returncode == 0, result.stderr
    return {s["codec_name"]: s for s in json.loads(result.stdout)["streams"]}


def decode_errors(path: Path) -> str:
    result = run_tool(["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"], timeout_s=60)
    assert result.returncode == 0
    return result.stderr


def pull(url: str, out: Path, seconds: float = 3.0) -> subprocess.CompletedProcess[str]:
    """ffmpeg as the SRT peer: record `seconds` of what arrives, by stream copy."""
    command = ["ffmpeg", "-v", "error", "-y", "-i", url, "-t", str(seconds), "-c", "copy", str(out)]
    return run_tool(command, timeout_s=60)


def test_listener_output_is_decodable_mpegts_and_listens_again(
    outputs: Outputs, tmp_path: Path
) -> None:
    for attempt in range(2):  # the second caller comes after the first one left
        out = tmp_path / f"pull{attempt}.ts"
        result = pull(f"srt://127.0.0.1:{outputs.listener}?mode=caller", out)
        assert result.returncode == 0, result.stderr
        streams = probe(out)
        assert streams["h264"]["width"] == 320
        assert int(str(streams["h264"]["nb_read_frames"])) >= 20
        assert "aac" in streams
        assert decode_errors(out) == ""
    metrics = outputs.vms.client.get("/metrics").text
    assert 'protocol="srt"' in metrics


def test_listener_with_passphrase_refuses_a_caller_without_it(
    outputs: Outputs, tmp_path: Path
) -> None:
    url = f"srt://127.0.0.1:{outputs.secret_listener}?mode=caller"
    refused = pull(url, tmp_path / "refused.ts", 1.0)
    assert refused.returncode != 0
    accepted = pull(f"{url}&passphrase={PASSPHRASE}", tmp_path / "sub.ts")
    assert accepted.returncode == 0, accepted.stderr
    assert probe(tmp_path / "sub.ts")["h264"]["width"] == 160


def test_caller_output_reaches_an_ffmpeg_listener(outputs: Outputs, tmp_path: Path) -> None:
    out = tmp_path / "called.ts"
    result = pull(f"srt://127.0.0.1:{outputs.caller_target}?mode=listener", out)
    assert result.returncode == 0, result.stderr
    streams = probe(out)
    assert int(str(streams["h264"]["nb_read_frames"])) >= 20
    assert decode_errors(out) == ""


@pytest.fixture(scope="module")
def ts_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4 s H.264 + AAC MP4 with a 1 s GOP, the camera's picture for SRT ingest."""
    path = tmp_path_factory.mktemp("media") / "camera.mp4"
    made = run_tool(
        [
            *("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"),
            *("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "4"),
            *("-c:v", "libx264", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)),
        ],
        timeout_s=60,
    )
    assert made.returncode == 0, made.stderr
    return path


def serve_srt(path: Path, url: str) -> subprocess.Popen[bytes]:
    """ffmpeg as an SRT camera: the file looped in real time as MPEG-TS."""
    command = [
        *("ffmpeg", "-v", "error", "-re", "-stream_loop", "-1", "-i", str(path)),
        *("-c", "copy", "-f", "mpegts", url),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.slow
def test_srt_camera_is_recorded_and_restreamed(ts_file: Path, tmp_path: Path) -> None:
    port, rtsp_port = free_udp_port(), free_port()
    camera = serve_srt(ts_file, f"srt://127.0.0.1:{port}?mode=listener")
    vms = VmsProcess(
        tmp_path / "vms",
        [{"id": "srtcam", "main_url": f"srt://127.0.0.1:{port}?latency=120000"}],
        segment_duration_s=5,
        extra={"server": {"rtsp_port": rtsp_port}},
    )
    try:
        vms.start()
        assert wait_for(lambda: vms.stream_state("srtcam")["state"] == "streaming", 30), vms.status(
            "srtcam"
        )
        assert vms.stream_state("srtcam")["codec"] == "h264"
        restreamed = run_tool(
            [
                *("ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-of", "json"),
                *("-show_entries", "stream=codec_name"),
                f"rtsp://admin:{vms.admin_password}@127.0.0.1:{rtsp_port}/srtcam",
            ],
            timeout_s=30,
        )
        assert restreamed.returncode == 0, restreamed.stderr
        assert "h264" in restreamed.stdout
        assert "aac" in restreamed.stdout  # ADTS from MPEG-TS made raw, with its config
        assert wait_for(lambda: len(vms.recordings("srtcam")) >= 1, 30)
        segment = vms.recordings("srtcam")[0]
        body = vms.client.get(segment["file_url"])
        assert body.status_code == 200
        recorded = tmp_path / "segment.mp4"
        recorded.write_bytes(body.content)
        streams = probe(recorded)
        assert int(str(streams["h264"]["nb_read_frames"])) >= 50
        assert "aac" in streams
    finally:
        vms.close()
        stop(camera)


def test_srt_camera_that_calls_vms_is_recorded(ts_file: Path, tmp_path: Path) -> None:
    """Listener mode: VMS waits on its port and the camera (ffmpeg, caller) pushes to it."""
    port = free_udp_port()
    vms = VmsProcess(
        tmp_path / "vms",
        [{"id": "pushcam", "main_url": f"srt://127.0.0.1:{port}?mode=listener", "record": False}],
        extra={"server": {"rtsp_port": free_port()}},
    )
    vms.start()
    camera: subprocess.Popen[bytes] | None = None
    try:
        deadline = time.monotonic() + 30
        while vms.stream_state("pushcam")["state"] != "streaming":
            assert time.monotonic() < deadline, vms.status("pushcam")
            if camera is None or camera.poll() is not None:  # VMS may not listen yet: call again
                camera = serve_srt(ts_file, f"srt://127.0.0.1:{port}?mode=caller")
            time.sleep(0.5)
        state = vms.stream_state("pushcam")
        assert state["codec"] == "h264" and state["width"] == 320
    finally:
        vms.close()
        if camera is not None:
            stop(camera)


def test_source_pulls_an_srt_camera_into_a_hub_and_stops_promptly(ts_file: Path) -> None:
    port = free_udp_port()
    camera = serve_srt(ts_file, f"srt://127.0.0.1:{port}?mode=listener")
    hub = StreamHub("srtcam/main")
    subscription = hub.subscribe("test", max_items=1024)
    source = Source(
        CameraId("srtcam"),
        StreamName.MAIN,
        f"srt://127.0.0.1:{port}?passphrase=&latency=80000",
        hub,
        clock=SystemClock(),
        io_timeout_s=5.0,
    )
    try:
        source.start()
        info = subscription.get(timeout=20)
        assert isinstance(info, StreamInfo), source.health()
        assert [t.codec for t in info.tracks] == ["h264", "aac"]
        packets: list[Packet] = []
        while len(packets) < 60:
            item = subscription.get(timeout=10)
            assert isinstance(item, Packet), item
            packets.append(item)
        assert packets[0].keyframe and packets[0].track == 0
        assert source.health().state is SourceState.STREAMING
        video = [p.dts for p in packets if p.track == 0]
        assert video == sorted(video)
    finally:
        started = time.monotonic()
        source.stop()
        stopped_s = time.monotonic() - started
        stop(camera)
    assert stopped_s < 2.0  # a flowing SRT read notices the stop flag at the next message
    assert source.health().state is SourceState.STOPPED
