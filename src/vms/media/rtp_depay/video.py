"""H.264 and H.265 RTP depacketisers (RFC 6184 non-interleaved, RFC 7798 without DONL).

A video depacketiser only hands out access units a decoder can use given the ones before them:
after a sequence gap or a bad payload (and at start-up) it waits for the next keyframe whose
first NAL unit it saw. Access units it drops because of loss are counted in `lost`; non-keyframes
skipped at start-up are not, since nothing was lost. An access unit is complete at its RTP marker
bit, or when the RTP timestamp changes for cameras that never set it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from vms.media.h26x import (
    H264_AUD,
    H265_AUD,
    ParameterSets,
    VideoCodec,
    is_parameter_set,
    is_random_access,
    parameter_sets_from_units,
)
from vms.media.rtp_depay.base import AccessUnit

_START_CODE = b"\x00\x00\x00\x01"
_BYTES = tuple(bytes((value,)) for value in range(256))  # NAL headers without an allocation
_H264_STAP_A = 24
_H264_FU_A = 28
_H264_IGNORED = frozenset((0, 30, 31))  # RFC 6184 5.4: receivers ignore these types
_H265_AP = 48
_H265_FU = 49
_H265_PACI = 50


def _kinds(codec: VideoCodec, test: Callable[[VideoCodec, bytes], bool]) -> frozenset[int]:
    """The NAL unit types an h26x predicate accepts, so the per-packet path is a set lookup."""
    if codec is VideoCodec.H264:
        return frozenset(kind for kind in range(32) if test(codec, bytes((kind,))))
    return frozenset(kind for kind in range(64) if test(codec, bytes((kind << 1, 1))))


class _VideoDepacketizer:
    """Access unit assembly shared by H.264 and H.265; subclasses parse their payload formats.

    The NAL units of the open access unit are collected as a list of parts (start codes, NAL
    units, fragments) and joined once when it ends, so a packet costs a slice and an append.
    """

    __slots__ = (
        "_after_loss",
        "_await_key",
        "_check_head",
        "_damaged",
        "_fu_kind",
        "_fu_start",
        "_keyframe",
        "_lost",
        "_next_seq",
        "_open",
        "_param_sets",
        "_parts",
        "_timestamp",
        "_units",
    )

    _codec: ClassVar[VideoCodec]
    _aud: ClassVar[int]
    _param_kinds: ClassVar[frozenset[int]]
    _random_access: ClassVar[frozenset[int]]

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._timestamp = 0
        self._open = False  # an access unit has begun and not yet ended
        self._keyframe = False
        self._damaged = False  # the open access unit lost data: it will be dropped and counted
        self._check_head = False  # the open one began after a gap: its first NAL must start an AU
        self._fu_start = -1  # index in _parts of the start code of an unfinished fragmented NAL
        self._fu_kind = 0
        self._next_seq = -1
        self._await_key = True  # a decoder could not use anything before the next keyframe
        self._after_loss = False  # what is skipped while awaiting a keyframe counts as lost
        self._lost = 0
        self._units: dict[int, bytes] = {}  # latest parameter set of each NAL type
        self._param_sets: ParameterSets | None = None

    @property
    def lost(self) -> int:
        return self._lost

    @property
    def parameter_sets(self) -> ParameterSets | None:
        """The latest in-band parameter sets, once one of each kind the codec needs was seen."""
        if self._param_sets is None and len(self._units) == len(self._param_kinds):
            units = [self._units[kind] for kind in sorted(self._param_kinds)]
            self._param_sets = parameter_sets_from_units(self._codec, units)
        return self._param_sets

    def push(self, payload: bytes, timestamp: int, marker: bool, seq: int) -> list[AccessUnit]:
        out: list[AccessUnit] = []
        expected = self._next_seq
        self._next_seq = (seq + 1) & 0xFFFF
        gap = seq != expected
        if gap:
            self._await_key = True
            if expected >= 0:
                self._after_loss = True
                if self._open:
                    self._damaged = True  # its middle or its end went missing
        if self._open and timestamp != self._timestamp:
            self._close(out)  # cameras that never set the marker end an AU this way
        if not self._open:
            self._open = True
            self._timestamp = timestamp
            self._keyframe = False
            self._damaged = False
            self._check_head = gap  # the lost packets may have been this AU's beginning
        if not self._damaged:
            self._depay(payload)
        if marker:
            self._close(out)
        return out

    def _depay(self, payload: bytes) -> None:
        raise NotImplementedError

    def _starts_access_unit(self, kind: int, first_body_byte: int) -> bool:
        raise NotImplementedError

    def _close(self, out: list[AccessUnit]) -> None:
        """End the open access unit: hand it out, or drop it (damaged, or no keyframe yet)."""
        self._open = False
        parts = self._parts
        if self._fu_start >= 0:
            self._fu_start = -1
            self._damaged = True  # a fragmented NAL unit never got its end
        if self._damaged:
            self._lost += 1
            self._await_key = self._after_loss = True
            parts.clear()
            return
        if not parts:
            return  # nothing but delimiters or ignored packets
        if self._await_key:
            if not self._keyframe:
                if self._after_loss:
                    self._lost += 1
                parts.clear()
                return
            self._await_key = self._after_loss = False
        sets = self.parameter_sets if self._keyframe else None
        out.append(AccessUnit(b"".join(parts), self._timestamp, self._keyframe, sets))
        parts.clear()

    def _begin_nal(self, kind: int, first_body_byte: int) -> bool:
        """Note a NAL unit's start; False (and the AU damaged) if it cannot begin a lost AU."""
        if self._check_head:
            self._check_head = False
            if not self._starts_access_unit(kind, first_body_byte):
                self._damaged = True
                return False
        if kind in self._random_access:
            self._keyframe = True
        return True

    def _add_nal(self, nal: bytes, kind: int, first_body_byte: int) -> None:
        if not self._begin_nal(kind, first_body_byte) or kind == self._aud:
            return
        if kind in self._param_kinds:
            self._remember(kind, nal)
        self._parts += (_START_CODE, nal)

    def _end_fragment(self) -> None:
        start = self._fu_start
        self._fu_start = -1
        kind = self._fu_kind
        if kind == self._aud:
            del self._parts[start:]
        elif kind in self._param_kinds:
            self._remember(kind, b"".join(self._parts[start + 1 :]))

    def _remember(self, kind: int, nal: bytes) -> None:
        if self._units.get(kind) != nal:
            self._units[kind] = nal
            self._param_sets = None

    # The two codecs' fragmentation and aggregation units differ only in the size of the NAL
    # header (1 byte for H.264, 2 for H.265) and in where the NAL type sits in it.
    _header_bytes = 1
    _fu_kind_mask = 0x1F

    def _kind_of(self, nal: bytes) -> int:
        raise NotImplementedError

    def _single_kind(self, kind: int) -> bool:
        """Whether `kind` is a NAL unit type (not an aggregation or fragmentation unit)."""
        raise NotImplementedError

    def _fu_header(self, payload: bytes, kind: int) -> tuple[bytes, ...]:
        """The NAL header that a fragmentation unit's start leaves out, rebuilt."""
        raise NotImplementedError

    def _fragment(self, payload: bytes) -> None:
        body = self._header_bytes + 1
        fu = payload[body - 1] if len(payload) > body else 0xFF
        kind = fu & self._fu_kind_mask
        if not self._single_kind(kind):
            self._damaged = True
            return
        if fu & 0x80:
            if self._fu_start >= 0 or not self._begin_nal(kind, payload[body]):
                self._damaged = True
                return
            self._fu_start = len(self._parts)
            self._fu_kind = kind
            self._parts += (_START_CODE, *self._fu_header(payload, kind), payload[body:])
        elif self._fu_start < 0 or kind != self._fu_kind:
            self._damaged = True  # a fragment whose start was not seen
            return
        else:
            self._parts.append(payload[body:])
        if fu & 0x40:
            self._end_fragment()

    def _aggregate(self, payload: bytes) -> None:
        """STAP-A (H.264) or AP (H.265): NAL units behind 16-bit sizes."""
        header = self._header_bytes
        nals: list[bytes] = []
        size_total = len(payload)
        pos = header
        while pos < size_total:
            end = pos + 2 + ((payload[pos] << 8) | payload[pos + 1]) if pos + 2 < size_total else 0
            if end < pos + 2 + header or end > size_total or payload[pos + 2] & 0x80:
                self._damaged = True
                return
            nals.append(payload[pos + 2 : end])
            pos = end
        if not nals:
            self._damaged = True
            return
        for nal in nals:
            kind = self._kind_of(nal)
            if not self._single_kind(kind):
                self._damaged = True
                return
            self._add_nal(nal, kind, nal[header] if len(nal) > header else 0)
            if self._damaged:
                return


