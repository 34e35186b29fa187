"""HLS VOD playlist planning and rendering, and the fragment map encoding."""

from __future__ import annotations

from vms.playback.fragments import Fragment, FragmentMap, decode, encode
from vms.playback.hls import VodSource, plan_vod, render_playlist

S = 1_000_000


def _map(count: int, gop: int = 2, size: int = 100, init: int = 50) -> FragmentMap:
    """`count` one-second fragments, a keyframe every `gop` fragments."""
    frags = tuple(Fragment(init + i * size, size, i * S, i % gop == 0) for i in range(count))
    return FragmentMap(init + count * size, init, count * S, frags)


def _src(n: int, start_ms: int, fmap: FragmentMap) -> VodSource:
    return VodSource(n, start_ms, f"/r/{n}.mp4", fmap)


def test_fragment_map_round_trips_through_its_packed_form() -> None:
    fmap = _map(7, gop=3)
    assert decode(encode(fmap.fragments), fmap.init_size_bytes) == fmap.fragments


def test_playlist_starts_at_the_keyframe_before_start_with_a_start_offset() -> None:
    plan = plan_vod([_src(1, 0, _map(10))], 3_500, 10_000)
    assert plan.parts[0].start_us == 2 * S
    assert plan.start_offset_s == 1.5
    text = render_playlist(plan)
    assert "#EXT-X-START:TIME-OFFSET=1.500,PRECISE=YES" in text
    assert "#EXT-X-VERSION:7" in text and text.endswith("#EXT-X-ENDLIST\n")
    assert '#EXT-X-MAP:URI="/r/1.mp4",BYTERANGE="50@0"' in text


def test_parts_are_whole_gops_within_the_target_and_tile_the_bytes() -> None:
    plan = plan_vod([_src(1, 0, _map(10))], 0, 10_000, target_us=4 * S)
    assert [p.duration_us for p in plan.parts] == [4 * S, 4 * S, 2 * S]
    assert [p.offset_bytes for p in plan.parts] == [50, 450, 850]
    assert sum(p.size_bytes for p in plan.parts) == 1000
    assert "#EXT-X-BYTERANGE:400@450" in render_playlist(plan)


def test_end_cuts_after_the_fragment_holding_the_end() -> None:
    plan = plan_vod([_src(1, 0, _map(10))], 0, 2_500, target_us=10 * S)
    assert plan.duration_s == 3.0


def test_each_file_after_the_first_opens_with_a_discontinuity_and_its_own_map() -> None:
    sources = [_src(1, 0, _map(10)), _src(2, 30_000, _map(10))]
    text = render_playlist(plan_vod(sources, 5_000, 35_000))
    assert text.count("#EXT-X-DISCONTINUITY") == 1
    assert text.count("#EXT-X-MAP") == 2
    assert "#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:30.000+00:00" in text
    assert text.index("#EXT-X-DISCONTINUITY") < text.index('URI="/r/2.mp4"')


def test_target_duration_covers_the_longest_part() -> None:
    text = render_playlist(plan_vod([_src(1, 0, _map(20, gop=10))], 0, 20_000))
    assert "#EXT-X-TARGETDURATION:10" in text


def test_no_fragments_in_range_plans_nothing() -> None:
    assert plan_vod([_src(1, 0, _map(10))], 20_000, 30_000).parts == []
    assert plan_vod([], 0, 1).parts == []
