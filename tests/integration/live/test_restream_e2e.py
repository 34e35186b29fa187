"""The RTSP restream of a real VMS process against ffprobe, GStreamer and many raw clients."""

from __future__ import annotations

import shutil
import struct
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.support.live import dead_camera, live_camera, streaming_vms
from tests.support.restream import assert_missing_and_offline, play, read_rtp
from tests.support.simulator import (
    RawRtspClient,
    RunningSimulator,
    assert_gstreamer_plays,
    ffprobe_streams,
    free_port,
    run_tool,
    simulator_process,
)
from tests.support.vms_process import VmsProcess, wait_for

SMALL = ("--size", "320x240", "--fps", "10", "--bitrate", "300k", "--gop-seconds", "1")


@dataclass(frozen=True, slots=True)
class Setup:
    sim: RunningSimulator
    vms: VmsProcess
    rtsp_port: int

    def url(self, path: str) -> str:
        """The restream URL with the admin's credentials, as users give ffmpeg or GStreamer."""
        return f"rtsp://admin:{self.vms.admin_password}@127.0.0.1:{self.rtsp_port}/{path}"

    @property
    def auth(self) -> dict[str, str]:
        return self.vms.auth_header


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    """A simulator with two cameras (H.264 + AAC) and VMS pulling cam1, restreaming it."""
    with simulator_process(*SMALL, "--cameras", "2") as sim:
        rtsp_port = free_port()
        cameras = [live_camera("cam1", sim, 1, sub=True), dead_camera()]
        extra = {"server": {"rtsp_port": rtsp_port}}
        folder = tmp_path_factory.mktemp("vms")
        with streaming_vms(folder, cameras, ["cam1/sub", "cam1"], extra=extra) as vms:
            yield Setup(sim, vms, rtsp_port)
            assert vms.stop() == 0  # SIGTERM: listeners, peers and threads end cleanly


class SequenceReader:
    """Reads whole access units from one client and checks its RTP sequence never skips."""

    def __init__(self, client: RawRtspClient, first_seq: int) -> None:
        self.client = client
        self._first_seq = first_seq
        self._expected = first_seq

    def units(self, count: int) -> int:
        """Read `count` access units; the very first packet must start a keyframe (SPS)."""
        seen = 0
        while seen < count:
            packet = read_rtp(self.client)
            seq = struct.unpack("!H", packet[2:4])[0]
            assert seq == self._expected & 0xFFFF, "a gap in the sequence"
            if seq == self._first_seq:
                assert packet[12] & 0x1F == 7, "a new client must start on a keyframe"
            self._expected = seq + 1
            seen += packet[1] >> 7
        return seen


def access_units(client: RawRtspClient, count: int, first_seq: int) -> int:
    return SequenceReader(client, first_seq).units(count)


def camera_connections(sim: RunningSimulator) -> int:
    """TCP connections made to the simulator's RTSP port (one per pulled camera stream)."""
    connections = psutil.Process(sim.process.pid).net_connections(kind="tcp")
    return sum(
        1 for c in connections if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == sim.port
    )


@pytest.mark.parametrize("transport", ["tcp", "udp"])
def test_ffprobe_sees_video_and_audio_of_main_and_sub(setup: Setup, transport: str) -> None:
    for path, width in (("cam1", "320"), ("cam1/main", "320"), ("cam1/sub", "160")):
        video, audio = ffprobe_streams(setup.url(path), transport)
        assert (video["codec_name"], video["width"]) == ("h264", width)
        assert (audio["codec_name"], audio["sample_rate"]) == ("aac", "48000")


@pytest.mark.skipif(shutil.which("gst-launch-1.0") is None, reason="needs GStreamer")
@pytest.mark.parametrize("protocols", ["tcp", "udp"])
def test_gstreamer_rtspsrc_plays_the_restream(setup: Setup, protocols: str) -> None:
    assert_gstreamer_plays(
        setup.url("cam1"), protocols, "rtph264depay", "h264parse", "avdec_h264", buffers=20
    )


