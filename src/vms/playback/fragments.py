"""Fragment maps: where each moof+mdat of a segment file starts and which media time it holds.

HLS byte ranges, frame grabs and exports need them; scanning a file per request is too slow, so a
map is built once per segment (box headers + a demux without decoding) and cached in the
`segment_fragments` table. The file stays the truth: a map whose file shrank is rebuilt, and repair
drops maps with their segment rows.
"""

from __future__ import annotations

import bisect
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import av
import av.error
from sqlalchemy import Engine, Table, delete, insert, select

from vms.core.errors import NotFoundError
from vms.core.ids import SegmentId
from vms.db.tables import SegmentFragmentsTable
from vms.media import fmp4

_ENTRY = struct.Struct("<IIB")
_T = cast(Table, SegmentFragmentsTable.__table__)
_C = _T.c


@dataclass(frozen=True, slots=True)
class Fragment:
    """One moof+mdat: bytes [offset_bytes, offset_bytes + size_bytes), media from start_us."""

    offset_bytes: int
    size_bytes: int
    start_us: int  # main track decode time, microseconds from the file's media origin (0)
    keyframe: bool  # its first main-track sample is a keyframe

    @property
    def end_bytes(self) -> int:
        return self.offset_bytes + self.size_bytes


@dataclass(frozen=True, slots=True)
class FragmentMap:
    """A segment file's init section and fragments, in file order."""

    file_size_bytes: int
    init_size_bytes: int
    media_end_us: int
    fragments: tuple[Fragment, ...]

    def fragment_end_us(self, i: int) -> int:
        """Media time where fragment i ends (the next one's start, or the file's media end)."""
        if i + 1 < len(self.fragments):
            return self.fragments[i + 1].start_us
        return max(self.media_end_us, self.fragments[i].start_us)

    def keyframe_at_or_before(self, at_us: int) -> int:
        """Index of the last keyframe fragment starting at or before `at_us` (0 if none)."""
        starts = [f.start_us for f in self.fragments]
        i = bisect.bisect_right(starts, at_us) - 1
        while i > 0 and not self.fragments[i].keyframe:
            i -= 1
        return max(i, 0)

    def whole_end_bytes(self) -> int:
        return self.fragments[-1].end_bytes if self.fragments else self.init_size_bytes


def encode(fragments: tuple[Fragment, ...]) -> bytes:
    return b"".join(_ENTRY.pack(f.size_bytes, f.start_us, int(f.keyframe)) for f in fragments)


def decode(blob: bytes, init_size_bytes: int) -> tuple[Fragment, ...]:
    out: list[Fragment] = []
    offset = init_size_bytes
    for size, start_us, key in _ENTRY.iter_unpack(blob):
        out.append(Fragment(offset, size, start_us, bool(key)))
        offset += size
    return tuple(out)


def _fragment_spans(path: Path) -> tuple[int, int, list[tuple[int, int]]]:
    """(file size, init end, [(moof offset, mdat end)]) of the whole fragments of a file."""
    with path.open("rb") as f:
        size = f.seek(0, 2)
        init_end = 0
        spans: list[tuple[int, int]] = []
        moof: int | None = None
        for box in fmp4.iter_boxes(f, size):
            if box.type == "moov":
                init_end = box.end
            elif box.type == "moof":
                moof = box.offset
            elif box.type == "mdat" and moof is not None and init_end:
                spans.append((moof, box.end))
                moof = None
    return size, init_end, spans


def _main_packets(path: Path) -> tuple[list[tuple[int, int, bool]], int]:
    """(byte position, decode time µs, keyframe) of each main-track packet, and its media end."""
    packets: list[tuple[int, int, bool]] = []
    end_us = 0
    container: Any = av.open(str(path))
    try:
        streams = container.streams.video or container.streams.audio
        if not streams:
            return packets, 0
        stream = streams[0]
        tb = stream.time_base
        try:
            for pkt in container.demux(stream):
                if pkt.dts is None or pkt.pos is None or pkt.pos < 0:
                    continue
                dts_us = round(pkt.dts * tb * 1_000_000)
                packets.append((pkt.pos, dts_us, bool(pkt.is_keyframe)))
                end_us = max(end_us, round((pkt.dts + (pkt.duration or 0)) * tb * 1_000_000))
        except av.error.FFmpegError:
            pass  # a torn tail: keep what was read
    finally:
        container.close()
    return packets, end_us


def build_fragment_map(path: Path) -> FragmentMap:
    """Scan a segment file: whole fragments only (a torn tail is left out)."""
    _size_bytes, init_end, spans = _fragment_spans(path)
    packets, end_us = _main_packets(path) if spans else ([], 0)
    offsets = [s[0] for s in spans]
    first: dict[int, tuple[int, bool]] = {}
    for pos, dts_us, key in packets:
        i = bisect.bisect_right(offsets, pos) - 1
        if i >= 0 and pos < spans[i][1] and (i not in first or dts_us < first[i][0]):
            first[i] = (dts_us, key if i not in first else first[i][1])
    fragments: list[Fragment] = []
    previous_us = 0
    for i, (offset, end) in enumerate(spans):
        start_us, key = first.get(i, (previous_us, False))
        fragments.append(Fragment(offset, end - offset, start_us, key))
        previous_us = start_us
    whole_end = spans[-1][1] if spans else init_end
    media_end = end_us if spans else 0
    return FragmentMap(whole_end, init_end, media_end, tuple(fragments))


class FragmentMapStore:
    """Cached fragment maps in the database, keyed by segment id."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get_many(self, segment_ids: list[SegmentId]) -> dict[SegmentId, FragmentMap]:
        if not segment_ids:
            return {}
        stmt = select(_T).where(_C.segment_id.in_(segment_ids))
        with self._engine.connect() as conn:
            rows = conn.execute(stmt).all()
        out: dict[SegmentId, FragmentMap] = {}
        for r in rows:
            m = r._mapping
            out[SegmentId(m["segment_id"])] = FragmentMap(
                m["file_size_bytes"],
                m["init_size_bytes"],
                m["media_end_us"],
                decode(m["fragments"], m["init_size_bytes"]),
            )
        return out

    def put(self, segment_id: SegmentId, fmap: FragmentMap) -> None:
        values = {
            "segment_id": segment_id,
            "file_size_bytes": fmap.file_size_bytes,
            "init_size_bytes": fmap.init_size_bytes,
            "media_end_us": fmap.media_end_us,
            "fragment_count": len(fmap.fragments),
            "fragments": encode(fmap.fragments),
        }
        with self._engine.begin() as conn:
            conn.execute(delete(_T).where(_C.segment_id == segment_id))
            conn.execute(insert(_T).values(**values))

    def drop(self, segment_id: SegmentId) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(_T).where(_C.segment_id == segment_id))


def load_or_build(
    store: FragmentMapStore, segment_id: SegmentId, path: Path, cached: FragmentMap | None
) -> FragmentMap:
    """The cached map if its file still holds every byte it names, else a fresh scan (stored).

    Raises NotFoundError when the file is missing, and when it holds no whole fragment.
    """
    try:
        size_bytes = path.stat().st_size
    except FileNotFoundError:
        raise NotFoundError(f"segment file {path.name} is missing") from None
    if cached is not None and size_bytes >= cached.whole_end_bytes():
        return cached
    fmap = build_fragment_map(path)
    if not fmap.fragments:
        raise NotFoundError(f"segment file {path.name} holds no whole fragment")
    store.put(segment_id, fmap)
    return fmap
