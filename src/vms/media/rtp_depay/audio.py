"""Audio RTP depacketisers: AAC (RFC 3640 mpeg4-generic) and G.711 (RFC 3551), one frame each.

Every audio frame decodes alone, so each access unit is a keyframe; a gap loses only the frames
it broke (counted in `lost`).
"""

from __future__ import annotations

from vms.media.rtp_depay.base import AccessUnit

AAC_FRAME_SAMPLES = 1024


class AacDepacketizer:
    """RFC 3640 mpeg4-generic AAC-hbr/AAC-lbr: AU headers of size and index (delta) fields.

    Several AUs in a packet follow each other by their index deltas (1024 samples apart when the
    delta is 0); one AU larger than a packet comes in fragments that each repeat its whole size,
    and is joined until that size is reached.
    """

    __slots__ = (
        "_delta_length",
        "_delta_mask",
        "_discard_ts",
        "_first_bits",
        "_frag_have",
        "_frag_parts",
        "_frag_size",
        "_frag_ts",
        "_index_length",
        "_lost",
        "_next_bits",
        "_next_seq",
        "_size_mask",
    )

    def __init__(
        self, size_length: int = 13, index_length: int = 3, index_delta_length: int = 3
    ) -> None:
        if size_length < 1 or index_length < 0 or index_delta_length < 0:
            raise ValueError(
                f"unsupported AU header lengths {size_length}/{index_length}/{index_delta_length}"
            )
        self._first_bits = size_length + index_length
        self._next_bits = size_length + index_delta_length
        self._index_length = index_length
        self._delta_length = index_delta_length
        self._size_mask = (1 << size_length) - 1
        self._delta_mask = (1 << index_delta_length) - 1
        self._frag_parts: list[bytes] = []
        self._frag_size = 0  # whole size of the AU being joined; 0 when none is
        self._frag_have = 0
        self._frag_ts = 0
        self._discard_ts = -1  # the rest of a fragmented AU broken by a gap
        self._next_seq = -1
        self._lost = 0

    @property
    def lost(self) -> int:
        return self._lost

    def push(self, payload: bytes, timestamp: int, marker: bool, seq: int) -> list[AccessUnit]:
        gap = self._next_seq >= 0 and seq != self._next_seq
        self._next_seq = (seq + 1) & 0xFFFF
        if self._frag_size and (gap or timestamp != self._frag_ts):
            if gap and timestamp == self._frag_ts:
                self._discard_ts = timestamp
            self._drop_fragment()
        if timestamp == self._discard_ts:
            return []
        self._discard_ts = -1
        out: list[AccessUnit] = []
        if not self._parse(payload, timestamp, marker, out):
            self._lost += 1  # this packet's AU, or the fragmented one it belonged to
            self._reset_fragment()
        return out

    def _parse(self, payload: bytes, timestamp: int, marker: bool, out: list[AccessUnit]) -> bool:
        """Hand out what `payload` completes; False when it is malformed."""
        total = len(payload)
        header_bits = (payload[0] << 8) | payload[1] if total >= 2 else 0
        data_pos = 2 + ((header_bits + 7) >> 3)
        extra_bits = header_bits - self._first_bits
        if extra_bits < 0 or data_pos > total or extra_bits % self._next_bits:
            return False
        headers = int.from_bytes(payload[2:data_pos], "big")
        shift = (data_pos - 2) * 8 - self._first_bits
        size = (headers >> (shift + self._index_length)) & self._size_mask
        available = total - data_pos
        if extra_bits == 0 and (self._frag_size or size > available):
            return self._fragment(payload[data_pos:], size, timestamp, marker, out)
        if extra_bits == 0:  # the common case: one whole AU
            if size != available:
                return False
            out.append(AccessUnit(payload[data_pos:], timestamp, True))
            return True
        sizes = [size]
        offsets = [0]
        index = 0
        for _ in range(extra_bits // self._next_bits):
            shift -= self._next_bits
            field = headers >> shift
            sizes.append((field >> self._delta_length) & self._size_mask)
            index += (field & self._delta_mask) + 1
            offsets.append(index)
        if sum(sizes) != available:
            return False
        pos = data_pos
        for size, offset in zip(sizes, offsets, strict=True):
            out.append(
                AccessUnit(
                    payload[pos : pos + size],
                    (timestamp + AAC_FRAME_SAMPLES * offset) & 0xFFFFFFFF,
                    True,
                )
            )
            pos += size
        return True

    def _fragment(
        self, piece: bytes, size: int, timestamp: int, marker: bool, out: list[AccessUnit]
    ) -> bool:
        if self._frag_size and size != self._frag_size:
            self._drop_fragment()  # a new AU began before the old one was complete
        if not self._frag_size:
            self._frag_size = size
            self._frag_ts = timestamp
        self._frag_parts.append(piece)
        self._frag_have += len(piece)
        if self._frag_have > size:
            return False
        if self._frag_have == size:
            out.append(AccessUnit(b"".join(self._frag_parts), timestamp, True))
            self._reset_fragment()
        elif marker:
            return False  # the last fragment came and the AU is still short
        return True

    def _drop_fragment(self) -> None:
        self._lost += 1
        self._reset_fragment()

    def _reset_fragment(self) -> None:
        self._frag_parts.clear()
        self._frag_size = 0
        self._frag_have = 0


class PassthroughDepacketizer:
    """G.711 (PCMU/PCMA): every payload is one access unit of samples."""

    __slots__ = ("_lost",)

    def __init__(self) -> None:
        self._lost = 0

    @property
    def lost(self) -> int:
        return self._lost

    def push(self, payload: bytes, timestamp: int, marker: bool, seq: int) -> list[AccessUnit]:
        if not payload:
            self._lost += 1
            return []
        return [AccessUnit(payload, timestamp, True)]
