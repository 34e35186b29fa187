"""The live fMP4 packager fed by hand through a real StreamHub: muxing, parts, segments, window,
reconnects, gaps, failures and the idle stop."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from fractions import Fraction

import pytest

from tests.support.media import GeneratedStream, generate_stream, shifted
from tests.unit.live.test_packager_support import (
    CAM,
    MAIN,
    Directory,
    decode_counts,
    drained,
    hevc_stream,
    publish,
    settle,
)
from vms.config.live import LlHlsSettings
from vms.core.clock import FakeClock
from vms.core.errors import NotFoundError, UnavailableError
from vms.ingest.hub import StreamHub
from vms.live.fmp4_window import MIN_PART_SHARE, InitSegment
from vms.live.packager import Packager, Packagers
from vms.live.streams import LiveStreams
from vms.media.codec_string import codec_string, mime_type
from vms.media.fmp4_mux import FragmentMuxer
from vms.media.packet import CodecParams, MediaKind, Packet, PacketsDropped, StreamInfo
from vms.media.sink import deliver

SETTINGS = LlHlsSettings(part_target_ms=500, window_segments=4, idle_stop_s=30)


@pytest.fixture(scope="module")
def six_seconds() -> GeneratedStream:
    return generate_stream(duration_s=6.0, gop=25)


@pytest.fixture
async def rig() -> AsyncIterator[tuple[StreamHub, Packager]]:
    hub = StreamHub("cam1/main")
    packager = Packager(CAM, MAIN, hub, SETTINGS, FakeClock())
    yield hub, packager
    await packager.stop()


def test_muxer_makes_one_fragment_per_sample_tagged_with_its_packet(
    six_seconds: GeneratedStream,
) -> None:
    muxer = FragmentMuxer(six_seconds.info)
    fragments = [f for p in six_seconds.packets for f in muxer.write(p)] + muxer.close()
    video = [f for f in fragments if f.track == 0]
    assert len(video) == 150  # every frame, in order, each in its own moof+mdat
    assert [f.start_us for f in video] == [i * 40_000 for i in range(150)]
    assert [i for i, f in enumerate(video) if f.keyframe] == [0, 25, 50, 75, 100, 125]
    assert all(f.duration_us == 40_000 for f in video)
    assert video[0].wall_ms == six_seconds.packets[1].wall_ms  # the first video packet
    assert all(f.data[4:8] == b"moof" for f in fragments)
    counts = decode_counts(muxer.init_segment + b"".join(f.data for f in fragments))
    assert counts["video"] == 150
    assert counts["audio"] >= 275  # AAC before the first keyframe is dropped


def test_codec_strings_come_from_the_parameter_sets(six_seconds: GeneratedStream) -> None:
    video = six_seconds.info.tracks[0]
    sps_start = video.extradata.index(b"\x67")
    expected = "avc1." + video.extradata[sps_start + 1 : sps_start + 4].hex().upper()
    assert codec_string(video) == expected
    assert mime_type(six_seconds.info) == f'video/mp4; codecs="{expected},mp4a.40.2"'
    pcmu = CodecParams(MediaKind.AUDIO, "pcm_mulaw", Fraction(1, 8000), sample_rate=8000)
    assert codec_string(pcmu) == "ipcm"
    with pytest.raises(ValueError, match="no MP4 codec string"):
        codec_string(dataclasses.replace(pcmu, codec="adpcm_g726"))


def test_hevc_is_muxed_as_hvc1_with_a_codec_string() -> None:
    info, packets = hevc_stream()
    muxer = FragmentMuxer(info)
    assert b"hvc1" in muxer.init_segment and b"hev1" not in muxer.init_segment
    fragments = [f for p in packets for f in muxer.write(p)] + muxer.close()
    assert decode_counts(muxer.init_segment + b"".join(f.data for f in fragments))["video"] == 50
    params = info.tracks[0]
    from_hvcc = codec_string(params)
    assert from_hvcc.startswith("hvc1.1.6.L")  # Main profile, compatible with Main (and Main10)
    # The same string read from the SPS (Annex B extradata, as RTSP delivers it).
    from vms.media.h26x import VideoCodec, parse_extradata, to_annexb

    annexb = to_annexb(parse_extradata(VideoCodec.H265, params.extradata).all_units())
    assert codec_string(dataclasses.replace(params, extradata=annexb)) == from_hvcc


def test_g711_audio_is_stored_as_pcm_like_the_recorder() -> None:
    stream = generate_stream(duration_s=2.0, gop=25, audio=False)
    pcmu = CodecParams(
        MediaKind.AUDIO, "pcm_mulaw", Fraction(1, 8000), sample_rate=8000, channels=1
    )
    info = StreamInfo((stream.info.tracks[0], pcmu), 1)
    audio = [
        Packet(1, bytes(range(160)), i * 160, i * 160, 0, True, p.wall_ms, 1)
        for i, p in enumerate(stream.packets)
        if i < 90
    ]
    packets = sorted(
        [*stream.packets, *audio], key=lambda p: p.dts * info.tracks[p.track].time_base
    )
    muxer = FragmentMuxer(info)
    assert b"ipcm" in muxer.init_segment
    fragments = [f for p in packets for f in muxer.write(p)] + muxer.close()
    counts = decode_counts(muxer.init_segment + b"".join(f.data for f in fragments))
    assert counts["video"] == 50 and counts["audio"] > 0


async def test_parts_and_segments_are_cut_at_keyframes(
    rig: tuple[StreamHub, Packager], six_seconds: GeneratedStream
) -> None:
    hub, packager = rig
    publish(hub, six_seconds.info, six_seconds.packets)
    await drained(packager)
    view = packager.view()
    target_us = SETTINGS.part_target_ms * 1000
    # The first segment ends at the next keyframe (1 s GOP), the others at the first after 2 s.
    assert [s.duration_us for s in view.segments] == [1_000_000, 2_000_000, 2_000_000]
    for segment in view.segments:
        assert segment.parts[0].independent
        assert all(p.duration_us <= target_us for p in segment.parts)
        assert all(p.duration_us >= target_us * MIN_PART_SHARE for p in segment.parts[:-1])
        frames = round(segment.duration_us / 40_000)
        assert decode_counts(segment.init.data + segment.data())["video"] == frames
    first, second, third = view.segments
    assert (second.msn, third.msn) == (first.msn + 1, first.msn + 2)
    assert (second.wall_ms - first.wall_ms, third.wall_ms - second.wall_ms) == (1000, 2000)
    assert view.open is not None and view.open.msn == third.msn + 1
    assert view.next_part == (view.open.msn, len(view.open.parts))
    assert view.target_duration_s == 2


async def test_window_keeps_the_last_segments(rig: tuple[StreamHub, Packager]) -> None:
    hub, packager = rig
    stream = generate_stream(duration_s=13.0, gop=25, audio=False)
    publish(hub, stream.info, stream.packets)
    await drained(packager)
    view = packager.view()
    assert len(view.segments) == SETTINGS.window_segments
    first = view.segments[0].msn
    assert [s.msn for s in view.segments] == list(range(first, first + 4))
    assert first == packager.window.next_msn - 5  # 6 whole segments, 2 trimmed, 1 open


async def test_reconnect_gives_a_new_init_and_a_discontinuity(
    rig: tuple[StreamHub, Packager], six_seconds: GeneratedStream
) -> None:
    hub, packager = rig
    publish(hub, six_seconds.info, six_seconds.packets)
    hub.end("camera closed the stream")
    second = dataclasses.replace(six_seconds.info, generation=2)
    later = shifted(six_seconds, offset_s=10.0, generation=2)
    publish(hub, second, [p for p in later if p.wall_ms < 1_790_000_012_500])  # 2.5 s of it
    await drained(packager)
    segments = packager.view().segments  # 0-1 trimmed; 1-3, 3-5, 5-6 (cut short), 10-11
    inits = [s.init for s in segments]
    assert inits[0] is inits[1] is inits[2] and inits[3] is not inits[0]
    assert inits[3].number > inits[0].number
    assert [s.discontinuity for s in segments] == [False, False, False, True]
    assert segments[2].duration_us == 1_000_000  # the last GOP is published when the camera ends
    assert segments[3].wall_ms - segments[2].wall_ms == 5000
    assert decode_counts(inits[3].data + segments[3].data())["video"] == 25


async def test_own_drops_start_a_discontinuous_segment_at_the_next_keyframe(
    rig: tuple[StreamHub, Packager], six_seconds: GeneratedStream
) -> None:
    hub, packager = rig
    packets = [p for p in six_seconds.packets if p.track == 0]
    publish(hub, six_seconds.info, packets[:60])
    await drained(packager)
    deliver(PacketsDropped(15), packager)  # as the hub reports a full queue
    publish(hub, None, packets[75:])
    await drained(packager)
    first, cut, after = packager.view().segments
    assert [s.discontinuity for s in (first, cut, after)] == [False, False, True]
    assert cut.duration_us == 35 * 40_000  # up to the last packet before the gap
    assert after.wall_ms - first.wall_ms == 3000 and after.parts[0].independent


async def test_unpackageable_codec_is_reported_and_others_keep_working(
    rig: tuple[StreamHub, Packager], six_seconds: GeneratedStream
) -> None:
    hub, packager = rig
    odd = CodecParams(MediaKind.VIDEO, "mjpeg", Fraction(1, 90_000), width=320, height=240)
    keyframe = Packet(0, b"\xff\xd8\xff", 0, 0, 3600, True, 1_790_000_000_000, 1)
    publish(hub, StreamInfo((odd,), 1), [keyframe])
    await settle(lambda: packager.failure is not None)
    assert "mjpeg" in (packager.failure or "") and "fragmented MP4" in (packager.failure or "")
    assert packager.view().last_part is None
    second = dataclasses.replace(six_seconds.info, generation=2)
    publish(hub, second, shifted(six_seconds, offset_s=0.0, generation=2))
    await settle(lambda: packager.view().segments != ())
    assert packager.failure is None


class _Listener:
    def __init__(self) -> None:
        self.inits: list[InitSegment] = []
        self.media: list[tuple[bytes, bool]] = []
        self.closed = False

    def on_init(self, init: InitSegment) -> None:
        self.inits.append(init)

    def on_media(self, data: bytes, keyframe: bool) -> None:
        self.media.append((data, keyframe))

    def on_close(self) -> None:
        self.closed = True


async def test_listener_joins_at_the_newest_keyframe_and_gets_every_fragment(
    rig: tuple[StreamHub, Packager], six_seconds: GeneratedStream
) -> None:
    hub, packager = rig
    packets = list(six_seconds.packets)
    publish(hub, six_seconds.info, packets[:200])
    await drained(packager)
    listener = _Listener()
    packager.add_listener(listener)
    assert len(listener.inits) == 1 and listener.media[0][1]  # joined on a keyframe
    publish(hub, None, packets[200:])
    await drained(packager)
    data = listener.inits[0].data + b"".join(m for m, _ in listener.media)
    assert decode_counts(data)["video"] >= 50
    await packager.stop()
    assert listener.closed


async def test_packagers_start_on_demand_and_stop_when_idle(six_seconds: GeneratedStream) -> None:
    directory = Directory()
    hub = directory.add()
    clock = FakeClock()
    packagers = Packagers(SETTINGS, LiveStreams(directory), clock)
    with pytest.raises(UnavailableError, match="offline"):
        await packagers.get(CAM, MAIN)  # no StreamInfo yet: the camera is offline
    with pytest.raises(NotFoundError, match="does not exist"):
        await packagers.get(CAM.__class__("nope"), MAIN)
    publish(hub, six_seconds.info, six_seconds.packets)
    packager = await packagers.get(CAM, MAIN)
    assert await packagers.get(CAM, MAIN) is packager
    assert hub.stats().subscribers == 1
    listener = _Listener()
    packager.add_listener(listener)
    clock.advance(SETTINGS.idle_stop_s + 1)
    await packagers.sweep()
    assert not packager.stopped  # an MSE viewer keeps it
    packager.remove_listener(listener)
    clock.advance(SETTINGS.idle_stop_s - 1)
    await packagers.sweep()
    assert not packager.stopped
    clock.advance(2)
    await packagers.sweep()
    assert packager.stopped and packagers.running() == []
    assert hub.stats().subscribers == 0
    assert await packagers.get(CAM, MAIN) is not packager  # a new request starts a new one
    await packagers.stop()
    assert hub.stats().subscribers == 0
