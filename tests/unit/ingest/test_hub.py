"""StreamHub: fan-out, order, GOP cache for late subscribers, slow-subscriber drop and resync."""

from __future__ import annotations

import threading
import time
from fractions import Fraction

import pytest

from vms.ingest.hub import StreamHub, Subscription
from vms.media.packet import (
    CodecParams,
    HubItem,
    MediaKind,
    Packet,
    PacketsDropped,
    StreamEnded,
    StreamInfo,
)

VIDEO = CodecParams(kind=MediaKind.VIDEO, codec="h264", time_base=Fraction(1, 90_000))
AUDIO = CodecParams(kind=MediaKind.AUDIO, codec="aac", time_base=Fraction(1, 48_000))
INFO = StreamInfo(tracks=(VIDEO, AUDIO), generation=1)


def pkt(n: int, *, key: bool = False, track: int = 0, generation: int = 1) -> Packet:
    return Packet(
        track=track,
        data=bytes([n % 256]) * 10,
        pts=n * 3600,
        dts=n * 3600,
        duration=3600,
        keyframe=key,
        wall_ms=1_700_000_000_000 + n * 40,
        generation=generation,
    )


def take_all(sub: Subscription) -> list[HubItem]:
    out: list[HubItem] = []
    while (item := sub.get_nowait()) is not None:
        out.append(item)
    return out


def test_fan_out_keeps_order_for_every_subscriber() -> None:
    hub = StreamHub("cam/main")
    a = hub.subscribe("a")
    b = hub.subscribe("b")
    hub.publish_info(INFO)
    packets = [pkt(0, key=True), pkt(1), pkt(2, track=1, key=True), pkt(3)]
    for p in packets:
        hub.publish(p)
    hub.end("bye")
    expected: list[HubItem] = [INFO, *packets, StreamEnded("bye")]
    assert take_all(a) == expected
    assert take_all(b) == expected
    stats = hub.stats()
    assert stats.packets_in == 4
    assert stats.bytes_in == 40
    assert stats.subscribers == 2
    assert stats.dropped_total == 0


def test_late_subscriber_starts_at_last_video_keyframe() -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(INFO)
    for p in [pkt(0, key=True), pkt(1), pkt(2, key=True, track=1), pkt(3, key=True), pkt(4)]:
        hub.publish(p)
    late = hub.subscribe("late")
    assert take_all(late) == [INFO, pkt(3, key=True), pkt(4)]
    assert hub.stats().gop_cache_packets == 2
    hub.publish(pkt(5))
    assert take_all(late) == [pkt(5)]


def test_subscriber_before_first_keyframe_waits_for_one() -> None:
    hub = StreamHub("cam/main")
    early = hub.subscribe("early")  # before the stream: gets everything, as published
    hub.publish_info(INFO)
    late_no_cache = StreamHub("x")
    assert late_no_cache.subscribe("s").get_nowait() is None  # no info yet: nothing
    hub.publish(pkt(0))  # a delta frame with no keyframe before it: not cached
    mid = hub.subscribe("mid")
    hub.publish(pkt(1))
    hub.publish(pkt(2, key=True))
    assert take_all(mid) == [INFO, pkt(2, key=True)]  # no PacketsDropped: it lost nothing
    assert take_all(early) == [INFO, pkt(0), pkt(1), pkt(2, key=True)]


def test_gop_cache_over_budget_is_dropped_until_next_keyframe() -> None:
    hub = StreamHub("cam/main", gop_cache_max_bytes=25)
    hub.publish_info(INFO)
    for p in [pkt(0, key=True), pkt(1), pkt(2)]:  # 30 bytes > 25
        hub.publish(p)
    assert hub.stats().gop_cache_packets == 0
    late = hub.subscribe("late")
    hub.publish(pkt(3))
    hub.publish(pkt(4, key=True))
    assert take_all(late) == [INFO, pkt(4, key=True)]


def test_slow_subscriber_drops_then_resyncs_on_video_keyframe() -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(INFO)
    fast = hub.subscribe("fast", max_items=1000)
    slow = hub.subscribe("slow", max_items=4)
    sent = [pkt(0, key=True), pkt(1), pkt(2), pkt(3), pkt(4), pkt(5, key=True, track=1), pkt(6)]
    for p in sent:
        hub.publish(p)
    # queue: INFO + 3 packets = 4 items, then pkt(3)..pkt(6) are dropped (audio key doesn't sync)
    assert take_all(slow) == [INFO, pkt(0, key=True), pkt(1), pkt(2)]
    assert slow.dropped == 4
    hub.publish(pkt(7))  # still resyncing although the queue is empty now
    hub.publish(pkt(8, key=True))
    hub.publish(pkt(9))
    assert take_all(slow) == [PacketsDropped(5), pkt(8, key=True), pkt(9)]
    assert slow.dropped == 5
    assert take_all(fast) == [INFO, *sent, pkt(7), pkt(8, key=True), pkt(9)]
    assert fast.dropped == 0
    assert hub.stats().dropped_total == 5


def test_markers_are_never_dropped() -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(INFO)
    slow = hub.subscribe("slow", max_items=2)
    hub.publish(pkt(0, key=True))
    hub.publish(pkt(1))  # dropped: queue full
    hub.end("lost")
    info2 = StreamInfo(tracks=(VIDEO, AUDIO), generation=2)
    hub.publish_info(info2)
    hub.publish(pkt(0, key=True, generation=2))  # dropped: still full
    assert take_all(slow) == [INFO, pkt(0, key=True), StreamEnded("lost"), info2]
    hub.publish(pkt(1, key=True, generation=2))
    assert take_all(slow) == [PacketsDropped(2), pkt(1, key=True, generation=2)]
    assert hub.info == info2


