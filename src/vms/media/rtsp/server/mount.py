"""A published path of the RTSP server: its tracks, their RTP streams and the playing clients.

Hand-written with the server (see `vms.media.rtsp`). A feeder pushes access units; the mount
packetises each once, adds the RTP headers once (one SSRC and sequence per track, shared by every
client), and hands the same bytes to every sink. It may be fed from any one thread at a time (the
restream feeds it from the camera's reader thread, ADR 0012): `lock` guards its state against the
server's event loop, which adds and removes clients and sends the sender reports.
A mount may keep the payloads since the last video keyframe (`gop_cache_max_bytes`), so a client
that starts playing mid-GOP first gets that GOP, numbered to end just before the shared sequence.
"""

from __future__ import annotations

import logging
import random
import struct
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vms.core.clock import Clock
from vms.media.packet import MediaKind
from vms.media.rtp import (
    DEFAULT_MTU,
    RtpPayloads,
    RtpSequencer,
    VideoPacketizer,
    packetize_audio,
    sender_report,
)
from vms.media.rtsp.server.sinks import RtpSink
from vms.media.sdp import TrackDescription, build_sdp

log = logging.getLogger(__name__)
_RTP_HEADER = struct.Struct("!BBHII")


@dataclass(frozen=True, slots=True)
class MountStats:
    """What a mount has sent, for metrics."""

    clients: int
    packets: tuple[int, ...]  # per track
    octets: tuple[int, ...]  # per track
    dropped_packets: int  # summed over the current clients


class MountRefusedError(Exception):
    """A mount resolver's answer that a path cannot be played now: RTSP status and reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _CachedUnit:
    """One access unit of the GOP cache: its payloads and RTP timestamp (base included)."""

    track: int
    payloads: tuple[bytes, ...]
    timestamp: int
    sync_point: bool


@dataclass(frozen=True, slots=True)
class PlayStart:
    """What a client gets when it starts playing: RTP-Info values and the cached GOP's packets."""

    rtp_info: dict[int, tuple[int, int]]  # track -> (first sequence number, its RTP time)
    units: tuple[tuple[int, tuple[bytes, ...], bool], ...]  # (track, RTP packets, sync point)


class _TrackState:
    """RTP state of one track: sequencer, random timestamp base, and the RTP↔wall anchor."""

    def __init__(self, description: TrackDescription, mtu: int) -> None:
        self.description = description
        self.sequencer = RtpSequencer(
            description.payload_type, random.getrandbits(32), random.getrandbits(16)
        )
        self.base = random.getrandbits(32)
        self.anchor: tuple[int, int] | None = None  # (rtp timestamp, wall ms)
        self.video = (
            VideoPacketizer(description.parameter_sets, mtu)
            if description.parameter_sets is not None
            else None
        )


