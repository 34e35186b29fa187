"""The simulator against independent clients: ffprobe, ffmpeg, GStreamer and PyAV (FFmpeg)."""

from __future__ import annotations

import shutil
import struct
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import av
import pytest

from tests.support.load import allowance_ms
from tests.support.simulator import (
    assert_gstreamer_plays,
    ffprobe_streams,
    run_tool,
    simulator_process,
    video_packet_count,
)
from vms.media.clockcode import decode_clock

SMALL = ("--size", "320x240", "--fps", "10", "--bitrate", "300k")
CODEC_NAMES = {"h264": "h264", "h265": "hevc"}
AUDIO_NAMES = {"aac": "aac", "pcmu": "pcm_mulaw"}


@pytest.mark.parametrize(
    ("codec", "audio"), [("h264", "aac"), ("h264", "pcmu"), ("h265", "aac"), ("h265", "pcmu")]
)
def test_ffprobe_reads_main_and_sub_over_tcp_and_udp(codec: str, audio: str) -> None:
    reads = [
        (transport, variant, size)
        for transport in ("tcp", "udp")
        for variant, size in (("main", ("320", "240")), ("sub", ("160", "120")))
    ]
    args = (*SMALL, "--codec", codec, "--audio", audio, "--cameras", "2")
    # four ffprobe clients at once (each spends about 2.5 s probing, mostly waiting)
    with simulator_process(*args) as sim, ThreadPoolExecutor(len(reads)) as pool:
        found = list(pool.map(lambda read: ffprobe_streams(sim.url(2, read[1]), read[0]), reads))
    for (_transport, _variant, size), (video, sound) in zip(reads, found, strict=True):
        assert video["codec_name"] == CODEC_NAMES[codec]
        assert (video["width"], video["height"]) == size
        assert sound["codec_name"] == AUDIO_NAMES[audio]
        assert sound["sample_rate"] == ("48000" if audio == "aac" else "8000")


def test_ffmpeg_records_five_seconds_by_stream_copy(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    with simulator_process(*SMALL, "--gop-seconds", "0.5") as sim:
        result = run_tool(
            [
                "ffmpeg",
                "-v",
                "error",
                "-rtsp_transport",
                "tcp",
                "-i",
                sim.url(),
                "-t",
                "5",
                "-c",
                "copy",
                "-y",
                str(out),
            ]
        )
        assert result.returncode == 0, result.stderr
    frames = video_packet_count(out)
    # ffmpeg drops what precedes the first keyframe (at most one 0.5 s GOP) from its 5 s.
    assert 10 * 4.5 - 2 <= frames <= 10 * 5 + 2


@pytest.mark.parametrize("scheme", ["basic", "digest"])
def test_wrong_password_is_refused_with_401(scheme: str) -> None:
    args = ("--audio", "none", "--username", "admin", "--password", "s3cret", "--auth", scheme)
    with simulator_process(*SMALL, *args) as sim:
        wrong = run_tool(["ffprobe", "-v", "error", sim.url(credentials="admin:nope")])
        assert wrong.returncode != 0
        assert "401" in wrong.stderr
        anonymous = run_tool(["ffprobe", "-v", "error", sim.url()])
        assert anonymous.returncode != 0
        (video,) = ffprobe_streams(sim.url(credentials="admin:s3cret"))
        assert video["codec_name"] == "h264"


@pytest.mark.skipif(shutil.which("gst-launch-1.0") is None, reason="needs GStreamer")
@pytest.mark.parametrize(("codec", "depay"), [("h264", "h264"), ("h265", "h265")])
def test_gstreamer_rtspsrc_plays(codec: str, depay: str) -> None:
    with simulator_process(*SMALL, "--codec", codec, "--audio", "none") as sim:
        for protocols in ("tcp", "udp"):
            assert_gstreamer_plays(
                sim.url(), protocols, f"rtp{depay}depay", f"{depay}parse", buffers=50
            )


def test_decoded_clock_and_rtcp_wall_time_match_the_wall_clock() -> None:
    with simulator_process(*SMALL, "--audio", "none") as sim:
        opened_at = time.time()
        container = av.open(sim.url(1, "sub"), options={"rtsp_transport": "tcp"}, timeout=10)
        try:
            assert container.start_time_realtime is not None
            start_s = container.start_time_realtime / 1e6
            assert opened_at - 1 <= start_s <= time.time() + 1
            stream = container.streams.video[0]
            deltas: list[float] = []
            prft: list[float] = []
            deadline = time.monotonic() + 4  # read past the probe's backlog: live from then on
            for packet in container.demux(stream):
                if packet.has_sidedata("prft"):  # AVProducerReferenceTime: wallclock µs, flags
                    side = bytes(packet.get_sidedata("prft"))
                    wallclock_us, _flags = struct.unpack_from("<qi", side)
                    prft.append(wallclock_us / 1e6 - time.time())
                for frame in packet.decode():
                    code = decode_clock(frame.to_ndarray(format="gray"))
                    if code is not None:
                        deltas.append(code / 1000 - time.time())
                if time.monotonic() > deadline:
                    break
        finally:
            container.close()
    assert len(deltas) >= 10
    assert prft
    # Within a second on a quiet machine; a loaded one decodes (here) and encodes late.
    limit_s = allowance_ms(1000) / 1000
    assert abs(deltas[-1]) < limit_s, deltas[-5:]
    assert abs(prft[-1]) < limit_s, prft[-5:]