def test_end_clears_cache_and_info() -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(INFO)
    hub.publish(pkt(0, key=True))
    hub.end("lost")
    assert hub.info is None
    assert hub.stats().gop_cache_packets == 0
    assert hub.subscribe("late").get_nowait() is None


def test_close_unblocks_a_waiting_get() -> None:
    hub = StreamHub("cam/main")
    sub = hub.subscribe("reader")
    results: list[HubItem | None] = []
    waiting = threading.Event()

    def reader() -> None:
        waiting.set()
        results.append(sub.get())  # no timeout: only close() can end it

    thread = threading.Thread(target=reader)
    thread.start()
    waiting.wait()
    sub.close()
    thread.join(10)
    assert not thread.is_alive()
    assert results == [None]
    assert sub.closed
    assert hub.stats().subscribers == 0
    hub.publish_info(INFO)  # a closed subscription receives nothing more
    assert sub.get_nowait() is None


def test_blocking_get_receives_items_from_another_thread() -> None:
    hub = StreamHub("cam/main")
    sub = hub.subscribe("reader")
    got: list[HubItem | None] = []

    def reader() -> None:
        for _ in range(3):
            got.append(sub.get(timeout=30))

    thread = threading.Thread(target=reader)
    thread.start()
    hub.publish_info(INFO)
    hub.publish(pkt(0, key=True))
    hub.publish(pkt(1))
    thread.join(30)
    assert got == [INFO, pkt(0, key=True), pkt(1)]


def test_get_times_out_with_none() -> None:
    sub = StreamHub("cam/main").subscribe("reader")
    assert sub.get(timeout=0.01) is None


def test_on_ready_fires_only_when_an_empty_queue_gets_an_item() -> None:
    hub = StreamHub("cam/main")
    hub.publish_info(INFO)
    hub.publish(pkt(0, key=True))
    calls: list[int] = []
    sub = hub.subscribe("asyncio-sink", on_ready=lambda: calls.append(sub.qsize()))
    assert calls == []  # the info and cached GOP are already there when subscribe returns
    assert take_all(sub) == [INFO, pkt(0, key=True)]
    hub.publish(pkt(1))
    assert calls == [1]  # called after the item landed, outside the hub lock
    hub.publish(pkt(2))
    assert calls == [1]  # queue was not empty
    take_all(sub)
    hub.end("lost")
    assert calls == [1, 1]


def test_faulty_on_ready_does_not_break_the_publisher() -> None:
    hub = StreamHub("cam/main")

    def boom() -> None:
        raise RuntimeError("sink bug")

    bad = hub.subscribe("bad", on_ready=boom)
    good = hub.subscribe("good")
    hub.publish_info(INFO)
    hub.publish(pkt(0, key=True))
    assert take_all(good) == [INFO, pkt(0, key=True)]
    assert take_all(bad) == [INFO, pkt(0, key=True)]


def test_audio_only_stream_syncs_on_any_keyframe() -> None:
    info = StreamInfo(tracks=(AUDIO,), generation=1)
    hub = StreamHub("cam/audio")
    hub.publish_info(info)
    slow = hub.subscribe("slow", max_items=2)
    for n in range(4):
        hub.publish(pkt(n, key=True))
    assert take_all(slow) == [info, pkt(0, key=True)]
    hub.publish(pkt(4, key=True))
    assert take_all(slow) == [PacketsDropped(3), pkt(4, key=True)]


def test_max_items_below_two_is_rejected() -> None:
    with pytest.raises(ValueError, match="max_items"):
        StreamHub("cam/main").subscribe("s", max_items=1)


# --- the publisher's pause while nobody watches live ---------------------------------------


def _paused_for(hub: StreamHub, seconds: float) -> float:
    started = time.monotonic()
    hub.pause_publisher(seconds)
    return time.monotonic() - started


def test_publisher_pauses_only_while_no_subscriber_is_realtime() -> None:
    hub = StreamHub("cam/main")
    assert 0.15 <= _paused_for(hub, 0.2) < 2  # nobody subscribed
    batched = hub.subscribe("recorder", realtime=False)
    assert 0.15 <= _paused_for(hub, 0.2) < 2
    live = hub.subscribe("viewer")  # realtime by default
    assert hub.realtime_subscribers == 1
    assert _paused_for(hub, 10) < 0.5
    live.close()
    live.close()  # closing twice counts once
    assert hub.realtime_subscribers == 0
    assert 0.15 <= _paused_for(hub, 0.2) < 2
    batched.close()


def test_a_realtime_subscriber_ends_a_pause_at_once() -> None:
    hub = StreamHub("cam/main")
    elapsed: list[float] = []
    thread = threading.Thread(target=lambda: elapsed.append(_paused_for(hub, 30)))
    thread.start()
    time.sleep(0.2)  # the publisher is paused now
    hub.subscribe("viewer", realtime=True)
    thread.join(10)
    assert elapsed and elapsed[0] < 5


def test_wake_publisher_ends_the_current_or_the_next_pause() -> None:
    hub = StreamHub("cam/main")
    elapsed: list[float] = []
    thread = threading.Thread(target=lambda: elapsed.append(_paused_for(hub, 30)))
    thread.start()
    time.sleep(0.2)
    hub.wake_publisher()
    thread.join(10)
    assert elapsed and elapsed[0] < 5
    hub.wake_publisher()  # before the pause: the next one returns at once, then pauses work
    assert _paused_for(hub, 30) < 0.5
    assert 0.15 <= _paused_for(hub, 0.2) < 2
