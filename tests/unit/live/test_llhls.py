"""LL-HLS: playlist rendering, blocking reload, parts and segments, and the viewer count."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator

import pytest

from tests.support.media import WALL_START_MS, GeneratedStream, generate_stream, shifted
from tests.unit.live.test_packager_support import (
    CAM,
    MAIN,
    Directory,
    decode_counts,
    drained,
    publish,
    settle,
)
from vms.config.live import LlHlsSettings
from vms.core.clock import FakeClock
from vms.core.errors import NotFoundError, UnavailableError
from vms.ingest.hub import StreamHub
from vms.live.fmp4_window import InitSegment, Part, Segment, WindowView
from vms.live.llhls import (
    HlsRequestError,
    HlsViewers,
    LlHls,
    check_blocking,
    render_playlist,
    satisfied,
)
from vms.live.metrics import LiveMetrics
from vms.live.packager import Packager, Packagers
from vms.live.streams import LiveStreams

SETTINGS = LlHlsSettings(part_target_ms=500, window_segments=4, idle_stop_s=30)
PREFIX = "live/main/"


@dataclasses.dataclass
class Rig:
    hub: StreamHub
    llhls: LlHls
    packagers: Packagers
    metrics: LiveMetrics
    clock: FakeClock


@pytest.fixture(scope="module")
def stream() -> GeneratedStream:
    return generate_stream(duration_s=8.0, gop=25)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    directory = Directory()
    hub = directory.add()
    clock = FakeClock()
    metrics = LiveMetrics()
    packagers = Packagers(SETTINGS, LiveStreams(directory), clock)
    llhls = LlHls(packagers, metrics, clock, block_targets=0.5, first_media_timeout_s=0.5)
    yield Rig(hub, llhls, packagers, metrics, clock)
    await packagers.stop()


async def _started(rig: Rig, stream: GeneratedStream) -> Packager:
    """The camera is online (its StreamInfo is out) and the stream's packager runs."""
    rig.hub.publish_info(stream.info)
    return await rig.packagers.get(CAM, MAIN)


def _tags(text: str) -> list[str]:
    return [line.split(":", 1)[0] for line in text.splitlines() if line.startswith("#")]


async def test_playlist_has_the_low_latency_tags(rig: Rig, stream: GeneratedStream) -> None:
    packager = await _started(rig, stream)
    publish(rig.hub, None, stream.packets)
    await drained(packager)
    text = await rig.llhls.playlist(CAM, MAIN, "client", None, None)
    lines = text.splitlines()
    assert lines[:5] == [
        "#EXTM3U",
        "#EXT-X-VERSION:9",
        "#EXT-X-TARGETDURATION:2",
        "#EXT-X-PART-INF:PART-TARGET=0.500",
        "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.500",
    ]
    view = packager.view()
    first, last = view.segments[0], view.segments[-1]
    assert f"#EXT-X-MEDIA-SEQUENCE:{first.msn}" in lines
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:0" in lines
    assert lines.count(f'#EXT-X-MAP:URI="{PREFIX}init-{first.init.number}.mp4"') == 1
    assert lines[7:9] == [
        f'#EXT-X-MAP:URI="{PREFIX}init-{first.init.number}.mp4"',
        "#EXT-X-PROGRAM-DATE-TIME:2026-09-21T14:13:20.000Z",  # WALL_START_MS
    ]
    assert WALL_START_MS == 1_790_000_000_000
    assert (
        f'#EXT-X-PART:DURATION=0.48000,URI="{PREFIX}part-{last.msn}.0.mp4",INDEPENDENT=YES' in lines
    )
    assert f'#EXT-X-PART:DURATION=0.48000,URI="{PREFIX}part-{last.msn}.1.mp4"' in lines
    assert lines.count("#EXTINF:1.00000,") == 1 and lines.count("#EXTINF:2.00000,") == 3
    assert f"{PREFIX}seg-{first.msn}.mp4" in lines
    msn, index = view.next_part
    assert lines[-1] == f'#EXT-X-PRELOAD-HINT:TYPE=PART,URI="{PREFIX}part-{msn}.{index}.mp4"'


