"""Cost of StreamHub.publish per packet with 1 and 3 subscribers, against a bare deque append.

Run: .venv/bin/python bench/hub_overhead.py. Both are measured in the same run so the ratio means
something on any machine; 64 cameras x 25 fps is ~1,600 video packets per second per node.
"""

from __future__ import annotations

import time
from collections import deque
from fractions import Fraction

from vms.ingest.hub import StreamHub
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

PACKETS = 200_000
VIDEO = CodecParams(kind=MediaKind.VIDEO, codec="h264", time_base=Fraction(1, 90_000))


def make_packets() -> list[Packet]:
    data = b"\x00" * 1500
    return [
        Packet(0, data, n * 3600, n * 3600, 3600, n % 25 == 0, n * 40, 1) for n in range(PACKETS)
    ]


def bench_deque(packets: list[Packet]) -> float:
    queue: deque[Packet] = deque()
    start = time.perf_counter_ns()
    for packet in packets:
        queue.append(packet)
    return (time.perf_counter_ns() - start) / len(packets)


def bench_hub(packets: list[Packet], subscribers: int) -> float:
    hub = StreamHub("bench", gop_cache_max_bytes=2**30)
    hub.publish_info(StreamInfo((VIDEO,), 1))
    subs = [hub.subscribe(f"s{i}", max_items=PACKETS + 10) for i in range(subscribers)]
    start = time.perf_counter_ns()
    for packet in packets:
        hub.publish(packet)
    elapsed = time.perf_counter_ns() - start
    assert all(sub.dropped == 0 for sub in subs)
    return elapsed / len(packets)


def main() -> None:
    packets = make_packets()
    baseline = min(bench_deque(packets) for _ in range(3))
    print(f"deque.append baseline: {baseline:8.1f} ns/packet")
    for subscribers in (1, 3):
        cost = min(bench_hub(packets, subscribers) for _ in range(3))
        print(
            f"StreamHub.publish, {subscribers} subscriber(s): {cost:8.1f} ns/packet"
            f" ({cost / baseline:5.1f}x baseline)"
        )


if __name__ == "__main__":
    main()
