"""One RTSP connection read by the project's own client: RTP frames in, `RawPacket`s out.

Why not FFmpeg's demuxer: it completes an access unit only when the next one begins (a frame of
added delay for live viewers) and its per-packet path costs more CPU than this one (ADR 0010).
Here the depacketisers complete each access unit at its RTP marker bit. What this module adds
on top of `vms.media.rtsp.client` and `vms.media.rtp_depay`:

- the tracks' codec parameters, probed by FFmpeg from the first keyframe (and its parameter
  sets, from the SDP when the camera sends none in-band): so nothing is published before the
  picture size is known, as with the demuxer;
- one media timeline for all tracks: each track's 32-bit RTP timestamps are unwrapped and
  rebased so that 0 is the first keyframe, aligned by RTCP sender reports when the camera sends
  them and by arrival time otherwise (the recorder muxes tracks on this timeline);
- the wall clock of each packet from the sender reports, as the 'prft' side data FFmpeg gave.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from fractions import Fraction

from vms.core.camera_url import CameraUrl
from vms.core.clock import Clock
from vms.ingest.health import AUDIO_ONLY_REFUSED, NoMediaError, NoVideoTrackError
from vms.ingest.normalise import RawPacket
from vms.ingest.rtp_track import RTP_HEADER_BYTES, RtpTrack, payload_bounds
from vms.media.avstream import codec_params_from_annexb
from vms.media.h26x import ParameterSets, to_annexb
from vms.media.mpegts import aac_params_from_config
from vms.media.packet import CodecParams, MediaKind
from vms.media.rtp import parse_sender_reports
from vms.media.rtp_depay.base import AccessUnit
from vms.media.rtsp.client import RtspClient, RtspConnectionClosedError, RtspProtocolError
from vms.media.sdp_parse import parse_sdp

_MAX_WAIT_FOR_KEYFRAME_S = 20.0


class UnsupportedStreamError(Exception):
    """The camera's SDP has a track this client cannot read (Opus, MJPEG, ...): use FFmpeg."""


