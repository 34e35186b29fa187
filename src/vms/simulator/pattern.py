"""Test pattern frames with the wall clock burnt in, and the encoders that compress them.

Frames are built directly in yuv420p with numpy (no colour conversion); the clock is drawn twice:
as text for people and as `vms.media.clockcode` blocks for delay measurements.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction

import av
import av.codec.context
import cv2
import numpy as np
import numpy.typing as npt

from vms.media.clockcode import code_box, encode_clock
from vms.simulator.options import SimulatorOptions, VideoCodecName

Planes = npt.NDArray[np.uint8]


@dataclass(frozen=True, slots=True)
class MotionBursts:
    """The bar moves for the first `on_ms` of every `period_ms` of the wall clock, else stands.

    Timed by the wall clock (not the frame index) so a camera's main and sub streams, and every
    camera, move together, and a test knows when motion starts and stops.
    """

    period_ms: int
    on_ms: int

    @classmethod
    def of(cls, options: SimulatorOptions) -> MotionBursts | None:
        if options.motion_period_s is None:
            return None
        return cls(round(options.motion_period_s * 1000), round(options.motion_on_s * 1000))

    def moving(self, unix_ms: int) -> bool:
        return unix_ms % self.period_ms < self.on_ms

    def moved_ms(self, unix_ms: int) -> int:
        """Milliseconds of movement from the epoch up to `unix_ms`."""
        bursts, into = divmod(unix_ms, self.period_ms)
        return bursts * self.on_ms + min(into, self.on_ms)


class PatternRenderer:
    """Draws frame `n` of a moving pattern at one size; reuses one buffer (not thread-safe)."""

    def __init__(
        self, width: int, height: int, label: str, motion: MotionBursts | None = None
    ) -> None:
        self.width = width
        self._motion = motion
        self.height = height
        self._label = label
        rows = np.arange(height, dtype=np.uint16)[:, None]
        cols = np.arange(width, dtype=np.uint16)[None, :]
        self._base_y = (40 + (rows * 120 // max(1, height)) + (cols * 60 // max(1, width))).astype(
            np.uint8
        )
        self._buffer = np.empty((height * 3 // 2, width), dtype=np.uint8)
        # Moving grain gives the encoder real work, so bitrates match real cameras' rates.
        rng = np.random.default_rng(0)
        self._grain = rng.integers(0, 24, size=(height, width + 64), dtype=np.uint8)
        chroma_cols = np.arange(width // 2)[None, :].repeat(height // 2, axis=0)
        bars = (chroma_cols * 8 // max(1, width // 2)).astype(np.uint8)
        self._u = (64 + bars * 18).astype(np.uint8)
        self._v = (200 - bars * 14).astype(np.uint8)
        self._text_scale = max(0.4, height / 540)
        self._text_top = code_box(width, height)[3] + round(height / 18)

    def render(self, index: int, unix_ms: int) -> Planes:
        """The stacked Y, U, V planes (shape (h*3/2, w)) of frame `index` at `unix_ms`."""
        width, height = self.width, self.height
        y = self._buffer[:height]
        y[:] = self._base_y
        shift = (index * 7) % 64
        y += self._grain[:, shift : shift + width]
        bar_w = max(4, width // 16)
        x = self._bar_x(index, unix_ms, bar_w)
        y[:, max(0, x) : max(0, x + bar_w)] = 220
        encode_clock(y, unix_ms)
        text = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(unix_ms / 1000))
        text = f"{text}.{unix_ms % 1000:03d} UTC {self._label} #{index}"
        thickness = max(1, round(self._text_scale * 2))
        cv2.putText(
            y,
            text,
            (round(width / 60), self._text_top),
            cv2.FONT_HERSHEY_SIMPLEX,
            self._text_scale,
            (255,),
            thickness,
            cv2.LINE_AA,
        )
        quarter = (height // 2) * (width // 2)
        chroma = self._buffer[height:].reshape(-1)
        chroma[:quarter] = self._u.reshape(-1)
        chroma[quarter : 2 * quarter] = self._v.reshape(-1)
        return self._buffer

    def _bar_x(self, index: int, unix_ms: int, bar_w: int) -> int:
        """The bar's left edge: a step per frame, or a crossing per 4 s of burst time."""
        if self._motion is None:
            return (index * max(2, self.width // 100)) % (self.width + bar_w) - bar_w
        travelled = self._motion.moved_ms(unix_ms) * self.width // 4000
        return travelled % (self.width + bar_w) - bar_w


@dataclass(frozen=True, slots=True)
class EncodedFrame:
    data: bytes
    pts: int
    keyframe: bool


def configure_encoder(
    ctx: av.VideoCodecContext,
    codec: VideoCodecName,
    *,
    size: tuple[int, int],
    fps: float,
    gop_frames: int,
    bitrate: int,
) -> None:
    """libx264/libx265, ultrafast + zerolatency, no B-frames, fixed GOP, global headers."""
    ctx.width, ctx.height = size
    ctx.pix_fmt = "yuv420p"
    rate = Fraction(fps).limit_denominator(1001)
    ctx.time_base = 1 / rate
    ctx.framerate = rate
    ctx.bit_rate = bitrate
    ctx.gop_size = gop_frames
    ctx.max_b_frames = 0
    ctx.thread_count = 2
    ctx.flags |= av.codec.context.Flags.global_header
    keyint = f"keyint={gop_frames}:min-keyint={gop_frames}:scenecut=0"
    options = {"preset": "ultrafast", "tune": "zerolatency", "forced-idr": "1"}
    if codec is VideoCodecName.H264:
        options["x264-params"] = keyint
    else:
        options["x265-params"] = f"log-level=error:{keyint}:bframes=0:open-gop=0"
    ctx.options = options


def make_frame(planes: Planes, index: int, gop_frames: int) -> av.VideoFrame:
    """A yuv420p frame with pts `index`, forced to a keyframe at every GOP start."""
    frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
    frame.pts = index
    if index % gop_frames == 0:
        frame.pict_type = av.video.frame.PictureType.I
    return frame


class VideoEncoder:
    """A standalone encoder configured by `configure_encoder`; output is Annex B."""

    def __init__(
        self,
        codec: VideoCodecName,
        size: tuple[int, int],
        fps: float,
        gop_frames: int,
        bitrate: int,
    ) -> None:
        ctx = av.CodecContext.create(codec.encoder, "w")
        assert isinstance(ctx, av.VideoCodecContext)
        configure_encoder(ctx, codec, size=size, fps=fps, gop_frames=gop_frames, bitrate=bitrate)
        ctx.open()
        self._ctx = ctx
        self._gop = gop_frames
        self.size = size
        self.extradata = bytes(ctx.extradata or b"")

    def encode(self, planes: Planes, index: int) -> list[EncodedFrame]:
        frame = make_frame(planes, index, self._gop)
        return [
            EncodedFrame(bytes(packet), int(packet.pts or 0), bool(packet.is_keyframe))
            for packet in self._ctx.encode(frame)
        ]

    def close(self) -> None:
        """Flush the encoder (the remaining output is not needed) and release it."""
        self._ctx.encode(None)
