"""`deliver`: each hub item reaches the sink's method for its kind, and nothing else does."""

from __future__ import annotations

from fractions import Fraction

import pytest

from vms.media.packet import (
    CodecParams,
    HubItem,
    MediaKind,
    Packet,
    PacketsDropped,
    StreamEnded,
    StreamInfo,
)
from vms.media.sink import Sink, deliver

INFO = StreamInfo((CodecParams(MediaKind.VIDEO, "h264", Fraction(1, 90_000)),), generation=3)
PACKET = Packet(0, b"\x65", 0, 0, 3600, True, 1_000, 3)


class Recording:
    """A sink that notes which method saw which item and answers with the method's name."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def on_info(self, info: StreamInfo) -> str:
        self.calls.append(("on_info", info))
        return "on_info"

    def on_packet(self, packet: Packet) -> str:
        self.calls.append(("on_packet", packet))
        return "on_packet"

    def on_dropped(self, dropped: PacketsDropped) -> str:
        self.calls.append(("on_dropped", dropped))
        return "on_dropped"

    def on_ended(self, ended: StreamEnded) -> str:
        self.calls.append(("on_ended", ended))
        return "on_ended"


@pytest.mark.parametrize(
    ("item", "method"),
    [
        (INFO, "on_info"),
        (PACKET, "on_packet"),
        (PacketsDropped(7), "on_dropped"),
        (StreamEnded("camera closed the stream"), "on_ended"),
    ],
)
def test_each_kind_reaches_its_method_once(item: HubItem, method: str) -> None:
    sink = Recording()
    assert deliver(item, sink) == method  # the method's result comes back
    assert sink.calls == [(method, item)]


def test_items_arrive_in_the_order_delivered() -> None:
    sink = Recording()
    items: list[HubItem] = [INFO, PACKET, PacketsDropped(2), PACKET, StreamEnded("gone")]
    for item in items:
        deliver(item, sink)
    assert [item for _method, item in sink.calls] == items


@pytest.mark.parametrize("item", [b"\x65", None, "StreamEnded", 3])
def test_an_unknown_kind_fails_loudly(item: object) -> None:
    sink = Recording()
    with pytest.raises(TypeError, match="not a hub item"):
        deliver(item, sink)  # type: ignore[arg-type]
    assert sink.calls == []


def test_the_protocol_is_what_sinks_implement() -> None:
    sink: Sink[str] = Recording()  # mypy checks the methods and their result type
    assert deliver(PacketsDropped(1), sink) == "on_dropped"