async def test_parts_are_listed_only_near_the_live_edge(rig: Rig) -> None:
    long = generate_stream(duration_s=11.0, gop=25, audio=False)
    packager = await _started(rig, long)
    publish(rig.hub, None, long.packets)
    await drained(packager)
    view = packager.view()
    text = render_playlist(view, PREFIX)
    oldest = view.segments[0].msn
    assert f"part-{oldest}.0.mp4" not in text  # more than 3 target durations from the end
    assert f"part-{view.segments[-1].msn}.0.mp4" in text


async def test_reconnect_renders_a_discontinuity_and_a_new_map(
    rig: Rig, stream: GeneratedStream
) -> None:
    first_gen = [p for p in stream.packets if p.wall_ms < WALL_START_MS + 4500]
    packager = await _started(rig, stream)
    publish(rig.hub, None, first_gen)
    rig.hub.end("camera closed the stream")
    later = shifted(stream, offset_s=20.0, generation=2)
    publish(rig.hub, dataclasses.replace(stream.info, generation=2), later[:60])
    await drained(packager)
    text = render_playlist(packager.view(), PREFIX)  # 0-1, 1-3, 3-4.5, then 20-21
    tags = _tags(text)
    assert tags.count("#EXT-X-DISCONTINUITY") == 1 and tags.count("#EXT-X-MAP") == 2
    after = text.split("#EXT-X-DISCONTINUITY\n", 1)[1].splitlines()
    assert after[0].startswith("#EXT-X-MAP:")
    assert after[1] == "#EXT-X-PROGRAM-DATE-TIME:2026-09-21T14:13:40.000Z"
    # Trimming the segment that carries the tag moves it into the discontinuity sequence.
    rig.hub.publish_info(dataclasses.replace(stream.info, generation=3))
    publish(rig.hub, None, shifted(stream, offset_s=40.0, generation=3))
    await drained(packager)
    view = packager.view()  # generation 3 only: the tag of generation 2 was trimmed
    assert view.discontinuity_sequence == 1 and view.segments[0].discontinuity
    text = render_playlist(view, PREFIX)
    assert "#EXT-X-DISCONTINUITY-SEQUENCE:1" in text and "#EXT-X-DISCONTINUITY\n" in text


@pytest.mark.parametrize(
    ("msn", "part", "error"),
    [
        (None, 2, "_HLS_part needs _HLS_msn"),
        (13, None, "too far ahead"),
        (10, 9, "too far ahead"),
        (12, None, None),
        (10, 4, None),
        (3, 0, None),  # long gone: answered at once
    ],
)
def test_blocking_requests_too_far_ahead_are_refused(
    msn: int | None, part: int | None, error: str | None
) -> None:
    view = _view_with_last_part(msn=10, index=1)
    if error is None:
        check_blocking(view, msn, part)
    else:
        with pytest.raises(HlsRequestError, match=error):
            check_blocking(view, msn, part)


def _view_with_last_part(*, msn: int, index: int) -> WindowView:
    init = InitSegment(1, b"", "video/mp4")
    parts = tuple(Part(msn, i, b"", 480_000, i == 0) for i in range(index + 1))
    complete = Segment(msn - 1, init, parts, 0, False, True)
    open_segment = Segment(msn, init, parts, 0, False, False)
    return WindowView(
        segments=(complete,),
        open=open_segment,
        discontinuity_sequence=0,
        target_duration_s=2,
        part_target_us=500_000,
        next_part=(msn, index + 1),
        version=1,
    )


def test_satisfied_follows_the_spec_order() -> None:
    view = _view_with_last_part(msn=10, index=1)
    assert satisfied(view, 10, 1) and satisfied(view, 10, 0) and satisfied(view, 9, 7)
    assert not satisfied(view, 10, 2) and not satisfied(view, 11, 0)
    assert satisfied(view, 9, None) and not satisfied(view, 10, None)


