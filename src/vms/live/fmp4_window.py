"""The live fMP4 window of one camera stream: fragments grouped into LL-HLS parts and segments.

Pure bookkeeping (no I/O, no threads, no clock), so the cutting rules are tested with tables:
- a part closes before the main-track fragment that would take it past the part target, or at a
  video keyframe once it has 85 % of the target (the new part is then INDEPENDENT);
- a segment closes at the first main-track keyframe `MIN_SEGMENT_US` or more after its start, so
  every segment starts on a keyframe; the first segment of a run (start, reconnect, gap) closes
  at the next keyframe already, so that players which need a whole segment (not LL-HLS aware,
  like ffmpeg) can start one GOP after the packager did, not two;
- a new init segment (camera reconnect) or a gap in the packets (the packager's own drops) starts
  a segment marked as a discontinuity;
- only the last `window_segments` whole segments are kept.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from vms.media.fmp4_mux import MuxedFragment

MIN_SEGMENT_US = 2_000_000  # a new segment at the first keyframe after ~2 s
MIN_PART_SHARE = 0.85  # RFC 8216bis: parts but a segment's last SHOULD be >= 85 % of the target


@dataclass(frozen=True, slots=True)
class InitSegment:
    """The ftyp+moov header of one muxer (one camera connection)."""

    number: int  # 1, 2, … within one packager
    data: bytes
    mime: str  # 'video/mp4; codecs="avc1.64001F,mp4a.40.2"'


@dataclass(frozen=True, slots=True)
class Part:
    """An LL-HLS partial segment: consecutive fragments, starting with a main-track sample."""

    msn: int
    index: int
    data: bytes
    duration_us: int
    independent: bool  # starts with a keyframe (always true for audio-only streams)


@dataclass(frozen=True, slots=True)
class Segment:
    """A whole or growing media segment; its bytes are the concatenation of its parts."""

    msn: int
    init: InitSegment
    parts: tuple[Part, ...]
    wall_ms: int  # wall clock of its first sample
    discontinuity: bool
    complete: bool

    @property
    def duration_us(self) -> int:
        return sum(p.duration_us for p in self.parts)

    def data(self) -> bytes:
        return b"".join(p.data for p in self.parts)


@dataclass(frozen=True, slots=True)
class WindowView:
    """A consistent snapshot for one playlist response."""

    segments: tuple[Segment, ...]  # whole segments, oldest first
    open: Segment | None  # the segment being built, with the parts published so far
    discontinuity_sequence: int
    target_duration_s: int
    part_target_us: int
    next_part: tuple[int, int]  # (msn, index) of the part that will be published next
    version: int

    @property
    def last_part(self) -> tuple[int, int] | None:
        """(msn, index) of the newest published part."""
        if self.open is not None and self.open.parts:
            return self.open.msn, len(self.open.parts) - 1
        if self.segments:
            last = self.segments[-1]
            return last.msn, len(last.parts) - 1
        return None

    @property
    def last_complete_msn(self) -> int | None:
        return self.segments[-1].msn if self.segments else None


@dataclass(slots=True)
class _Building:
    """The open segment and its open part."""

    msn: int
    init: InitSegment
    wall_ms: int
    discontinuity: bool
    parts: list[Part] = field(default_factory=list)
    part_start_us: int = 0
    part_end_us: int = 0  # end of the last main-track sample in the open part
    part_independent: bool = True
    part_fragments: list[bytes] = field(default_factory=list)
    start_us: int = 0
    first_of_run: bool = False  # the first segment since a start, reconnect or gap

    def segment(self, *, complete: bool) -> Segment:
        """The parts closed so far as a segment (whole once `complete`)."""
        return Segment(
            msn=self.msn,
            init=self.init,
            parts=tuple(self.parts),
            wall_ms=self.wall_ms,
            discontinuity=self.discontinuity,
            complete=complete,
        )


class LiveWindow:
    """Parts and segments of one stream; owned by one packager (not thread-safe)."""

    def __init__(self, *, part_target_us: int, window_segments: int, first_msn: int = 0) -> None:
        self.part_target_us = part_target_us
        self.window_segments = window_segments
        self._segments: deque[Segment] = deque()
        self._building: _Building | None = None
        self._init: InitSegment | None = None
        self._main = 0
        self._main_is_video = True
        self._next_msn = first_msn
        self._discontinuity_next = False
        self._discontinuity_sequence = 0
        self._target_s = max(1, round(MIN_SEGMENT_US / 1_000_000))
        self.version = 0  # bumped whenever a part is published

    @property
    def init(self) -> InitSegment | None:
        return self._init

    @property
    def next_msn(self) -> int:
        """The media sequence number the next segment will get."""
        return self._next_msn

    def begin(self, init: InitSegment, *, main_track: int, main_is_video: bool) -> None:
        """A new muxer (first connection or reconnect): what follows is a discontinuity."""
        self.finish()
        if self._init is not None:
            self._discontinuity_next = True
        self._init = init
        self._main = main_track
        self._main_is_video = main_is_video

    def mark_gap(self) -> None:
        """Packets were lost: the next keyframe starts a new segment after a discontinuity."""
        self._discontinuity_next = True

    def finish(self) -> None:
        """The stream ended: publish the open part and segment as they are."""
        building = self._building
        if building is not None:
            self._close_segment(building, building.part_end_us)

    def add(self, fragment: MuxedFragment) -> bool:
        """Take one fragment; False when it cannot be used yet (no keyframe since the start)."""
        if self._init is None:
            return False
        is_main = fragment.track == self._main
        building = self._building
        sync = is_main and (fragment.keyframe or not self._main_is_video)
        if building is None or (sync and self._discontinuity_next):
            if not sync:
                return False
            if building is not None:
                self._close_segment(building, building.part_end_us)
            building = self._open_segment(fragment)
        elif is_main:
            self._cut_before(building, fragment)
            building = self._building
            assert building is not None
            building.part_end_us = fragment.start_us + fragment.duration_us
        building.part_fragments.append(fragment.data)
        return True

    def _cut_before(self, building: _Building, fragment: MuxedFragment) -> None:
        """Close the part (and maybe the segment) that `fragment` must not join."""
        video_key = self._main_is_video and fragment.keyframe
        long_enough = fragment.start_us - building.start_us >= MIN_SEGMENT_US
        if self._main_is_video:
            segment_due = video_key and (building.first_of_run or long_enough)
        else:
            segment_due = long_enough
        if segment_due:
            self._close_segment(building, fragment.start_us)
            self._open_segment(fragment)
            return
        elapsed_us = fragment.start_us - building.part_start_us
        end_us = fragment.start_us + fragment.duration_us
        keyframe_cut = video_key and elapsed_us >= self.part_target_us * MIN_PART_SHARE
        if keyframe_cut or end_us - building.part_start_us > self.part_target_us:
            self._close_part(building, fragment.start_us)
            building.part_start_us = fragment.start_us
            building.part_independent = fragment.keyframe or not self._main_is_video

    def _open_segment(self, fragment: MuxedFragment) -> _Building:
        assert self._init is not None
        building = self._building = _Building(
            msn=self._next_msn,
            init=self._init,
            wall_ms=fragment.wall_ms,
            discontinuity=self._discontinuity_next and bool(self._segments),
            first_of_run=self._discontinuity_next or not self._segments,
            part_start_us=fragment.start_us,
            part_end_us=fragment.start_us + fragment.duration_us,
            start_us=fragment.start_us,
        )
        self._discontinuity_next = False
        self._next_msn += 1
        return building

    def _close_part(self, building: _Building, end_us: int) -> None:
        if not building.part_fragments:
            return
        building.parts.append(
            Part(
                msn=building.msn,
                index=len(building.parts),
                data=b"".join(building.part_fragments),
                duration_us=max(0, end_us - building.part_start_us),
                independent=building.part_independent,
            )
        )
        building.part_fragments = []
        self.version += 1

    def _close_segment(self, building: _Building, end_us: int) -> None:
        self._close_part(building, end_us)
        self._building = None
        if not building.parts:
            return
        segment = building.segment(complete=True)
        self._segments.append(segment)
        self._target_s = max(self._target_s, round(segment.duration_us / 1_000_000))
        while len(self._segments) > self.window_segments:
            if self._segments.popleft().discontinuity:
                self._discontinuity_sequence += 1
        self.version += 1

    def view(self) -> WindowView:
        building = self._building
        open_segment = building.segment(complete=False) if building is not None else None
        next_part = (
            (building.msn, len(building.parts)) if building is not None else (self._next_msn, 0)
        )
        return WindowView(
            segments=tuple(self._segments),
            open=open_segment,
            discontinuity_sequence=self._discontinuity_sequence,
            target_duration_s=self._target_s,
            part_target_us=self.part_target_us,
            next_part=next_part,
            version=self.version,
        )

    def join_point(self) -> list[bytes]:
        """For a new MSE viewer: the bytes from the newest keyframe up to now (whole fragments)."""
        building = self._building
        if building is None:
            return []
        if building.part_independent and building.part_fragments:
            return list(building.part_fragments)
        start = max((p.index for p in building.parts if p.independent), default=0)
        return [*(p.data for p in building.parts[start:]), *building.part_fragments]
