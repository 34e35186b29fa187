"""The WHEP hub reader with a StreamHub fed by hand: catch-up, slow viewer, reconnect, audio."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import av
import pytest
from aiortc.mediastreams import MediaStreamError

from tests.unit.live.test_webrtc_media import IDR, P_SLICE, PPS, SPS, aac_packets, annexb
from vms.core.clock import FakeClock
from vms.ingest.hub import StreamHub
from vms.live.webrtc_sdp import OPUS, PCMU, AudioChoice
from vms.live.webrtc_tracks import HubReader, ReaderHooks, WhepAudioTrack, WhepVideoTrack
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

TB_90K = Fraction(1, 90_000)
FRAME_90K = 3600
VIDEO = CodecParams(MediaKind.VIDEO, "h264", TB_90K, annexb(SPS, PPS), 640, 360)
PCMU_TRACK = CodecParams(
    MediaKind.AUDIO, "pcm_mulaw", Fraction(1, 8000), sample_rate=8000, channels=1
)


@dataclass
class Recorded:
    """What a reader told its session."""

    first_packets: int = 0
    bytes_sent: list[int] = field(default_factory=list)
    ended: list[str] = field(default_factory=list)

    def hooks(self) -> ReaderHooks:
        return ReaderHooks(
            first_packet=self._first, bytes_sent=self.bytes_sent.append, ended=self.ended.append
        )

    def _first(self) -> None:
        self.first_packets += 1


def info(generation: int = 1, *tracks: CodecParams) -> StreamInfo:
    return StreamInfo(tracks or (VIDEO,), generation)


def video(index: int, *, keyframe: bool = False, generation: int = 1) -> Packet:
    data = annexb(IDR) if keyframe else annexb(P_SLICE)
    dts = index * FRAME_90K
    return Packet(0, data, dts, dts, FRAME_90K, keyframe, 0, generation)


def pcmu(index: int, generation: int = 1) -> Packet:
    pts = index * 160
    return Packet(1, b"\xff" * 160, pts, pts, 160, False, 0, generation)


def reader_for(
    hub: StreamHub,
    clock: FakeClock,
    recorded: Recorded,
    audio: AudioChoice | None = None,
    max_items: int = 512,
) -> HubReader:
    return HubReader(hub, "test", audio, clock, recorded.hooks(), max_items=max_items)


class Sent(NamedTuple):
    """A video packet the reader handed to aiortc."""

    pts: int
    data: bytes


async def next_video(reader: HubReader) -> Sent:
    packet = await asyncio.wait_for(reader.next_video(), 2)
    assert packet is not None
    assert packet.pts is not None
    assert packet.time_base == TB_90K
    return Sent(packet.pts, bytes(packet))


async def test_cached_gop_is_sent_at_once_then_live_keeps_real_spacing(
    fake_clock: FakeClock,
) -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(info(1, VIDEO, PCMU_TRACK))
    for i in range(10):
        hub.publish(video(i, keyframe=i == 0))
        hub.publish(pcmu(i))
    recorded = Recorded()
    reader = reader_for(hub, fake_clock, recorded, AudioChoice(PCMU, passthrough=True))
    cached = [await next_video(reader) for _ in range(10)]
    assert [p.pts for p in cached] == [i * 90 for i in range(10)]
    assert cached[0].data.startswith(annexb(SPS, PPS))  # parameter sets before the IDR
    assert recorded.first_packets == 1
    hub.publish(pcmu(10))
    hub.publish(video(10))
    live = await next_video(reader)
    assert live.pts == cached[-1].pts + FRAME_90K
    audio = await asyncio.wait_for(reader.next_audio(), 1)
    assert isinstance(audio, av.Packet)
    assert (audio.pts, audio.time_base) == (0, Fraction(1, 8000))  # cached audio was skipped
    reader.close()


async def test_slow_viewer_resyncs_on_a_keyframe_with_monotonic_timestamps(
    fake_clock: FakeClock,
) -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(info())
    hub.publish(video(0, keyframe=True))
    reader = reader_for(hub, fake_clock, Recorded(), max_items=8)
    first = await next_video(reader)
    for i in range(1, 30):  # the viewer does not read: its queue (8 items) overflows
        hub.publish(video(i))
    got = [first] + [await next_video(reader) for _ in range(8)]
    hub.publish(video(30, keyframe=True))  # the first keyframe that fits after the drops
    hub.publish(video(31))
    got.append(await next_video(reader))
    resync = got[-1]
    assert reader.dropped_markers == 1
    assert resync.data.startswith(annexb(SPS, PPS, IDR))
    assert resync.pts - got[-2].pts == 22 * FRAME_90K  # frames 8..29 were dropped
    assert [p.pts for p in got] == sorted({p.pts for p in got})  # strictly increasing
    assert (await next_video(reader)).pts == resync.pts + FRAME_90K
    assert hub.stats().dropped_total > 0
    reader.close()


async def test_camera_reconnect_continues_rtp_time_after_the_outage(
    fake_clock: FakeClock,
) -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(info(1))
    hub.publish(video(500, keyframe=True))
    reader = reader_for(hub, fake_clock, Recorded())
    before = await next_video(reader)
    hub.end("the camera closed the stream")
    fake_clock.advance(4.0)
    hub.publish_info(info(2))
    hub.publish(video(0, keyframe=True, generation=2))  # timestamps restart with the encoder
    hub.publish(video(1, generation=2))
    after = await next_video(reader)
    assert after.pts - before.pts == 4 * 90_000
    assert (await next_video(reader)).pts == after.pts + FRAME_90K
    reader.close()


async def test_a_switch_to_h265_ends_the_session(fake_clock: FakeClock) -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(info(1))
    hub.publish(video(0, keyframe=True))
    recorded = Recorded()
    reader = reader_for(hub, fake_clock, recorded)
    await next_video(reader)
    hevc = CodecParams(MediaKind.VIDEO, "hevc", TB_90K)
    hub.publish_info(info(2, hevc))
    assert await asyncio.wait_for(reader.next_video(), 2) is None
    assert recorded.ended == ["the camera no longer sends H.264 video"]
    reader.close()


async def test_close_unsubscribes_and_ends_both_tracks(fake_clock: FakeClock) -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(info(1, VIDEO, PCMU_TRACK))
    hub.publish(video(0, keyframe=True))
    recorded = Recorded()
    reader = reader_for(hub, fake_clock, recorded, AudioChoice(PCMU, passthrough=True))
    video_track, audio_track = WhepVideoTrack(reader), WhepAudioTrack(reader)
    assert (await video_track.recv()).pts == 0
    assert hub.stats().subscribers == 1
    waiting = asyncio.ensure_future(video_track.recv())
    await asyncio.sleep(0.01)
    reader.close()
    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(waiting, 1)
    with pytest.raises(MediaStreamError):
        await asyncio.wait_for(audio_track.recv(), 1)
    assert hub.stats().subscribers == 0
    assert (video_track.readyState, audio_track.readyState) == ("ended", "ended")
    assert sum(recorded.bytes_sent) == len(annexb(SPS, PPS, IDR))  # flushed at close


async def test_a_reader_closed_before_connecting_never_subscribes(fake_clock: FakeClock) -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(info())
    reader = reader_for(hub, fake_clock, Recorded())
    reader.close()
    assert await reader.next_video() is None
    assert hub.stats().subscribers == 0


async def test_aac_is_decoded_for_opus_and_other_audio_is_left_out(fake_clock: FakeClock) -> None:
    params, packets = aac_packets()
    hub = StreamHub("cam/main")
    hub.publish_info(info(1, VIDEO, params))
    hub.publish(video(0, keyframe=True))
    reader = reader_for(hub, fake_clock, Recorded(), AudioChoice(OPUS, passthrough=False))
    await next_video(reader)
    for data, pts in packets:
        hub.publish(Packet(1, data, pts, pts, 1024, False, 0, 1))
    hub.publish(video(1))
    await next_video(reader)
    frames: list[av.AudioFrame] = []
    while len(frames) < len(packets) - 2:
        frame = await asyncio.wait_for(reader.next_audio(), 1)
        assert isinstance(frame, av.AudioFrame)
        frames.append(frame)
    assert {f.format.name for f in frames} == {"s16"}
    stamps = [f.pts for f in frames]
    assert all(isinstance(t, int) for t in stamps)
    assert stamps == sorted(set(stamps), key=lambda t: t or 0)
    assert frames[0].time_base == Fraction(1, 16_000)
    reader.close()


async def test_passthrough_audio_stops_when_the_camera_changes_codec(
    fake_clock: FakeClock,
) -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(info(1, VIDEO, PCMU_TRACK))
    hub.publish(video(0, keyframe=True))
    reader = reader_for(hub, fake_clock, Recorded(), AudioChoice(PCMU, passthrough=True))
    await next_video(reader)
    alaw = CodecParams(MediaKind.AUDIO, "pcm_alaw", Fraction(1, 8000), sample_rate=8000, channels=1)
    hub.publish_info(info(2, VIDEO, alaw))
    hub.publish(video(0, keyframe=True, generation=2))
    hub.publish(pcmu(1, generation=2))
    hub.publish(video(1, generation=2))
    await next_video(reader)
    await next_video(reader)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(reader.next_audio(), 0.05)
    reader.close()
