"""The aiortc tracks of one WHEP session and the hub reader that feeds them.

aiortc's RTCRtpSender pulls each track with `recv()`; it packetises `av.Packet`s as they are and
encodes `AudioFrame`s. The video sender drives the session: its first `recv()` subscribes to the
hub (after ICE and DTLS, so the backlog is exactly the cached GOP), and every later call reads the
subscription, routing audio to the audio track's small queue on the way. One reader, one
subscription, no extra task per session.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TypeAlias

import av
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from vms.core.clock import Clock
from vms.ingest.hub import StreamHub
from vms.live.feed import AsyncFeed
from vms.live.webrtc_media import (
    VIDEO_CLOCK_RATE,
    AnyPacket,
    AudioDecoder,
    H264AccessUnits,
    RtpTimeline,
    audio_packet,
    video_packet,
)
from vms.live.webrtc_sdp import PASSTHROUGH, AudioChoice, decodable
from vms.media.packet import (
    CodecParams,
    MediaKind,
    Packet,
    PacketsDropped,
    StreamEnded,
    StreamInfo,
)
from vms.media.sink import deliver

log = logging.getLogger(__name__)

AudioItem: TypeAlias = "AnyPacket | av.AudioFrame"
Step: TypeAlias = "Packet | str | None"  # what the reader's Sink methods answer
SUBSCRIPTION_ITEMS = 512  # a 5 s GOP with audio fits, so the cached GOP is never cut short
AUDIO_QUEUE_ITEMS = 50  # about a second of audio waiting for its sender
BYTES_REPORT_S = 1.0


CATCHUP_PACE_S = 0.003  # wall time between the cached GOP's frames as they are sent


@dataclass(frozen=True, slots=True)
class ReaderHooks:
    """What a reader reports to its session (all called on the event loop)."""

    first_packet: Callable[[], None]
    bytes_sent: Callable[[int], None]
    ended: Callable[[str], None]


class HubReader:
    """Reads one hub subscription for one session, as its Sink; see the module docstring."""

    def __init__(
        self,
        hub: StreamHub,
        name: str,
        audio: AudioChoice | None,
        clock: Clock,
        hooks: ReaderHooks,
        *,
        max_items: int = SUBSCRIPTION_ITEMS,
    ) -> None:
        self._hub = hub
        self._max_items = max_items
        self._name = name
        self._audio = audio
        self._clock = clock
        self._hooks = hooks
        self._feed: AsyncFeed | None = None
        self._closed = False
        self._catchup_left = 0
        self._catching_up = False  # the item being handled belongs to the cached GOP
        self._video_index: int | None = None
        self._audio_index: int | None = None
        self._units = H264AccessUnits(b"")
        self._time_bases: tuple[Fraction, ...] = ()
        self._decoder: AudioDecoder | None = None
        self._video_time = RtpTimeline(VIDEO_CLOCK_RATE, clock)
        self._audio_time = RtpTimeline(audio.clock_rate if audio else 8000, clock)
        self._audio_queue: asyncio.Queue[AudioItem | None] = asyncio.Queue(AUDIO_QUEUE_ITEMS)
        self._sent_first = False
        self._unreported_bytes = 0
        self._reported_at = clock.monotonic()
        self.dropped_markers = 0

    async def next_video(self) -> AnyPacket | None:
        """The next video packet to send; None once the session's media has ended."""
        feed = self._feed if self._feed is not None else self._open()
        if feed is None:
            return None
        while True:
            item = await feed.get()
            if item is None:
                return None
            self._catching_up = self._catchup_left > 0
            if self._catching_up:
                self._catchup_left -= 1
            step = deliver(item, self)
            if isinstance(step, Packet):
                if self._catching_up and self._sent_first:
                    # a whole GOP at once overflows the peer's UDP receive buffer (a lost
                    # packet then stalls its jitter buffer ~1 s): a few ms apart still
                    # reaches live in a fraction of a second
                    await asyncio.sleep(CATCHUP_PACE_S)
                return self._video(step, self._catching_up)
            if step is not None:
                self._end(step)
                return None

    # -- the Sink (vms.media.sink): each method answers with the video packet to send now,
    # the reason to end the session, or None to read on
    def on_packet(self, packet: Packet) -> Step:
        if packet.track == self._video_index:
            return packet
        if packet.track == self._audio_index and not self._catching_up:
            self._route_audio(packet)
        return None

    def on_info(self, info: StreamInfo) -> Step:
        return self._use_info(info)

    def on_dropped(self, dropped: PacketsDropped) -> Step:
        self.dropped_markers += 1
        log.debug("%s: %d packets dropped, resuming on a keyframe", self._name, dropped.count)
        return None

    def on_ended(self, ended: StreamEnded) -> Step:
        log.debug("%s: camera stream ended (%s)", self._name, ended.reason)
        return None

    async def next_audio(self) -> AudioItem | None:
        """The next audio packet or frame; None once the session's media has ended."""
        if self._closed:
            return None
        return await self._audio_queue.get()

    def close(self) -> None:
        """Unsubscribe and wake both tracks (idempotent)."""
        if self._closed:
            return
        self._closed = True
        if self._feed is not None:
            self._feed.close()
        self._flush_bytes()
        while not self._audio_queue.empty():
            self._audio_queue.get_nowait()
        self._audio_queue.put_nowait(None)

    def _open(self) -> AsyncFeed | None:
        if self._closed:
            return None
        self._feed = AsyncFeed(self._hub, self._name, max_items=self._max_items)
        self._catchup_left = self._feed.subscription.qsize()  # the info and the cached GOP
        return self._feed

    def _use_info(self, info: StreamInfo) -> str | None:
        """Take a (new) stream's tracks; the reason to end the session if video is no longer
        H.264 without B-frames (see `webrtc_sdp.check_camera_video`)."""
        video_index = info.video_track
        if video_index is None or info.tracks[video_index].codec != "h264":
            return "the camera no longer sends H.264 video"
        if info.tracks[video_index].has_b_frames:
            return "the camera now sends B-frames, which WebRTC cannot carry"
        self._video_index = video_index
        self._units = H264AccessUnits(info.tracks[video_index].extradata)
        self._time_bases = tuple(t.time_base for t in info.tracks)
        self._audio_index = None
        self._decoder = None
        audio = next((i for i, t in enumerate(info.tracks) if t.kind is MediaKind.AUDIO), None)
        if audio is None or self._audio is None:
            return None
        params = info.tracks[audio]
        if self._audio.passthrough:
            if PASSTHROUGH.get(params.codec) != self._audio.mime_type:
                log.info("%s: camera audio is now %s; not sent", self._name, params.codec)
                return None
        else:
            self._decoder = _audio_decoder(params, self._name)
            if self._decoder is None:
                return None
            if self._audio_time.clock_rate != params.sample_rate:
                self._audio_time = RtpTimeline(params.sample_rate, self._clock)
        self._audio_index = audio
        return None

    def _video(self, packet: Packet, catching_up: bool) -> AnyPacket:
        data = self._units.prepare(packet.data, packet.keyframe)
        pts_90k = self._video_time.next(
            packet.dts, self._time_bases[packet.track], packet.generation, catching_up=catching_up
        )
        if not self._sent_first:
            self._sent_first = True
            self._hooks.first_packet()
        self._count(len(data))
        return video_packet(data, pts_90k)

    def _route_audio(self, packet: Packet) -> None:
        time_base = self._time_bases[packet.track]
        timeline = self._audio_time
        if self._decoder is None:
            pts = timeline.next(packet.pts, time_base, packet.generation, catching_up=False)
            self._queue_audio(audio_packet(packet.data, pts, timeline.clock_rate))
        else:
            for frame in self._decoder.decode(packet.data, packet.pts):
                # Frames carry their own pts (1/sample_rate) when the decoder knows it.
                source_pts, source_base = packet.pts, time_base
                if frame.pts is not None and frame.time_base is not None:
                    source_pts, source_base = frame.pts, Fraction(frame.time_base)
                frame.pts = timeline.next(
                    source_pts, source_base, packet.generation, catching_up=False
                )
                frame.time_base = Fraction(1, timeline.clock_rate)
                self._queue_audio(frame)
        self._count(len(packet.data))

    def _queue_audio(self, item: AudioItem) -> None:
        if self._audio_queue.full():  # the audio sender is behind: the oldest goes
            self._audio_queue.get_nowait()
        self._audio_queue.put_nowait(item)

    def _count(self, size_bytes: int) -> None:
        self._unreported_bytes += size_bytes
        now = self._clock.monotonic()
        if now - self._reported_at >= BYTES_REPORT_S:
            self._reported_at = now
            self._flush_bytes()

    def _flush_bytes(self) -> None:
        if self._unreported_bytes:
            self._hooks.bytes_sent(self._unreported_bytes)
            self._unreported_bytes = 0

    def _end(self, reason: str) -> None:
        log.info("%s: %s; closing the WebRTC session", self._name, reason)
        self._hooks.ended(reason)


def _audio_decoder(params: CodecParams, name: str) -> AudioDecoder | None:
    if not decodable(params.codec):
        log.info("%s: no decoder for the camera's %s audio; not sent", name, params.codec)
        return None
    try:
        return AudioDecoder(params)
    except (av.FFmpegError, ValueError) as exc:
        log.warning("%s: cannot decode the camera's %s audio (%s)", name, params.codec, exc)
        return None


class WhepVideoTrack(MediaStreamTrack):
    """The camera's H.264 as `av.Packet`s (aiortc packetises them without re-encoding)."""

    kind = "video"

    def __init__(self, reader: HubReader) -> None:
        super().__init__()
        self._reader = reader

    async def recv(self) -> AnyPacket:
        packet = await self._reader.next_video()
        if packet is None:
            self.stop()
            raise MediaStreamError
        return packet


class WhepAudioTrack(MediaStreamTrack):
    """The camera's audio: G.711/Opus packets as they came, or frames for aiortc to encode."""

    kind = "audio"

    def __init__(self, reader: HubReader) -> None:
        super().__init__()
        self._reader = reader

    async def recv(self) -> AudioItem:
        item = await self._reader.next_audio()
        if item is None:
            self.stop()
            raise MediaStreamError
        return item