class H264Depacketizer(_VideoDepacketizer):
    """RFC 6184 non-interleaved mode: single NAL units (1-23), STAP-A (24) and FU-A (28)."""

    __slots__ = ()
    _codec = VideoCodec.H264
    _aud = H264_AUD
    _param_kinds = _kinds(VideoCodec.H264, is_parameter_set)
    _random_access = _kinds(VideoCodec.H264, is_random_access)
    # H.264 7.4.1.2.3: NAL types that may come before the first slice of an access unit
    _au_head_kinds = frozenset((6, 7, 8, 9, 13, 14, 15, 16, 17, 18))
    _first_slice_kinds = frozenset((1, 2, 5))  # slice headers that begin with first_mb_in_slice

    def _starts_access_unit(self, kind: int, first_body_byte: int) -> bool:
        if kind in self._first_slice_kinds:
            return bool(first_body_byte & 0x80)  # ue(v) first_mb_in_slice == 0 is a single 1 bit
        return kind in self._au_head_kinds

    def _depay(self, payload: bytes) -> None:
        if not payload or payload[0] & 0x80:  # empty, or forbidden_zero_bit set
            self._damaged = True
            return
        kind = payload[0] & 0x1F
        if kind == _H264_FU_A:
            self._fragment(payload)
        elif self._fu_start >= 0:
            self._damaged = True  # another packet inside a fragmented NAL unit
        elif kind < _H264_STAP_A and kind:
            self._add_nal(payload, kind, payload[1] if len(payload) > 1 else 0)
        elif kind == _H264_STAP_A:
            self._aggregate(payload)
        elif kind not in _H264_IGNORED:
            self._damaged = True  # STAP-B, MTAP, FU-B: interleaved mode, not negotiated

    def _kind_of(self, nal: bytes) -> int:
        return nal[0] & 0x1F

    def _single_kind(self, kind: int) -> bool:
        return 0 < kind < _H264_STAP_A

    def _fu_header(self, payload: bytes, kind: int) -> tuple[bytes, ...]:
        return (_BYTES[(payload[0] & 0xE0) | kind],)


