"""The pre-roll of event recording: the last few whole GOPs of a stream, held in memory.

A camera in events mode writes nothing until an event, but the file around an event must begin
before it (the pre-roll). Stream copy can only begin a file at a keyframe, so the buffer keeps
whole GOPs: a keyframe and every packet after it, up to the next keyframe. It keeps as many GOPs
as it takes to reach `max_ms` back from the newest packet and never more than `max_bytes` (a
camera with a long GOP or a high bitrate holds less pre-roll rather than unbounded memory).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from vms.media.packet import Packet


@dataclass(slots=True)
class _Gop:
    start_ms: int  # wall time of its keyframe
    packets: list[Packet] = field(default_factory=list)
    size_bytes: int = 0


class GopBuffer:
    """Recent whole GOPs of one stream, bounded in wall time and bytes. One thread uses it.

    Every packet pushed leaves the buffer in one of two ways: `take_from` hands it back to be
    written, or it is evicted (too old, over the byte budget, or cleared); `evicted` counts the
    latter, so a recorder can say how many packets its mode kept out of the recordings.
    """

    def __init__(self, max_ms: int, max_bytes: int) -> None:
        if max_ms < 0 or max_bytes < 0:
            raise ValueError("the bounds of a GOP buffer cannot be negative")
        self._max_ms = max_ms
        self._max_bytes = max_bytes
        self._gops: deque[_Gop] = deque()
        self._bytes = 0
        self._packets = 0
        self.evicted = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    @property
    def packets(self) -> int:
        """Packets held now."""
        return self._packets

    def start_ms(self) -> int | None:
        """Wall time of the oldest keyframe held (None when empty)."""
        return self._gops[0].start_ms if self._gops else None

    def push(self, packet: Packet, keyframe: bool) -> None:
        """Hold a packet; `keyframe` (a keyframe of the sync track) starts a new GOP.

        A packet with no GOP to join (none began, or the current one overflowed the byte budget)
        cannot start a file: it is evicted at once.
        """
        if keyframe:
            self._gops.append(_Gop(packet.wall_ms))
        elif not self._gops:
            self.evicted += 1
            return
        gop = self._gops[-1]
        gop.packets.append(packet)
        gop.size_bytes += len(packet.data)
        self._bytes += len(packet.data)
        self._packets += 1
        self._trim(packet.wall_ms)

    def take_from(self, from_ms: int) -> list[Packet]:
        """The packets from the last keyframe at or before `from_ms` (or the oldest keyframe held
        when none is that early) to the newest; older ones are evicted and the buffer empties."""
        while len(self._gops) >= 2 and self._gops[1].start_ms <= from_ms:
            self._drop_oldest()
        taken = [packet for gop in self._gops for packet in gop.packets]
        self._gops.clear()
        self._bytes = 0
        self._packets = 0
        return taken

    def clear(self) -> None:
        """Forget everything (a new generation, a lost connection or lost packets)."""
        while self._gops:
            self._drop_oldest()

    def _trim(self, newest_ms: int) -> None:
        # Time: the oldest GOP goes once the next one alone reaches max_ms back.
        while len(self._gops) >= 2 and self._gops[1].start_ms <= newest_ms - self._max_ms:
            self._drop_oldest()
        # Bytes: the oldest GOPs go first; a single GOP over the budget goes too, and the
        # packets up to the next keyframe are evicted as they come (`push`).
        while self._gops and self._bytes > self._max_bytes:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        gop = self._gops.popleft()
        self._bytes -= gop.size_bytes
        self._packets -= len(gop.packets)
        self.evicted += len(gop.packets)
