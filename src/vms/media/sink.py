"""The Sink: what every consumer of a camera stream implements, and the one dispatch over hub items.

A hub hands each subscriber four kinds of item (`vms.media.packet.HubItem`): the tracks of a new
connection or generation, packets, the count of packets a slow subscriber lost, and the end of a
connection. Every consumer (recorder, motion tap, live packager, SRT, WebRTC, RTSP restream,
snapshot) reacts to each kind differently but must react to all of them; `deliver` is the only
place that tells them apart, so a fifth kind added to the hub is a type error in every sink rather
than an item silently ignored by some. It lives in `vms.media`, beside the items, so that rooms
which may not import ingest (recording) implement the same Protocol.

A sink's methods return a value of its own choosing (`R`), which `deliver` passes back: most
return None, the restream returns the bytes it sent, the WebRTC reader what to do next.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from vms.media.packet import HubItem, Packet, PacketsDropped, StreamEnded, StreamInfo

R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class Sink(Protocol[R_co]):
    """A consumer of one subscription's items, in the order the hub queued them."""

    def on_info(self, info: StreamInfo) -> R_co:
        """A new connection or generation: packets of an older one will not follow."""
        ...

    def on_packet(self, packet: Packet) -> R_co:
        """One access unit; the first after `on_info` or `on_dropped` is a video keyframe."""
        ...

    def on_dropped(self, dropped: PacketsDropped) -> R_co:
        """The subscriber's queue was full: `dropped.count` packets are lost for it alone."""
        ...

    def on_ended(self, ended: StreamEnded) -> R_co:
        """The connection to the camera is gone; a new `on_info` comes if it returns."""
        ...


def deliver(item: HubItem, sink: Sink[R]) -> R:
    """Hand one hub item to the sink's method for its kind; anything else raises TypeError."""
    # Packets first: they are nearly every item, and this runs once per packet per sink.
    if isinstance(item, Packet):
        return sink.on_packet(item)
    if isinstance(item, StreamInfo):
        return sink.on_info(item)
    if isinstance(item, PacketsDropped):
        return sink.on_dropped(item)
    if isinstance(item, StreamEnded):
        return sink.on_ended(item)
    raise TypeError(f"not a hub item: {type(item).__name__}")
