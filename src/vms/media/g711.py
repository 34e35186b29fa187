"""G.711 (µ-law, A-law) to 16-bit linear PCM, so telephone-grade camera audio fits in MP4.

MP4 has no sample entry for G.711, so a stream-copied G.711 track cannot be stored in the
fragmented MP4 segments. Expanding each byte to the 16-bit value it stands for (ITU-T G.711's own
table) is lossless and exactly invertible — not a transcode: no sample changes value, and the
original bytes can be recomputed from the stored ones. A 256-entry lookup table, because no
library exposes the bare table and FFmpeg's decoder would need a decoder per track.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

G711_CODECS = ("pcm_mulaw", "pcm_alaw")


def _mulaw_value(code: int) -> int:
    u = ~code & 0xFF
    exponent = (u >> 4) & 0x07
    magnitude = (((u & 0x0F) << 3) + 0x84) << exponent
    magnitude -= 0x84
    return -magnitude if u & 0x80 else magnitude


def _alaw_value(code: int) -> int:
    a = code ^ 0x55
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = (
        (mantissa << 4) + 8 if exponent == 0 else ((mantissa << 4) + 0x108) << (exponent - 1)
    )
    return magnitude if a & 0x80 else -magnitude


def _table(value_of: Callable[[int], int]) -> npt.NDArray[np.int16]:
    return np.array([value_of(code) for code in range(256)], dtype=">i2")


_TABLES: dict[str, npt.NDArray[np.int16]] = {
    "pcm_mulaw": _table(_mulaw_value),
    "pcm_alaw": _table(_alaw_value),
}


def expand_to_s16be(codec: str, data: bytes) -> bytes:
    """The big-endian 16-bit PCM samples that `data` (G.711 bytes of `codec`) stands for."""
    table = _TABLES[codec]
    return table[np.frombuffer(data, dtype=np.uint8)].tobytes()
