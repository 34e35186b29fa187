"""Pure per-connection packet rules: keyframe gate, timestamp repair, generations, wall clock.

Kept free of PyAV and threads so the rules that real cameras break (a first keyframe without
timestamps, DTS going backwards, forward jumps, audio before the first keyframe) are tested with a
fake packet source. The demux thread turns each PyAV packet into a `RawPacket`, pushes it here and
publishes whatever comes out, in order.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

log = logging.getLogger(__name__)

WALLCLOCK_RTCP = "rtcp"
WALLCLOCK_ARRIVAL = "arrival"
_ARRIVAL_SLACK_MS = 5.0  # a packet cannot have been captured after it arrived (beyond jitter)
# The trust rule for sender reports (docs/design/media-path.md): a camera whose NTP clock is a few
# hundred ms off, plus its encoder latency and the network delay (well under a second on a LAN),
# stays inside 2 s of the minimum-delay arrival path; a restart, an NTP step or a wrong clock
# does not.
TRUST_BOUND_MS = 2000.0
TRUST_WINDOW_S = 10.0  # longer than any stall a TCP camera catches up from (io_timeout_s)
TRUST_WINDOW_MS = TRUST_WINDOW_S * 1000.0


@dataclass(frozen=True, slots=True)
class RawPacket:
    """A demuxed packet as it came, before repair; times of arrival from the injected clock."""

    track: int
    data: bytes
    pts: int | None
    dts: int | None
    duration: int | None
    keyframe: bool
    arrival_ms: int  # Clock.now_ms() when read
    arrival_mono: float  # Clock.monotonic() when read
    prft_us: int | None = None  # FFmpeg 'prft' side data: wall clock of pts from RTCP, in µs


class WallClock:
    """Maps one track's pts to wall-clock ms smoothly: an anchor plus the pts delta.

    Arrival timing, always kept: the anchor is the arrival time of a packet (the minimum-delay
    path): it moves earlier when a packet arrives before its predicted time, and later only when
    arrival lags the prediction by more than ``rebase_ms`` (a stall), so network jitter does not
    make timestamps jitter.

    Sender reports ('prft' side data), when given and trusted, take over: their anchor moves only
    when a new report changes the mapping by more than 1 ms. They stay bound to arrival by the
    trust rule (docs/design/media-path.md): a report mapping is dropped for good, and the clock
    falls back to arrival timing, when a packet's reported capture time is more than
    ``TRUST_BOUND_MS`` after its arrival, when a new mapping (the first, or one that moved by
    more than the bound) is more than the bound before the arrival path, or when every packet of
    a ``TRUST_WINDOW_MS`` window arrived more than the bound after its reported capture time.
    """

    __slots__ = (
        "_anchor_ms",
        "_anchor_pts",
        "_rebase_ms",
        "_report_ms",
        "_report_pts",
        "_tick_ms",
        "_window_lag_ms",
        "_window_start_ms",
        "source",
        "untrusted",
    )

    def __init__(
        self, time_base: Fraction, rebase_ms: float = 1000.0, *, trust_reports: bool = True
    ) -> None:
        self._tick_ms = float(time_base) * 1000.0
        self._rebase_ms = rebase_ms
        self._anchor_pts: int | None = None
        self._anchor_ms = 0.0
        self._report_pts: int | None = None
        self._report_ms = 0.0
        self._window_start_ms = 0
        self._window_lag_ms = math.inf
        self.source = WALLCLOCK_ARRIVAL
        # Why the sender reports were dropped ('' when they were never trusted to begin with).
        self.untrusted: str | None = None if trust_reports else ""

    def wall_ms(self, pts: int, arrival_ms: int, prft_us: int | None) -> int:
        arrival_wall = self._by_arrival(pts, arrival_ms)
        if self.untrusted is None and (prft_us is not None or self._report_pts is not None):
            reported = self._by_report(pts, arrival_ms, arrival_wall, prft_us)
            if reported is not None:
                return round(reported)
        return round(arrival_wall)

    def distrust(self, reason: str) -> None:
        """Drop the sender reports for good: from now on times follow arrival."""
        if self.untrusted is None:
            self.untrusted = reason
        self.source = WALLCLOCK_ARRIVAL

    def _by_arrival(self, pts: int, arrival_ms: int) -> float:
        predicted = self._predict(pts)
        if (
            self._anchor_pts is None
            or predicted > arrival_ms + _ARRIVAL_SLACK_MS
            or predicted < arrival_ms - self._rebase_ms
        ):
            self._anchor_pts, self._anchor_ms = pts, float(arrival_ms)
        return self._predict(pts)

    def _by_report(
        self, pts: int, arrival_ms: int, arrival_wall: float, prft_us: int | None
    ) -> float | None:
        """The reported wall time of `pts`, or None once the reports are found untrustworthy."""
        new_mapping = self._report_pts is None
        if prft_us is not None:
            prft_ms = prft_us / 1000.0
            moved = abs(self._report_predict(pts) - prft_ms)
            if new_mapping or moved > 1.0:
                new_mapping = new_mapping or moved > TRUST_BOUND_MS
                self._report_pts, self._report_ms = pts, prft_ms
        reported = self._report_predict(pts)
        lag = arrival_ms - reported  # how long before arrival the camera says it was captured
        if lag < -TRUST_BOUND_MS:
            self.distrust(f"{-lag / 1000:.1f} s after the packet arrived")
        elif new_mapping and reported < arrival_wall - TRUST_BOUND_MS:
            self.distrust(f"{(arrival_wall - reported) / 1000:.1f} s before arrival")
        elif new_mapping or arrival_ms - self._window_start_ms >= TRUST_WINDOW_MS:
            if not new_mapping and self._window_lag_ms > TRUST_BOUND_MS:
                late = self._window_lag_ms / 1000
                self.distrust(f"at least {late:.1f} s before arrival for {TRUST_WINDOW_S:g} s")
            self._window_start_ms, self._window_lag_ms = arrival_ms, lag
        else:
            self._window_lag_ms = min(self._window_lag_ms, lag)
        if self.untrusted is not None:
            return None
        self.source = WALLCLOCK_RTCP
        return reported

    def _predict(self, pts: int) -> float:
        anchor = self._anchor_pts if self._anchor_pts is not None else pts
        return self._anchor_ms + (pts - anchor) * self._tick_ms

    def _report_predict(self, pts: int) -> float:
        anchor = self._report_pts if self._report_pts is not None else pts
        return self._report_ms + (pts - anchor) * self._tick_ms


class _Slot:
    """A packet waiting in order for its timestamps (filled from a later packet of its track)."""

    __slots__ = ("dts", "filled", "pts", "raw")

    def __init__(self, raw: RawPacket, reordered: bool) -> None:
        """`reordered`: the track has B-frames, so a PTS is no DTS (FFmpeg gives the first
        packets of such a track a PTS only): the packet waits for a later DTS instead."""
        self.raw = raw
        self.dts = raw.dts if raw.dts is not None or reordered else raw.pts
        self.pts = raw.pts if raw.pts is not None else raw.dts
        self.filled = self.dts is None


class _TrackState:
    __slots__ = ("last_dts", "last_duration", "last_filled", "last_mono")

    def __init__(self) -> None:
        self.last_dts: int | None = None
        self.last_duration = 0
        self.last_filled = False
        self.last_mono = 0.0


def default_duration(params: CodecParams) -> int:
    """A frame's duration in ticks when the stream does not say: 25 fps video, 20 ms audio."""
    seconds = Fraction(1, 25) if params.kind is MediaKind.VIDEO else Fraction(1, 50)
    return max(1, round(seconds / params.time_base))