class RtspMount:
    """One path (`/cam1/main`) with fixed tracks; feed it with `push` or `push_payloads`."""

    def __init__(
        self,
        path: str,
        tracks: Sequence[TrackDescription],
        clock: Clock,
        mtu: int = DEFAULT_MTU,
        *,
        gop_cache_max_bytes: int = 0,
    ) -> None:
        if not tracks:
            raise ValueError("a mount needs at least one track")
        self.path = path
        self.tracks = tuple(tracks)
        self._clock = clock
        self._mtu = mtu
        self._state = [_TrackState(track, mtu) for track in self.tracks]
        self._has_video = any(t.kind is MediaKind.VIDEO for t in self.tracks)
        self._sinks: list[RtpSink] = []
        self._cname = f"vms{path}".encode()[:255]
        self._gop_max_bytes = gop_cache_max_bytes
        self._gop: list[_CachedUnit] = []
        self._gop_bytes = 0
        self._gop_valid = False
        self._sessions = 0
        self.lock = threading.RLock()
        """Held while packets are pushed, and by a PLAY from its RTP-Info to joining the live
        packets; the session callbacks below run without it."""
        self.on_sessions_changed: Callable[[int], None] | None = None
        """Called with the new session count when a client sets up or leaves (feed on demand)."""

    def sdp(self, address: str) -> str:
        return build_sdp(self.tracks, address, self.path.strip("/") or "vms")

    def ssrc(self, track: int) -> int:
        return self._state[track].sequencer.ssrc

    def packetize(self, track: int, data: bytes) -> RtpPayloads:
        """The payloads of one access unit of `track` (to share across mounts of equal tracks)."""
        state = self._state[track]
        if state.video is not None:
            return state.video.packetize(data)
        return packetize_audio(state.description.codec, data, self._mtu)

    def push(self, track: int, data: bytes, *, rtp_time: int, keyframe: bool, wall_ms: int) -> None:
        """Send one access unit; `rtp_time` counts the track's clock rate from any origin.

        Video may be Annex B or length-prefixed; keyframes are also recognised from the NAL types.
        """
        payloads = self.packetize(track, data)
        self.push_payloads(
            track,
            payloads,
            rtp_time=rtp_time,
            keyframe=keyframe or payloads.keyframe,
            wall_ms=wall_ms,
        )

    def push_payloads(
        self, track: int, payloads: RtpPayloads, *, rtp_time: int, keyframe: bool, wall_ms: int
    ) -> None:
        """Send an access unit packetised elsewhere; only the RTP headers are made here."""
        with self.lock:
            self._push_payloads(track, payloads, rtp_time, keyframe, wall_ms)

    def _push_payloads(
        self, track: int, payloads: RtpPayloads, rtp_time: int, keyframe: bool, wall_ms: int
    ) -> None:
        state = self._state[track]
        timestamp = (state.base + rtp_time) & 0xFFFFFFFF
        state.anchor = (timestamp, wall_ms)
        is_video = state.description.kind is MediaKind.VIDEO
        sync_point = (keyframe and is_video) or not self._has_video
        if self._gop_max_bytes:
            self._cache(_CachedUnit(track, payloads.payloads, timestamp, sync_point), payloads)
        if not self._sinks:
            state.sequencer.next_seq = (state.sequencer.next_seq + len(payloads.payloads)) & 0xFFFF
            return
        packets = state.sequencer.packets(payloads.payloads, timestamp)
        framed: dict[int, bytes] = {}
        for sink in self._sinks:
            sink.send_access_unit(track, packets, sync_point, framed)

    def _cache(self, unit: _CachedUnit, payloads: RtpPayloads) -> None:
        """Keep the access units since the last video keyframe (audio-only mounts need none)."""
        if not self._has_video:
            return
        if unit.sync_point:
            self._gop = []
            self._gop_bytes = 0
            self._gop_valid = True
        if not self._gop_valid:
            return
        self._gop.append(unit)
        self._gop_bytes += payloads.size_bytes
        if self._gop_bytes > self._gop_max_bytes:  # a GOP too long to replay: start at the next
            self.clear_gop_cache()

    def clear_gop_cache(self) -> None:
        """Forget the cached GOP (the feed stopped or jumped): new clients wait for a keyframe."""
        with self.lock:
            self._gop = []
            self._gop_bytes = 0
            self._gop_valid = False

    def play_start(self, tracks: Sequence[int]) -> PlayStart:
        """RTP-Info and catch-up packets for a client starting to play `tracks` now.

        With a cached GOP the client first gets its packets, numbered so that they end right
        before each track's shared next sequence number: its first frame is a keyframe at once
        and the live packets that follow continue its sequence without a gap.
        """
        with self.lock:
            return self._play_start(tracks)

    def _play_start(self, tracks: Sequence[int]) -> PlayStart:
        now_ms = self._clock.now_ms()
        wanted = sorted(set(tracks))
        cached = [unit for unit in self._gop if unit.track in wanted]
        seq: dict[int, int] = {}
        info: dict[int, tuple[int, int]] = {}
        for track in wanted:
            count = sum(len(unit.payloads) for unit in cached if unit.track == track)
            seq[track] = (self._state[track].sequencer.next_seq - count) & 0xFFFF
            info[track] = (seq[track], self._rtp_now(self._state[track], now_ms))
        started: set[int] = set()
        units: list[tuple[int, tuple[bytes, ...], bool]] = []
        for unit in cached:
            if unit.track not in started:  # RTP-Info names the track's first catch-up packet
                started.add(unit.track)
                info[unit.track] = (seq[unit.track], unit.timestamp)
            packets = self._numbered(unit, seq[unit.track])
            seq[unit.track] = (seq[unit.track] + len(packets)) & 0xFFFF
            units.append((unit.track, packets, unit.sync_point))
        return PlayStart(info, tuple(units))

    def _numbered(self, unit: _CachedUnit, first_seq: int) -> tuple[bytes, ...]:
        sequencer = self._state[unit.track].sequencer
        last = len(unit.payloads) - 1
        return tuple(
            _RTP_HEADER.pack(
                0x80,
                sequencer.payload_type | (0x80 if index == last else 0),
                (first_seq + index) & 0xFFFF,
                unit.timestamp,
                sequencer.ssrc,
            )
            + payload
            for index, payload in enumerate(unit.payloads)
        )

    def session_opened(self) -> None:
        """A client set up this mount (called by the server's session table)."""
        self._sessions += 1
        self._sessions_changed()

    def session_closed(self) -> None:
        self._sessions = max(0, self._sessions - 1)
        self._sessions_changed()

    @property
    def sessions(self) -> int:
        """Clients set up on this mount (playing or not)."""
        return self._sessions

    @property
    def clients(self) -> int:
        """Clients playing now."""
        return len(self._sinks)

    @property
    def has_keyframe(self) -> bool:
        """True when the GOP cache holds a keyframe a new client can start on."""
        with self.lock:
            return self._gop_valid and bool(self._gop)

    def _sessions_changed(self) -> None:
        callback = self.on_sessions_changed
        if callback is None:
            return
        try:
            callback(self._sessions)
        except Exception:  # the feeder's bug must not break the client's request
            log.exception("rtsp mount %s: sessions-changed hook failed", self.path)

    def rtp_info(self, track: int) -> tuple[int, int]:
        """(next sequence number, current RTP time) of a track, for a PLAY's RTP-Info."""
        with self.lock:
            state = self._state[track]
            return state.sequencer.next_seq, self._rtp_now(state, self._clock.now_ms())

    def _rtp_now(self, state: _TrackState, now_ms: int) -> int:
        if state.anchor is None:
            return state.base
        rtp, wall_ms = state.anchor
        rate = state.description.clock_rate
        return (rtp + (now_ms - wall_ms) * rate // 1000) & 0xFFFFFFFF

    def sender_report(self, track: int) -> bytes | None:
        """An RTCP SR mapping now (wall clock) to the track's RTP time; None before any media."""
        with self.lock:
            return self._sender_report(track)

    def _sender_report(self, track: int) -> bytes | None:
        state = self._state[track]
        if state.anchor is None:
            return None
        now_ms = self._clock.now_ms()
        seq = state.sequencer
        return sender_report(
            seq.ssrc,
            unix_us=now_ms * 1000,
            rtp_timestamp=self._rtp_now(state, now_ms),
            packet_count=seq.packet_count,
            octet_count=seq.octet_count,
            cname=self._cname,
        )

    def add_sink(self, sink: RtpSink) -> None:
        with self.lock:
            if sink not in self._sinks:
                self._sinks = [*self._sinks, sink]

    def remove_sink(self, sink: RtpSink) -> None:
        with self.lock:
            if sink in self._sinks:
                self._sinks = [s for s in self._sinks if s is not sink]

    def send_sender_reports(self, sinks: Sequence[RtpSink] | None = None) -> None:
        """Send one SR per track to `sinks` (default: every playing client)."""
        with self.lock:
            targets = self._sinks if sinks is None else sinks
            if not targets:
                return
            for track in range(len(self.tracks)):
                report = self._sender_report(track)
                if report is None:
                    continue
                for sink in targets:
                    sink.send_rtcp(track, report)

    def stats(self) -> MountStats:
        with self.lock:
            return MountStats(
                clients=len(self._sinks),
                packets=tuple(s.sequencer.packet_count for s in self._state),
                octets=tuple(s.sequencer.octet_count for s in self._state),
                dropped_packets=sum(sink.dropped_packets for sink in self._sinks),
            )
