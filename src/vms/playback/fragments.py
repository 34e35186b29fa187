"""Fragment maps: where each moof+mdat of a segment file starts and which media time it holds.

HLS byte ranges, frame grabs and exports need them; scanning a file per request is too slow, so a
map is built once per segment from the box headers alone (`vms.media.fmp4`) and cached in the
`segment_fragments` table. The file stays the truth: a map whose file shrank is rebuilt, and repair
drops maps with their segment rows.
"""

from __future__ import annotations

import bisect
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import cast

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


def build_fragment_map(path: Path, limit_bytes: int | None = None) -> FragmentMap:
    """Scan a segment file's box headers: whole fragments only (a torn tail is left out), and
    with `limit_bytes` only those within its first bytes (a file being written: the fsynced
    part)."""
    with path.open("rb") as f:
        size = f.seek(0, 2)
        if limit_bytes is not None:
            size = min(size, limit_bytes)
        init_end = 0
        tracks: dict[int, fmp4.TrackTiming] = {}
        main: fmp4.TrackTiming | None = None
        moof: tuple[int, bytes] | None = None
        timings: list[fmp4.FragmentTiming] = []
        for box in fmp4.iter_boxes(f, size):
            if box.type == "moov":
                init_end = box.end
                f.seek(box.offset)
                try:
                    found = fmp4.read_tracks(f.read(box.size_bytes))
                except (struct.error, IndexError):
                    raise NotFoundError(
                        f"segment file {path.name} has a malformed header"
                    ) from None
                tracks = {t.track_id: t for t in found}
                main = _main_track(found)
            elif box.type == "moof" and init_end:
                f.seek(box.offset)
                moof = (box.offset, f.read(box.size_bytes))
            elif box.type == "mdat" and moof is not None:
                try:
                    timings.append(fmp4.read_fragment(moof[1], moof[0], box.end, tracks))
                except (struct.error, IndexError):
                    break  # a malformed fragment ends the playable part, like a torn tail
                moof = None
    return _from_timings(init_end, main, timings)


def _main_track(tracks: list[fmp4.TrackTiming]) -> fmp4.TrackTiming | None:
    """The track whose times index the file: the first video track, else the first track."""
    video = [t for t in tracks if t.handler == "vide"]
    candidates = video or tracks
    return candidates[0] if candidates else None


def _from_timings(
    init_end: int, main: fmp4.TrackTiming | None, timings: list[fmp4.FragmentTiming]
) -> FragmentMap:
    fragments: list[Fragment] = []
    previous_us = 0
    media_end_us = 0
    for timing in timings:
        start_us, key = previous_us, False
        if main is not None and main.timescale and main.track_id in timing.tracks:
            decode, duration, key = timing.tracks[main.track_id]
            start_us = decode * 1_000_000 // main.timescale
            media_end_us = max(media_end_us, (decode + duration) * 1_000_000 // main.timescale)
        fragments.append(
            Fragment(timing.offset_bytes, timing.end_bytes - timing.offset_bytes, start_us, key)
        )
        previous_us = start_us
    whole_end = timings[-1].end_bytes if timings else init_end
    return FragmentMap(whole_end, init_end, media_end_us, tuple(fragments))


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
        self.put_many({segment_id: fmap})

    def put_many(self, maps: dict[SegmentId, FragmentMap]) -> None:
        """Store maps in one transaction (a cold hour of playback maps 60 segments at once)."""
        if not maps:
            return
        rows = [
            {
                "segment_id": segment_id,
                "file_size_bytes": fmap.file_size_bytes,
                "init_size_bytes": fmap.init_size_bytes,
                "media_end_us": fmap.media_end_us,
                "fragment_count": len(fmap.fragments),
                "fragments": encode(fmap.fragments),
            }
            for segment_id, fmap in maps.items()
        ]
        with self._engine.begin() as conn:
            conn.execute(delete(_T).where(_C.segment_id.in_(list(maps))))
            conn.execute(insert(_T), rows)

    def drop(self, segment_id: SegmentId) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(_T).where(_C.segment_id == segment_id))


def load_or_build(
    store: FragmentMapStore,
    segment_id: SegmentId,
    path: Path,
    cached: FragmentMap | None,
    *,
    pending: dict[SegmentId, FragmentMap] | None = None,
) -> FragmentMap:
    """The cached map if its file still holds every byte it names, else a fresh scan, stored at
    once or, with `pending`, left there for the caller to store with `put_many`.

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
    if pending is None:
        store.put(segment_id, fmap)
    else:
        pending[segment_id] = fmap
    return fmap


class OpenFileMaps:
    """Fragment maps of files being written, rebuilt only when more of a file is durable.

    Not in the database: a file's map changes with every fragment until it is closed, and then
    its segment id (the database's key) exists. Bounded, oldest dropped first.
    """

    def __init__(self, capacity: int = 512) -> None:
        self._capacity = capacity
        self._lock = threading.Lock()
        self._maps: dict[Path, tuple[int, FragmentMap]] = {}

    def get(self, path: Path, synced_bytes: int) -> FragmentMap:
        """The map of `path` up to `synced_bytes`; OSError if the file cannot be read."""
        with self._lock:
            cached = self._maps.get(path)
        if cached is not None and cached[0] == synced_bytes:
            return cached[1]
        fmap = build_fragment_map(path, synced_bytes)
        with self._lock:
            self._maps.pop(path, None)
            self._maps[path] = (synced_bytes, fmap)
            while len(self._maps) > self._capacity:
                del self._maps[next(iter(self._maps))]
        return fmap