class RtspPull:
    """Open with `open()` (returns the tracks), then iterate `batches()`; `close()` always."""

    def __init__(
        self,
        url: CameraUrl,
        *,
        io_timeout_s: float,
        clock: Clock,
        pause: Callable[[], None] | None = None,
    ) -> None:
        """`pause` is called between reads that emptied the socket (see `batches`)."""
        self._client = RtspClient(url, timeout_s=io_timeout_s)
        self._io_timeout_s = io_timeout_s
        self._clock = clock
        self._pause = pause
        self._by_channel: dict[int, RtpTrack] = {}
        self._tracks: list[RtpTrack] = []
        self._video: RtpTrack | None = None
        self._first: list[RawPacket] = []
        self._video_sets: ParameterSets | None = None  # what the video track's params came from
        self.tracks: tuple[CodecParams, ...] = ()

    def open(self) -> tuple[CodecParams, ...]:
        """Connect, set every supported track up, play, and wait for the first keyframe."""
        client = self._client
        client.connect()
        sdp, base = client.describe()
        medias = parse_sdp(sdp, base)
        if not medias:
            raise RtspProtocolError("the camera describes no video or audio track")
        for media in medias:
            try:
                track = RtpTrack(media, len(self._tracks))
            except ValueError as exc:
                raise UnsupportedStreamError(f"{media.encoding or media.codec}: {exc}") from None
            channel = 2 * track.index
            client.setup(media.control, channel)
            self._by_channel[channel] = self._by_channel[channel + 1] = track
            self._tracks.append(track)
            if self._video is None and media.kind is MediaKind.VIDEO:
                self._video = track
        client.play()
        self.tracks = self._wait_for_keyframe()
        return self.tracks

    def _wait_for_keyframe(self) -> tuple[CodecParams, ...]:
        """Read until the video track's first keyframe, build the codec parameters from it, and
        keep it (and whatever came with it in the same receive) as the first packets.

        A camera without video is refused here, before waiting (ADR 0013); one that answered
        PLAY but sends no usable video is told apart from one that does not answer at all."""
        video = self._video
        if video is None:
            raise NoVideoTrackError(AUDIO_ONLY_REFUSED)
        deadline = self._clock.monotonic() + _MAX_WAIT_FOR_KEYFRAME_S
        samples: dict[int, AccessUnit] = {}
        while True:
            try:
                units = self._units()
            except TimeoutError:
                raise NoMediaError(self._no_video(self._io_timeout_s)) from None
            for position, (track, unit) in enumerate(units):
                if track is video and unit.keyframe:
                    samples[track.index] = unit
                    return self._start(track, samples, units[position:])
                if track is not video:
                    samples.setdefault(track.index, unit)
            if self._clock.monotonic() > deadline:
                raise NoMediaError(self._no_video(_MAX_WAIT_FOR_KEYFRAME_S))

    def _no_video(self, waited_s: float) -> str:
        """Why no first keyframe came: no video packet at all, or video without a keyframe."""
        if self._video is not None and self._video.last_timestamp is not None:
            return f"the camera answered but sent no keyframe for {waited_s:g} s"
        return f"the camera answered but sent no video for {waited_s:g} s"

    def _start(
        self,
        first: RtpTrack,
        samples: dict[int, AccessUnit],
        units: list[tuple[RtpTrack, AccessUnit]],
    ) -> tuple[CodecParams, ...]:
        params = tuple(self._params(track, samples.get(track.index)) for track in self._tracks)
        self._video_sets = self._in_band_sets(first)
        first.base = first.unwrap_near(units[0][1].timestamp)
        for track in self._tracks:
            if track is not first:
                self._align(track, first)
        self._first = self._batch(units)
        return params

    def _align(self, track: RtpTrack, reference: RtpTrack) -> None:
        """Set `track.base` so that its media time 0 is the reference's first keyframe."""
        assert reference.base is not None
        ref_wall = reference.wall_us(reference.base)
        if ref_wall is not None and track.report is not None:
            offset = (ref_wall - track.report.wall_us) * track.clock_rate // 1_000_000
            track.base = track.report_extended + offset
        elif track.last_timestamp is not None:
            elapsed_s = track.last_arrival_mono - reference.last_arrival_mono
            track.base = track.extended - round(elapsed_s * track.clock_rate)
        # else: set at the track's first packet (see `_units`)

    def _params(self, track: RtpTrack, unit: AccessUnit | None) -> CodecParams:
        media = track.media
        time_base = Fraction(1, track.clock_rate)
        if media.kind is MediaKind.VIDEO:
            assert unit is not None
            sets = unit.parameter_sets or self._in_band_sets(track) or media.parameter_sets
            prefix = to_annexb(list(sets.all_units())) if sets is not None else b""
            params = codec_params_from_annexb(media.codec, prefix + unit.data, time_base)
            track.reordered(params.reorder_depth)
            return params
        if media.codec == "aac":
            if not media.audio_config:
                raise RtspProtocolError("AAC track without config= in the SDP")
            frame = None if unit is None else unit.data
            return aac_params_from_config(media.audio_config, frame, time_base)
        return CodecParams(
            kind=MediaKind.AUDIO,
            codec=media.codec,
            time_base=time_base,
            sample_rate=media.sample_rate or track.clock_rate,
            channels=media.channels or 1,
        )

    def batches(self) -> Iterator[list[RawPacket]]:
        """The packets of each receive, in order; ends only by an exception (or `interrupt`).

        After a receive that emptied the socket, `pause` (if given) may hold the next one back:
        the camera's packets wait in the kernel's TCP buffer meanwhile, and the next receives
        take them all at once. When the camera changes its parameter sets (a new picture size,
        say), the receive is split at that keyframe and `tracks` changes before the batch that
        begins with it: the reader's owner starts a new generation there."""
        if self._first:
            first, self._first = self._first, []
            yield first
        client, pause = self._client, self._pause
        while True:
            try:
                units = self._units()
            except RtspConnectionClosedError:
                return
            except TimeoutError:
                waited = f"{self._io_timeout_s:g} s"
                raise NoMediaError(f"the camera stopped sending media for {waited}") from None
            if units:
                yield from self._batches_of(units)
            if pause is not None and client.drained:
                pause()

    def _batches_of(self, units: list[tuple[RtpTrack, AccessUnit]]) -> Iterator[list[RawPacket]]:
        """One receive's packets: one batch, or two or more split at keyframes whose parameter
        sets changed. `tracks` changes between two batches, never before the earlier one is
        handed out: the consumer reads `tracks` as the description of the batch it was given,
        and an old-size keyframe filed under the new size's parameters would put both sizes in
        one recording segment."""
        video, start = self._video, 0
        for position, (track, unit) in enumerate(units):
            if track is not video or not unit.keyframe:
                continue
            changed = self._changed_tracks(track, unit)
            if changed is None:
                continue
            if position > start:
                yield self._batch(units[start:position])
            self.tracks, start = changed, position
        yield self._batch(units[start:])

    def _changed_tracks(
        self, track: RtpTrack, keyframe: AccessUnit
    ) -> tuple[CodecParams, ...] | None:
        """The tracks from this keyframe on, when its in-band parameter sets describe another
        format than the current `tracks` (the picture size may differ); None when they do not."""
        sets = keyframe.parameter_sets or self._in_band_sets(track)
        if sets is None or sets is self._video_sets:
            return None
        old, self._video_sets = self._video_sets, sets
        if old is not None and old.all_units() == sets.all_units():
            return None
        try:
            params = self._params(track, keyframe)
        except ValueError:  # FFmpeg cannot read a picture from them: keep what we had
            return None
        if params.same_format(self.tracks[track.index]):
            return None
        return tuple(
            params if index == track.index else other for index, other in enumerate(self.tracks)
        )

    def _learned_depth(self, track: RtpTrack, depth: int) -> None:
        """The camera reorders deeper than its parameter sets declare (an H.264 SPS without a
        VUI bitstream restriction): say so in `tracks`, so that the next batch starts a new
        generation whose `CodecParams` tell the live paths this track has B-frames."""
        current = self.tracks[track.index]
        if current.reorder_depth >= depth:
            return
        learned = replace(current, reorder_depth=depth)
        self.tracks = tuple(
            learned if index == track.index else other for index, other in enumerate(self.tracks)
        )

    @staticmethod
    def _in_band_sets(track: RtpTrack) -> ParameterSets | None:
        """The latest parameter sets the camera sent in-band on this track (video only)."""
        sets: ParameterSets | None = getattr(track.depay, "parameter_sets", None)
        return sets

    def _batch(self, units: list[tuple[RtpTrack, AccessUnit]]) -> list[RawPacket]:
        arrival_ms, arrival_mono = self._clock.now_ms(), self._clock.monotonic()
        batch: list[RawPacket] = []
        for track, unit in units:
            if track.base is None:  # a track whose first packet came after the first keyframe
                track.base = track.extended - self._since_start(track, arrival_mono)
            batch.append(self._raw(track, unit, arrival_ms, arrival_mono))
        return batch

    def _since_start(self, track: RtpTrack, arrival_mono: float) -> int:
        """Ticks of `track`'s clock from media time 0 to `arrival_mono`, by the reference."""
        reference = self._video if self._video is not None else self._tracks[0]
        assert reference.base is not None
        media_s = (reference.extended - reference.base) / reference.clock_rate
        return round((media_s + arrival_mono - reference.last_arrival_mono) * track.clock_rate)

    def _raw(self, track: RtpTrack, unit: AccessUnit, arrival_ms: int, mono: float) -> RawPacket:
        extended = track.unwrap_near(unit.timestamp)
        assert track.base is not None
        wall_us = track.wall_us(extended)
        pts = extended - track.base
        order = track.order
        dts = pts if order is None else order.dts(pts)
        if order is not None and order.learned and self.tracks:
            self._learned_depth(track, order.depth)
        return RawPacket(
            track=track.index,
            data=unit.data,
            pts=pts,
            dts=dts,
            duration=None,
            keyframe=unit.keyframe,
            arrival_ms=arrival_ms,
            arrival_mono=mono,
            prft_us=wall_us,
        )

    def _units(self) -> list[tuple[RtpTrack, AccessUnit]]:
        """Depacketise one receive's frames; RTCP updates the sender reports."""
        units: list[tuple[RtpTrack, AccessUnit]] = []
        now = self._clock.monotonic()
        for channel, data in self._client.read():
            track = self._by_channel.get(channel)
            if track is None:
                continue
            if channel & 1:
                self._take_reports(track, data)
                continue
            if len(data) > RTP_HEADER_BYTES and data[0] == 0x80:  # no padding, extension, CSRC
                header, end = RTP_HEADER_BYTES, len(data)
            else:
                header, end = payload_bounds(data)
            if end <= header:
                continue
            timestamp = (data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7]
            if timestamp != track.last_timestamp:
                track.unwrap(timestamp)
            track.last_arrival_mono = now
            seq = (data[2] << 8) | data[3]
            for unit in track.depay.push(data[header:end], timestamp, data[1] > 0x7F, seq):
                units.append((track, unit))
        return units

    def _take_reports(self, track: RtpTrack, data: bytes) -> None:
        now = self._clock.monotonic()
        for _ssrc, report in parse_sender_reports(data):
            track.take_report(report, now)

    @property
    def lost(self) -> int:
        """Access units the depacketisers dropped (sequence gaps, damaged payloads)."""
        return sum(track.depay.lost for track in self._tracks)

    def interrupt(self) -> None:
        self._client.interrupt()

    def close(self) -> None:
        self._client.close()