async def test_blocking_reload_returns_when_the_part_appears(
    rig: Rig, stream: GeneratedStream
) -> None:
    rig.llhls = LlHls(rig.packagers, rig.metrics, rig.clock, block_targets=3)
    packets = list(stream.packets)
    packager = await _started(rig, stream)
    publish(rig.hub, None, packets[:40])
    await settle(lambda: packager.backlog == 0 and packager.view().last_part is not None)
    msn, index = packager.view().next_part
    waiting = asyncio.create_task(rig.llhls.playlist(CAM, MAIN, "client", msn, index))
    await asyncio.sleep(0.2)
    assert not waiting.done()  # the part does not exist yet
    publish(rig.hub, None, packets[40:])
    text = await asyncio.wait_for(waiting, 5)
    assert f'part-{msn}.{index}.mp4"' in text
    await settle(lambda: packager.backlog == 0)
    # The hinted part itself is waited for the same way.
    msn, index = packager.view().next_part
    part = asyncio.create_task(rig.llhls.part(CAM, MAIN, "client", msn, index))
    await asyncio.sleep(0.1)
    assert not part.done()
    later = shifted(stream, offset_s=8.0)
    publish(rig.hub, None, [p for p in later if p.wall_ms < WALL_START_MS + 9500])
    media = await asyncio.wait_for(part, 5)
    assert media.media_type == "video/mp4" and media.data[4:8] == b"moof"


async def test_blocking_reload_times_out_with_503(rig: Rig, stream: GeneratedStream) -> None:
    packager = await _started(rig, stream)
    publish(rig.hub, None, stream.packets[:60])
    await settle(lambda: packager.backlog == 0 and packager.view().last_part is not None)
    msn, index = packager.view().next_part
    with pytest.raises(UnavailableError, match="did not appear within"):
        await rig.llhls.playlist(CAM, MAIN, "client", msn, index + 1)


async def test_segments_parts_and_inits_are_served_from_the_window(
    rig: Rig, stream: GeneratedStream
) -> None:
    packager = await _started(rig, stream)
    publish(rig.hub, None, stream.packets)
    await drained(packager)
    view = packager.view()
    segment = view.segments[1]
    init = await rig.llhls.init(CAM, MAIN, "c", segment.init.number)
    whole = await rig.llhls.segment(CAM, MAIN, "c", segment.msn)
    parts = [
        await rig.llhls.part(CAM, MAIN, "c", segment.msn, i) for i in range(len(segment.parts))
    ]
    assert whole.data == b"".join(p.data for p in parts)
    assert decode_counts(init.data + whole.data) == {"video": 50, "audio": pytest.approx(94, abs=2)}
    with pytest.raises(NotFoundError, match="not in the live window"):
        await rig.llhls.segment(CAM, MAIN, "c", view.segments[0].msn - 1)
    with pytest.raises(NotFoundError, match="not in the live window"):
        await rig.llhls.part(CAM, MAIN, "c", segment.msn, len(segment.parts))
    with pytest.raises(NotFoundError, match="init segment"):
        await rig.llhls.init(CAM, MAIN, "c", segment.init.number + 99)


async def test_offline_and_unknown_cameras_are_refused_at_once(rig: Rig) -> None:
    with pytest.raises(UnavailableError, match="offline"):
        await asyncio.wait_for(rig.llhls.playlist(CAM, MAIN, "c", None, None), 0.5)
    with pytest.raises(NotFoundError, match="does not exist"):
        await rig.llhls.playlist(CAM.__class__("ghost"), MAIN, "c", None, None)


def test_viewers_are_distinct_recent_clients() -> None:
    metrics = LiveMetrics()
    clock = FakeClock()
    viewers = HlsViewers(metrics, clock, ttl_s=10)
    viewers.seen(CAM, MAIN, "10.0.0.1 hls.js")
    viewers.seen(CAM, MAIN, "10.0.0.1 hls.js")
    viewers.seen(CAM, MAIN, "10.0.0.2 Safari")
    clock.advance(1.5)
    viewers.sent(CAM, MAIN, "10.0.0.1 hls.js", 1000, media=True)
    viewers.sent(CAM, MAIN, "10.0.0.1 hls.js", 500, media=True)
    (sample,) = metrics.live_samples()
    assert (sample.protocol, sample.viewers, sample.sessions_total) == ("llhls", 2, 2)
    assert sample.bytes_out_total == 1500
    assert (sample.first_frame_count, sample.first_frame_seconds_sum) == (1, 1.5)
    clock.advance(9)
    viewers.seen(CAM, MAIN, "10.0.0.2 Safari")
    clock.advance(2)
    viewers.expire()
    assert metrics.live_samples()[0].viewers == 1  # 10.0.0.1 went quiet
    viewers.expire(closing=True)
    assert metrics.live_samples()[0].viewers == 0


def test_uris_stay_below_the_playlist_folder() -> None:
    assert re.fullmatch(r"live/(main|sub)/", PREFIX)
