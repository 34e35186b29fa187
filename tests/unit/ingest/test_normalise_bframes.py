"""PacketNormaliser with a B-frame track: PTS without DTS is not taken for a DTS."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.ingest.test_normalise import VIDEO, raw
from vms.ingest.normalise import PacketNormaliser
from vms.media.packet import Packet, StreamInfo

BFRAMES = replace(VIDEO, reorder_depth=2)
# Decode order I0 P3 B1 B2 P6 B4 B5, as FFmpeg's demuxer gives it: no timestamps on the first
# keyframe, a PTS but no DTS on the next `depth` packets, then both.
FRAMES = [(0, None, None), (3, 3, None), (1, 1, None), (2, 2, 0), (6, 6, 1), (4, 4, 2), (5, 5, 3)]


def _packets() -> list[Packet]:
    normaliser = PacketNormaliser((BFRAMES,), 1)
    out: list[Packet | StreamInfo] = []
    for n, pts, dts in FRAMES:
        out += normaliser.push(
            raw(
                n,
                key=n == 0,
                pts=None if pts is None else pts * 3600,
                dts=None if dts is None else dts * 3600,
            )
        )
    out += normaliser.flush()
    assert normaliser.discontinuities == 0
    return [p for p in out if isinstance(p, Packet)]


def test_pts_without_dts_waits_for_the_next_dts_and_keeps_its_pts() -> None:
    packets = _packets()
    assert [p.pts // 3600 for p in packets] == [0, 3, 1, 2, 6, 4, 5]
    dts = [p.dts for p in packets]
    assert dts == sorted(dts) and len(set(dts)) == len(dts)
    assert all(p.dts <= p.pts for p in packets)
    assert packets[0].keyframe and packets[0].generation == 1
