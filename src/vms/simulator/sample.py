"""`vms simulate --write-sample`: a pre-encoded MP4 (pattern or scene) for file loops, benches."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction

import av

from vms.simulator.audio import tone_frame
from vms.simulator.options import AudioMode, SimulatorOptions
from vms.simulator.pattern import PatternRenderer, Planes, configure_encoder, make_frame

SAMPLE_START_MS = 1_700_000_000_000  # the clock drawn into the first frame of a sample
_AAC_RATE = 48_000
_AAC_FRAME = 1024


def write_sample(path: str, options: SimulatorOptions, seconds: float) -> None:
    """Encode `seconds` of pattern (clock starting at SAMPLE_START_MS) into an MP4 at `path`."""
    renderer = PatternRenderer(options.width, options.height, label="sample")
    count = round(seconds * options.fps)
    frames = (
        renderer.render(index, SAMPLE_START_MS + round(index * 1000 / options.fps))
        for index in range(count)
    )
    write_mp4(path, options, frames, count)


def write_mp4(path: str, options: SimulatorOptions, frames: Iterable[Planes], count: int) -> None:
    """Encode `count` yuv420p frames at the options' size, fps, codec and GOP (+ AAC tone)."""
    if options.audio is AudioMode.PCMU:
        raise ValueError("MP4 samples carry AAC or no audio; use --audio aac or none")
    size = (options.width, options.height)
    rate = Fraction(options.fps).limit_denominator(1001)
    gop = options.gop_frames
    with av.open(path, "w", format="mp4") as container:
        video = container.add_stream(options.codec.encoder, rate=rate)
        assert isinstance(video, av.VideoStream)
        configure_encoder(
            video.codec_context,
            options.codec,
            size=size,
            fps=options.fps,
            gop_frames=gop,
            bitrate=options.bitrate,
        )
        if options.codec.encoder == "libx265":
            video.codec_context.codec_tag = "hvc1"
        audio = None
        if options.audio is AudioMode.AAC:
            audio = container.add_stream("aac", rate=_AAC_RATE)
            assert isinstance(audio, av.AudioStream)
            audio.layout = "mono"
        for index, planes in zip(range(count), frames, strict=False):
            container.mux(video.encode(make_frame(planes, index, gop)))
        container.mux(video.encode(None))
        if audio is not None:
            total = round(count / options.fps * _AAC_RATE)
            for start in range(0, total, _AAC_FRAME):
                container.mux(audio.encode(tone_frame(start, _AAC_FRAME, _AAC_RATE, "fltp")))
            container.mux(audio.encode(None))