def test_twenty_clients_cost_one_camera_connection(setup: Setup) -> None:
    assert camera_connections(setup.sim) == 2  # VMS pulls cam1 main and sub, once each
    paths = ["cam1" if i % 2 else "cam1/sub" for i in range(20)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        started = list(pool.map(lambda path: play(setup.rtsp_port, path, setup.auth), paths))
    try:
        assert camera_connections(setup.sim) == 2
        with ThreadPoolExecutor(max_workers=20) as pool:
            counts = list(pool.map(lambda pair: access_units(pair[0], 15, pair[1]), started))
        assert counts == [15] * 20
        assert camera_connections(setup.sim) == 2
    finally:
        for client, _, _ in started:
            client.close()


def test_unknown_camera_is_404_and_offline_camera_503_at_once(setup: Setup) -> None:
    assert_missing_and_offline(
        setup.rtsp_port, ["nope", "cam1/third", "dead/sub"], "dead", setup.auth
    )
    probe = run_tool(["ffprobe", "-v", "error", setup.url("dead")], timeout_s=20)
    assert probe.returncode != 0 and "503" in probe.stderr


def test_removed_camera_disconnects_its_clients_and_no_other(setup: Setup) -> None:
    api = setup.vms.client
    cam2 = live_camera("cam2", setup.sim, 2, sub=True)
    assert api.post("/api/v1/cameras", json=cam2).status_code == 201
    assert wait_for(lambda: setup.vms.stream_state("cam2")["state"] == "streaming", 30)
    doomed, doomed_seq, _ = play(setup.rtsp_port, "cam2", setup.auth)
    other, seq, _ = play(setup.rtsp_port, "cam1", setup.auth)
    assert access_units(doomed, 3, doomed_seq) == 3
    assert api.delete("/api/v1/cameras/cam2").status_code == 204
    doomed.read_until_closed(deadline_s=10)
    doomed.close()
    assert access_units(other, 20, seq) == 20  # the other camera's viewer never noticed
    other.close()
    gone = RawRtspClient(setup.rtsp_port)
    assert gone.request("DESCRIBE", setup.url("cam2"), setup.auth).status == 404
    gone.close()


@pytest.mark.slow
def test_stalled_client_does_not_slow_the_others(tmp_path: Path) -> None:
    """A client that stops reading overflows its own buffers only: it later resumes at a
    keyframe after a gap, while a reading client got every packet in sequence."""
    sample = tmp_path / "busy.mp4"
    written = run_tool(
        [
            *("ffmpeg", "-v", "error", "-f", "lavfi", "-i"),
            "testsrc2=size=1280x720:rate=25,noise=alls=60:allf=t",
            *("-t", "4", "-c:v", "libx264", "-preset", "ultrafast", "-g", "25"),
            *("-b:v", "12M", "-maxrate", "12M", "-bufsize", "4M", str(sample)),
        ],
        timeout_s=120,
    )
    assert written.returncode == 0, written.stderr
    with simulator_process("--source", str(sample), "--audio", "none") as sim:
        rtsp_port = free_port()
        extra = {"server": {"rtsp_port": rtsp_port}}
        cameras = [live_camera("busy", sim)]
        with streaming_vms(tmp_path / "vms", cameras, ["busy"], extra=extra) as vms:
            stalled, _, _ = play(
                rtsp_port, "busy", vms.auth_header
            )  # and then it does not read for 15 s
            client, seq, _ = play(rtsp_port, "busy", vms.auth_header)
            reader = SequenceReader(client, seq)
            started = time.monotonic()
            while time.monotonic() - started < 15:  # ~20 MB offered to the stalled client
                reader.units(25)
            client.close()
            stalled.sock.settimeout(5)
            gap_then_keyframe = False
            previous: int | None = None
            for _ in range(20_000):
                packet = read_rtp(stalled)
                seq_now = struct.unpack("!H", packet[2:4])[0]
                if previous is not None and seq_now != (previous + 1) & 0xFFFF:
                    assert packet[12] & 0x1F == 7, "after its drops it resumes on a keyframe"
                    gap_then_keyframe = True
                    break
                previous = seq_now
            stalled.close()
            assert gap_then_keyframe
            assert vms.stream_state("busy")["state"] == "streaming"
