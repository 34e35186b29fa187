"""A machine-readable wall clock burnt into the luma plane of test frames, and its reader.

Delay measurements decode a frame that went through an encoder, a network and maybe a scaler
and compare its clock with the wall clock, so the code is made of large flat blocks (which survive
lossy compression at low bitrates) laid out on a grid whose size is a fixed fraction of the frame
(so a downscaled frame reads the same). 64 cells in 4 rows of 16 hold an 8-bit sync pattern, the
48-bit Unix time in milliseconds and a CRC-8; a frame whose code is damaged reads as None.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

COLUMNS = 16
ROWS = 4
_SYNC = 0b10110010
_SYNC_BITS = 8
_DATA_BITS = 48
_CRC_BITS = 8
_BLACK = 16
_WHITE = 235
_CELL_DIVISOR = 27.0  # cell edge = min(width, height) / 27
_MIN_CONTRAST = 40.0

YPlane = npt.NDArray[np.uint8]
AnyPlane = npt.NDArray[np.number[Any]]  # decoders hand out uint8, some scalers float


def cell_size(width: int, height: int) -> float:
    """Edge of one code cell in pixels for a frame of this size (a fraction of the frame)."""
    return min(width, height) / _CELL_DIVISOR


def code_box(width: int, height: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the area the code occupies, quiet border included."""
    cell = cell_size(width, height)
    return 0, 0, round((COLUMNS + 2) * cell), round((ROWS + 2) * cell)


def crc8(value: int, bits: int) -> int:
    """CRC-8 (polynomial 0x07) over `bits` bits of `value`, most significant first."""
    crc = 0
    for shift in range(bits - 1, -1, -1):
        top = ((crc >> 7) & 1) ^ ((value >> shift) & 1)
        crc = (crc << 1) & 0xFF
        if top:
            crc ^= 0x07
    return crc


def _bits(unix_ms: int) -> list[int]:
    if not 0 <= unix_ms < 1 << _DATA_BITS:
        raise ValueError(f"clock value {unix_ms} does not fit in 48 bits")
    word = (_SYNC << (_DATA_BITS + _CRC_BITS)) | (unix_ms << _CRC_BITS) | crc8(unix_ms, _DATA_BITS)
    total = _SYNC_BITS + _DATA_BITS + _CRC_BITS
    return [(word >> (total - 1 - i)) & 1 for i in range(total)]


def encode_clock(y_plane: YPlane, unix_ms: int) -> None:
    """Draw the code for `unix_ms` into the top-left corner of a luma plane (in place)."""
    height, width = y_plane.shape
    cell = cell_size(width, height)
    x0, y0, x1, y1 = code_box(width, height)
    y_plane[y0:y1, x0:x1] = _BLACK
    for index, bit in enumerate(_bits(unix_ms)):
        if not bit:
            continue
        row, col = divmod(index, COLUMNS)
        top = round((row + 1) * cell)
        left = round((col + 1) * cell)
        y_plane[top : round((row + 2) * cell), left : round((col + 2) * cell)] = _WHITE


def _cell_means(y_plane: AnyPlane) -> list[float]:
    height, width = y_plane.shape
    cell = cell_size(width, height)
    inset = cell * 0.25
    means: list[float] = []
    for index in range(COLUMNS * ROWS):
        row, col = divmod(index, COLUMNS)
        top = round((row + 1) * cell + inset)
        bottom = max(top + 1, round((row + 2) * cell - inset))
        left = round((col + 1) * cell + inset)
        right = max(left + 1, round((col + 2) * cell - inset))
        means.append(float(y_plane[top:bottom, left:right].mean()))
    return means


def decode_clock(y_plane: AnyPlane) -> int | None:
    """The Unix time in milliseconds drawn by `encode_clock`, or None when no valid code is seen."""
    height, width = y_plane.shape
    if cell_size(width, height) < 4 or code_box(width, height)[2] > width:
        return None
    means = _cell_means(y_plane)
    sync = [(_SYNC >> (_SYNC_BITS - 1 - i)) & 1 for i in range(_SYNC_BITS)]
    ones = [m for m, bit in zip(means, sync, strict=False) if bit]
    zeros = [m for m, bit in zip(means, sync, strict=False) if not bit]
    low, high = max(zeros), min(ones)
    if high - low < _MIN_CONTRAST:
        return None
    threshold = (sum(ones) / len(ones) + sum(zeros) / len(zeros)) / 2
    word = 0
    for mean in means:
        word = (word << 1) | (1 if mean > threshold else 0)
    if word >> (_DATA_BITS + _CRC_BITS) != _SYNC:
        return None
    value = (word >> _CRC_BITS) & ((1 << _DATA_BITS) - 1)
    if word & 0xFF != crc8(value, _DATA_BITS):
        return None
    return value
