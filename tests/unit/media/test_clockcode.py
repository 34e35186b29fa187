"""The burnt-in clock code survives a real low-bitrate libx264 round trip at full and half size."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import numpy.typing as npt
import pytest

from vms.media.clockcode import decode_clock, encode_clock

START_MS = 1_761_234_567_890


def _frame(width: int, height: int, index: int) -> npt.NDArray[np.uint8]:
    """A moving bar over a gradient with film-grain noise: hard enough for a starved encoder."""
    rng = np.random.default_rng(index)
    y = np.linspace(30, 200, width, dtype=np.float32)[None, :].repeat(height, axis=0)
    y += rng.normal(0, 12, size=(height, width)).astype(np.float32)
    bar = (index * width // 10) % width
    y[:, bar : bar + width // 8] = 230
    return np.clip(y, 0, 255).astype(np.uint8)


def _round_trip(width: int, height: int, frames: int, bitrate: int) -> list[int | None]:
    encoder = av.CodecContext.create("libx264", "w")
    assert isinstance(encoder, av.VideoCodecContext)
    encoder.width, encoder.height = width, height
    encoder.pix_fmt = "yuv420p"
    encoder.time_base = Fraction(1, 25)
    encoder.bit_rate = bitrate
    encoder.options = {"preset": "ultrafast", "tune": "zerolatency"}
    decoder = av.CodecContext.create("h264", "r")
    assert isinstance(decoder, av.VideoCodecContext)
    decoded: list[int | None] = []
    for index in range(frames):
        y = _frame(width, height, index)
        encode_clock(y, START_MS + index * 40)
        planes = np.concatenate([y, np.full((height // 2, width), 128, np.uint8)])
        frame = av.VideoFrame.from_ndarray(planes, format="yuv420p")
        frame.pts = index
        for packet in encoder.encode(frame):
            for picture in decoder.decode(packet):
                decoded.append(decode_clock(picture.to_ndarray(format="gray")))
    for packet in encoder.encode(None):
        for picture in decoder.decode(packet):
            decoded.append(decode_clock(picture.to_ndarray(format="gray")))
    return decoded


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (960, 540), (640, 360)])
def test_clock_survives_low_bitrate_h264(width: int, height: int) -> None:
    # 0.01 bits per pixel (400 kbit/s at 1080p25) on a grainy moving picture: heavy artefacts.
    decoded = _round_trip(width, height, frames=8, bitrate=width * height // 4)
    assert decoded == [START_MS + i * 40 for i in range(8)]


def test_clock_reads_after_downscale() -> None:
    y = np.full((1080, 1920), 90, np.uint8)
    encode_clock(y, START_MS)
    frame = av.VideoFrame.from_ndarray(y, format="gray")
    for width, height in [(960, 540), (640, 360)]:
        small = frame.reformat(width, height, interpolation="BILINEAR").to_ndarray()
        assert decode_clock(small) == START_MS


def test_no_code_and_damaged_code_read_as_none() -> None:
    y = np.full((360, 640), 128, np.uint8)
    assert decode_clock(y) is None
    encode_clock(y, START_MS)
    cell = 360 / 27
    top, left = round(2 * cell), round(7 * cell)  # a data cell: flip it
    patch = y[top + 3 : top + 8, left + 3 : left + 8]
    y[round(2 * cell) : round(3 * cell), round(7 * cell) : round(8 * cell)] = (
        235 if patch.mean() < 128 else 16
    )
    assert decode_clock(y) is None


def test_value_range() -> None:
    y = np.zeros((360, 640), np.uint8)
    with pytest.raises(ValueError, match="48 bits"):
        encode_clock(y, 1 << 48)
    encode_clock(y, (1 << 48) - 1)
    assert decode_clock(y) == (1 << 48) - 1
