"""Decoding timestamps for a video track that arrives in decode order but carries only PTS.

RTP gives each access unit one timestamp, its presentation time. With B-frames the units arrive
in decode order, so that time goes back and forth (I0 P3 B1 B2 ...); muxers and the packet rules
need a decoding time that only increases and is never after the presentation time.

The method (docs/design/media-path.md, "Timestamps and reordering"): a stream whose pictures are
reordered by at most `depth` places gives the n-th unit in decode order, as its DTS, the
(n - depth)-th smallest PTS of the stream, i.e. the sorted PTS sequence delayed by `depth` units.
That value is known when the n-th unit arrives (a min-heap of the PTS not yet used), so no unit
waits; the first `depth` units of a sequence get DTS extrapolated back from the first PTS by a
nominal frame step. It is strictly increasing and never above the unit's PTS as long as the
stream reorders no deeper than `depth`. Depth 0 gives DTS == PTS.

The depth comes from the stream's parameter sets (`CodecParams.reorder_depth`). A stream that
declares less than it does (an H.264 SPS without a VUI bitstream restriction) shows it as a PTS
below a DTS already given: the depth is then learned from the PTS of the recent units, and a new
sequence starts (the unit's DTS goes back, which the normaliser handles as a discontinuity, once).
A PTS below every recent one is a jump of the camera's clock, not reordering: a new sequence
starts with the depth unchanged.
"""

from __future__ import annotations

import heapq
from collections import deque

MAX_DEPTH = 16  # H.264 and H.265 hold at most 16 pictures for reordering
_RECENT = MAX_DEPTH + 1


class DecodeOrder:
    """DTS for one track's units, given their PTS in arrival (decode) order; pure, no I/O."""

    __slots__ = (
        "_count",
        "_depth",
        "_first",
        "_last",
        "_pending",
        "_recent",
        "_step",
        "declared",
        "learned",
    )

    def __init__(self, depth: int, step: int) -> None:
        """`depth`: reordering the stream declares (0: none); `step`: a nominal frame
        duration in ticks, used only for the DTS of the first `depth` units of a sequence."""
        self.declared = depth
        self._depth = max(0, min(depth, MAX_DEPTH))
        self._step = max(1, step)
        self._pending: list[int] = []  # min-heap of PTS not yet given out as a DTS
        self._recent: deque[int] = deque(maxlen=_RECENT)
        self._count = 0  # units in the current sequence
        self._first = 0  # PTS of the sequence's first unit
        self._last: int | None = None  # the last DTS given
        self.learned = False  # the depth was raised above the declared one

    @property
    def depth(self) -> int:
        """The reordering depth in use: the declared one, or a deeper learned one."""
        return self._depth

    def dts(self, pts: int) -> int:
        """The decoding timestamp of the next unit, whose presentation timestamp is `pts`."""
        if self._depth == 0 and (self._last is None or pts > self._last):
            self._last = pts  # the common case, kept cheap: no reordering, DTS == PTS
            self._recent.append(pts)
            return pts
        dts = self._candidate(pts)
        if self._last is not None and dts <= self._last:
            dts = self._last + 1
        if dts > pts:  # no DTS keeps the order: deeper reordering than known, or a jump back
            self._restart(pts)
            dts = self._candidate(pts)
        self._last = dts
        self._recent.append(pts)
        return dts

    def _candidate(self, pts: int) -> int:
        """The sorted PTS sequence delayed by `depth` units (extrapolated for the first ones)."""
        if self._count == 0:
            self._first = pts
        self._count += 1
        if self._depth == 0:
            return pts
        heapq.heappush(self._pending, pts)
        if len(self._pending) > self._depth:
            return heapq.heappop(self._pending)
        return self._first - (self._depth - self._count + 1) * self._step

    def _restart(self, pts: int) -> None:
        """Start a new sequence at this unit, deeper if the recent PTS show reordering."""
        later = sum(1 for seen in self._recent if seen > pts)
        reordered = later < len(self._recent) and any(seen < pts for seen in self._recent)
        if reordered and later > self._depth:
            self._depth = min(later, MAX_DEPTH)
            self.learned = True
        self._pending.clear()
        self._count = 0
        self._last = None