class PacketNormaliser:
    """Turns one connection's raw packets into `Packet`s and new `StreamInfo` generations.

    Rules (each tested in tests/unit/ingest/test_normalise.py):
    - nothing is emitted before the first video keyframe of the connection or of a generation;
    - a packet without timestamps is kept and waits (in order, with whatever follows it) for the
      next timestamped packet of its track, then gets that DTS minus its duration; after
      ``max_pending`` packets it is filled from the previous packet instead;
    - DTS going backwards on a track, or jumping forward by more than ``jump_threshold_s`` beyond
      the elapsed arrival time, starts a new generation (a new `StreamInfo` is emitted first);
    - an equal DTS (or a filled one that collides) is bumped by one tick so muxers accept it,
      and pts is never below dts.
    """

    def __init__(
        self,
        tracks: tuple[CodecParams, ...],
        generation: int,
        *,
        jump_threshold_s: float = 5.0,
        max_pending: int = 64,
        label: str = "",
    ) -> None:
        """`label` names the stream in log lines (camera id/stream)."""
        self._tracks = tracks
        self._tick_s = [float(t.time_base) for t in tracks]  # no Fraction maths per packet
        self._info = StreamInfo(tracks, generation)
        self._video = self._info.video_track
        self._jump_threshold_s = jump_threshold_s
        self._max_pending = max_pending
        self._durations = tuple(default_duration(t) for t in tracks)
        self._pending: deque[_Slot] = deque()
        self._need_key = True
        self._states = [_TrackState() for _ in tracks]
        self._label = label or "stream"
        self._trust_reports = True  # until one track's sender reports fail the trust rule
        self._clocks = self._new_clocks()
        self.discarded = 0
        self.discontinuities = 0
        self.last_discontinuity: str | None = None  # why the latest new generation began

    @property
    def info(self) -> StreamInfo:
        """The current generation's StreamInfo (publish it before the first packet)."""
        return self._info

    @property
    def wallclock_source(self) -> str:
        """'rtcp' once the video track (or the first track) is timed by sender reports."""
        if not self._clocks:
            return WALLCLOCK_ARRIVAL
        return self._clocks[self._video if self._video is not None else 0].source

    def push(self, raw: RawPacket) -> list[Packet | StreamInfo]:
        """Take one raw packet; return what is ready to publish, in order."""
        out: list[Packet | StreamInfo] = []
        if not 0 <= raw.track < len(self._tracks):
            return out
        if self._need_key and not self._pending and not self._is_sync(raw):
            self.discarded += 1
            return out
        slot = _Slot(raw, self._tracks[raw.track].has_b_frames)
        if slot.dts is not None:
            self._backfill(raw.track, slot.dts, slot.pts)
        self._pending.append(slot)
        self._release(out, force=len(self._pending) > self._max_pending)
        return out

    def flush(self) -> list[Packet | StreamInfo]:
        """At the end of a connection: emit what still waits, timestamps filled from the past."""
        out: list[Packet | StreamInfo] = []
        self._release(out, force=True)
        return out

    def new_tracks(self, tracks: tuple[CodecParams, ...]) -> list[Packet | StreamInfo]:
        """The camera changed its codec parameters (e.g. its picture size) at the next packet:
        emit what waits, then a new generation with these tracks (a new init downstream),
        which again begins at a video keyframe. Timestamps go on as before."""
        out = self.flush()
        self._tracks = tracks
        self._tick_s = [float(t.time_base) for t in tracks]
        self._durations = tuple(default_duration(t) for t in tracks)
        self._info = StreamInfo(tracks, self._info.generation + 1)
        self._video = self._info.video_track
        self._clocks = self._new_clocks()
        self._states = [_TrackState() for _ in tracks]
        self._need_key = True
        out.append(self._info)
        return out

    def _new_clocks(self) -> list[WallClock]:
        """Fresh anchors (a stale mapping is never carried into a new generation); distrust of
        the camera's sender reports is carried, for the rest of the connection."""
        return [WallClock(t.time_base, trust_reports=self._trust_reports) for t in self._tracks]

    def _distrust_reports(self, track: int, reason: str) -> None:
        """One track's reports failed the trust rule: every track follows arrival from now on,
        so audio and video stay on one clock. Logged once per connection, not per packet."""
        self._trust_reports = False
        for clock in self._clocks:
            clock.distrust(reason)
        log.warning(
            "%s: the camera's sender reports (RTCP) put track %d %s; not trusting them, "
            "recording times follow arrival instead (is the camera's clock right?)",
            self._label,
            track,
            reason,
        )

    def _is_sync(self, raw: RawPacket) -> bool:
        return raw.keyframe and (self._video is None or raw.track == self._video)

    def _backfill(self, track: int, next_dts: int, next_pts: int | None) -> None:
        """Give the waiting packets of `track` DTS one duration apart before `next_dts`. On a
        track with B-frames a waiting packet keeps its PTS, and one without (a first keyframe)
        is shown one duration before the earliest PTS after it."""
        reordered = self._tracks[track].has_b_frames
        later = next_pts
        for slot in reversed(self._pending):
            if slot.raw.track != track:
                continue
            if slot.dts is not None:
                return
            step = slot.raw.duration or self._durations[track]
            next_dts -= step
            slot.dts = next_dts
            pts = slot.raw.pts
            if pts is None:
                pts = next_dts if not reordered or later is None else max(next_dts, later - step)
            slot.pts = pts
            later = pts if later is None else min(later, pts)

    def _release(self, out: list[Packet | StreamInfo], *, force: bool) -> None:
        while self._pending:
            if self._pending[0].dts is None and not force:
                return
            self._emit(self._pending.popleft(), out)
            force = force and len(self._pending) > self._max_pending

    def _emit(self, slot: _Slot, out: list[Packet | StreamInfo]) -> None:
        raw = slot.raw
        state = self._states[raw.track]
        if slot.dts is None:  # never resolved: continue from the previous packet of the track
            last = state.last_dts
            slot.dts = 0 if last is None else last + (state.last_duration or 1)
            slot.pts = slot.dts
        dts = slot.dts
        reason = self._discontinuity(raw.track, state, dts, raw.arrival_mono, slot.filled)
        if reason is not None:
            self._new_generation(reason, raw.track)
            out.append(self._info)
            state = self._states[raw.track]
        elif state.last_dts is not None and dts <= state.last_dts:
            dts = state.last_dts + 1
        if self._need_key:
            if not self._is_sync(raw):
                self.discarded += 1
                return
            self._need_key = False
        pts = max(slot.pts if slot.pts is not None else dts, dts)
        duration = raw.duration or 0
        clock = self._clocks[raw.track]
        wall = clock.wall_ms(pts, raw.arrival_ms, raw.prft_us)
        if clock.untrusted and self._trust_reports:
            self._distrust_reports(raw.track, clock.untrusted)
        out.append(
            Packet(
                track=raw.track,
                data=raw.data,
                pts=pts,
                dts=dts,
                duration=duration,
                keyframe=raw.keyframe,
                wall_ms=wall,
                generation=self._info.generation,
            )
        )
        state.last_dts = dts
        state.last_duration = duration
        state.last_filled = slot.filled
        state.last_mono = raw.arrival_mono

    def _discontinuity(
        self, track: int, state: _TrackState, dts: int, arrival_mono: float, filled: bool
    ) -> str | None:
        last = state.last_dts
        if last is None:
            return None
        if dts < last:
            if filled or state.last_filled:
                return None  # our own estimate collided; bumped instead
            return f"dts went backwards ({last} -> {dts})"
        media_s = (dts - last) * self._tick_s[track]
        elapsed_s = arrival_mono - state.last_mono
        if media_s - elapsed_s > self._jump_threshold_s:
            return f"dts jumped {media_s:.1f} s forward in {elapsed_s:.1f} s"
        return None

    def _new_generation(self, reason: str, track: int) -> None:
        self.discontinuities += 1
        self.last_discontinuity = f"track {track}: {reason}"
        self._info = StreamInfo(self._tracks, self._info.generation + 1)
        # The Source logs it with the camera's name, rate-limited (a camera may do it per GOP).
        log.debug(
            "timestamp discontinuity on track %d: %s; new generation %d",
            track,
            reason,
            self._info.generation,
        )
        self._states = [_TrackState() for _ in self._tracks]
        self._clocks = self._new_clocks()
        self._need_key = True
