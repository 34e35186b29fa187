"""A sine tone encoded as AAC (PyAV's aac encoder) or G.711 µ-law for the simulated cameras."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import av
import numpy as np

from vms.media.sdp import TrackDescription
from vms.simulator.options import AudioMode

TONE_HZ = 440.0


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """One encoded audio frame; `pts` counts samples at the encoder's rate."""

    data: bytes
    pts: int


class ToneEncoder:
    """Encodes consecutive blocks of a sine tone; `frame_samples` per call."""

    def __init__(self, mode: AudioMode) -> None:
        if mode is AudioMode.AAC:
            codec, rate, sample_format = "aac", 48_000, "fltp"
        elif mode is AudioMode.PCMU:
            codec, rate, sample_format = "pcm_mulaw", 8_000, "s16"
        else:
            raise ValueError("no audio encoder for audio=none")
        ctx = av.CodecContext.create(codec, "w")
        assert isinstance(ctx, av.AudioCodecContext)
        ctx.sample_rate = rate
        ctx.layout = "mono"
        ctx.format = sample_format
        ctx.time_base = Fraction(1, rate)
        if codec == "aac":
            ctx.bit_rate = 64_000
        ctx.open()
        self._ctx = ctx
        self._format = sample_format
        self.mode = mode
        self.sample_rate = rate
        self.frame_samples = ctx.frame_size if codec == "aac" else rate // 50  # 20 ms for G.711
        self._next_sample = 0
        if mode is AudioMode.AAC:
            self.track = TrackDescription.aac(bytes(ctx.extradata or b""))
        else:
            self.track = TrackDescription.pcmu()

    def encode_next(self) -> list[AudioFrame]:
        """Encode the next `frame_samples` samples of the tone."""
        start = self._next_sample
        frame = tone_frame(start, self.frame_samples, self.sample_rate, self._format)
        self._next_sample += self.frame_samples
        return [
            AudioFrame(bytes(packet), int(packet.pts or 0)) for packet in self._ctx.encode(frame)
        ]


def tone_frame(start: int, count: int, sample_rate: int, sample_format: str) -> av.AudioFrame:
    """Samples `start` … `start + count` of the tone as a mono frame with pts `start`."""
    times = np.arange(start, start + count, dtype=np.float64) / sample_rate
    wave = 0.3 * np.sin(2 * np.pi * TONE_HZ * times)
    if sample_format == "fltp":
        frame = av.AudioFrame.from_ndarray(
            wave.astype(np.float32)[None, :], format=sample_format, layout="mono"
        )
    else:
        frame = av.AudioFrame.from_ndarray(
            (wave * 32767).astype(np.int16)[None, :], format=sample_format, layout="mono"
        )
    frame.sample_rate = sample_rate
    frame.pts = start
    return frame
