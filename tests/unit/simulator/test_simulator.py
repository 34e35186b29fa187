"""Unit tests for the simulator's options, pattern, file loading and in-process API."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest

from tests.support.simulator import RawRtspClient
from vms.media.clockcode import decode_clock
from vms.simulator.command import add_arguments, options_from_args
from vms.simulator.filesource import load_file
from vms.simulator.options import AudioMode, SimulatorOptions, VideoCodecName
from vms.simulator.pattern import PatternRenderer
from vms.simulator.sample import write_sample
from vms.simulator.simulator import Simulator


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_arguments_become_options() -> None:
    args = _parse("--cameras", "3", "--codec", "h265", "--size", "1920x1080", "--bitrate", "4M")
    options = options_from_args(args)
    assert (options.cameras, options.codec, options.width, options.height) == (
        3,
        VideoCodecName.H265,
        1920,
        1080,
    )
    assert options.bitrate == 4_000_000
    assert options.sub_size == (960, 540)
    assert options.gop_frames == 50
    assert options_from_args(_parse("--auth", "basic")).auth_schemes == ("basic",)


@pytest.mark.parametrize("argv", [["--size", "640"], ["--size", "641x480"], ["--bitrate", "x"]])
def test_bad_arguments_are_rejected(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        _parse(*argv)


@pytest.mark.parametrize(("width", "height"), [(1280, 720), (640, 360), (320, 240)])
def test_pattern_carries_a_readable_clock(width: int, height: int) -> None:
    renderer = PatternRenderer(width, height, "main")
    planes = renderer.render(7, 1_761_000_000_123)
    assert planes.shape == (height * 3 // 2, width)
    assert decode_clock(planes[:height]) == 1_761_000_000_123


def test_sample_file_is_loaded_into_looped_variants(tmp_path: Path) -> None:
    path = tmp_path / "sample.mp4"
    options = SimulatorOptions(width=320, height=240, fps=10, gop_seconds=1, bitrate=200_000)
    write_sample(str(path), options, seconds=2)
    media = load_file(str(path), options)
    main, sub = media["main"], media["sub"]
    assert float(main.duration) == pytest.approx(2.0)
    assert [t.codec for t in main.tracks] == ["h264", "aac"]
    assert (sub.tracks[0].width, sub.tracks[0].height) == (160, 120)
    video = [u for u in main.units if u.track == 0]
    assert len(video) == 20
    assert sum(u.keyframe for u in video) == 2
    assert [u.send_s for u in main.units] == sorted(u.send_s for u in main.units)
    assert len([u for u in sub.units if u.track == 0]) == 20
    assert sum(u.keyframe for u in sub.units if u.track == 0) == 2


def test_pcmu_samples_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="AAC"):
        write_sample(str(tmp_path / "x.mp4"), SimulatorOptions(audio=AudioMode.PCMU), 1)


async def test_in_process_simulator_serves_urls() -> None:
    options = SimulatorOptions(
        cameras=2, width=320, height=240, fps=10, audio=AudioMode.PCMU, port=0
    )
    simulator = Simulator(options)
    await simulator.start()
    try:
        port = simulator.server.port
        assert simulator.urls == [
            f"rtsp://127.0.0.1:{port}/cam{camera}/{variant}"
            for camera in (1, 2)
            for variant in ("main", "sub")
        ]

        def describe() -> bytes:
            client = RawRtspClient(port)
            try:
                return client.request("DESCRIBE", simulator.url(2, "sub")).body
            finally:
                client.close()

        body = await asyncio.to_thread(describe)
        assert b"a=rtpmap:0 PCMU/8000" in body
        assert b"a=x-dimensions:160,120" in body
    finally:
        await simulator.stop()