class H265Depacketizer(_VideoDepacketizer):
    """RFC 7798 without DONL: single NAL units (0-47), aggregation packets (48) and FUs (49)."""

    __slots__ = ()
    _header_bytes = 2
    _fu_kind_mask = 0x3F
    _codec = VideoCodec.H265
    _aud = H265_AUD
    _param_kinds = _kinds(VideoCodec.H265, is_parameter_set)
    _random_access = _kinds(VideoCodec.H265, is_random_access)
    # H.265 7.4.2.4.4: NAL types that may come before the first slice segment of an access unit
    _au_head_kinds = frozenset((32, 33, 34, 35, 39, 41, 42, 43, 44, *range(48, 56)))

    def _starts_access_unit(self, kind: int, first_body_byte: int) -> bool:
        if kind < 32:
            return bool(first_body_byte & 0x80)  # first_slice_segment_in_pic_flag
        return kind in self._au_head_kinds

    def _depay(self, payload: bytes) -> None:
        if len(payload) < 2 or payload[0] & 0x80:  # short, or forbidden_zero_bit set
            self._damaged = True
            return
        kind = (payload[0] >> 1) & 0x3F
        if kind == _H265_FU:
            self._fragment(payload)
        elif self._fu_start >= 0:
            self._damaged = True  # another packet inside a fragmented NAL unit
        elif kind < _H265_AP:
            self._add_nal(payload, kind, payload[2] if len(payload) > 2 else 0)
        elif kind == _H265_AP:
            self._aggregate(payload)
        elif kind == _H265_PACI:
            self._damaged = True  # PACI carries a NAL unit this reader does not unwrap
        # 51-63 are unspecified: ignored

    def _kind_of(self, nal: bytes) -> int:
        return (nal[0] >> 1) & 0x3F

    def _single_kind(self, kind: int) -> bool:
        return kind < _H265_AP

    def _fu_header(self, payload: bytes, kind: int) -> tuple[bytes, ...]:
        return (_BYTES[(payload[0] & 0x81) | (kind << 1)], _BYTES[payload[1]])
