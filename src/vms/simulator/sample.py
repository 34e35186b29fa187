"""`vms simulate --write-sample`: a pre-encoded pattern MP4 for file-source loops and benches."""

from __future__ import annotations

from fractions import Fraction

import av

from vms.simulator.audio import tone_frame
from vms.simulator.options import AudioMode, SimulatorOptions
from vms.simulator.pattern import PatternRenderer, configure_encoder, make_frame

SAMPLE_START_MS = 1_700_000_000_000  # the clock drawn into the first frame of a sample
_AAC_RATE = 48_000
_AAC_FRAME = 1024


def write_sample(path: str, options: SimulatorOptions, seconds: float) -> None:
    """Encode `seconds` of pattern (clock starting at SAMPLE_START_MS) into an MP4 at `path`."""
    if options.audio is AudioMode.PCMU:
        raise ValueError("MP4 samples carry AAC or no audio; use --audio aac or none")
    size = (options.width, options.height)
    renderer = PatternRenderer(*size, label="sample")
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
        for index in range(round(seconds * options.fps)):
            unix_ms = SAMPLE_START_MS + round(index * 1000 / options.fps)
            frame = make_frame(renderer.render(index, unix_ms), index, gop)
            container.mux(video.encode(frame))
        container.mux(video.encode(None))
        if audio is not None:
            total = round(seconds * _AAC_RATE)
            for start in range(0, total, _AAC_FRAME):
                container.mux(audio.encode(tone_frame(start, _AAC_FRAME, _AAC_RATE, "fltp")))
            container.mux(audio.encode(None))
