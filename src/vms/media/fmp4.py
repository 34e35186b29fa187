"""Top-level ISO-BMFF box scan of a fragmented MP4: where its last whole moof+mdat pair ends.

Hand-written (Principle 6 exception): PyAV/FFmpeg can read a torn file but cannot say at which byte
its last complete fragment ends, and that is all repair needs to cut a torn segment back to a file
that plays. It reads only the 8/16-byte box headers, never the payloads.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_HEADER = struct.Struct(">I4s")
_LARGE = struct.Struct(">Q")


@dataclass(frozen=True, slots=True)
class Box:
    type: str
    offset: int
    size_bytes: int  # whole box, header included; 0 means "to the end of the file"

    @property
    def end(self) -> int:
        return self.offset + self.size_bytes


@dataclass(frozen=True, slots=True)
class Fmp4Scan:
    """What a scan found. `complete`: the boxes tile the file exactly (nothing torn)."""

    file_size_bytes: int
    header_end_bytes: int  # end of the ftyp+moov header; 0 when the header itself is torn
    whole_end_bytes: int  # end of the last whole moof+mdat pair, else header_end_bytes
    fragments: int  # whole moof+mdat pairs
    complete: bool


def _box_at(header: bytes, offset: int, limit: int) -> tuple[str, int, int] | None:
    """(type, header length, size) of the box whose first 8 (or 16) bytes are `header`, placed
    at `offset` in a range that ends at `limit`; None when it does not fit the range."""
    size, raw_type = _HEADER.unpack_from(header)
    length = _HEADER.size
    if size == 1:
        if len(header) < 16:
            return None
        (size,) = _LARGE.unpack_from(header, _HEADER.size)
        length = 16
    elif size == 0:
        size = limit - offset
    if size < length or offset + size > limit:
        return None
    return raw_type.decode("latin-1"), length, size


def iter_boxes(f: BinaryIO, file_size_bytes: int) -> Iterator[Box]:
    """Whole top-level boxes in order; stops at the first box that does not fit the file."""
    offset = 0
    while offset + _HEADER.size <= file_size_bytes:
        f.seek(offset)
        box = _box_at(f.read(min(16, file_size_bytes - offset)), offset, file_size_bytes)
        if box is None:
            return
        kind, _length, size = box
        yield Box(kind, offset, size)
        offset += size


def scan(path: Path) -> Fmp4Scan:
    """Scan a fragmented MP4 file's top-level boxes."""
    with path.open("rb") as f:
        file_size = f.seek(0, 2)
        return scan_file(f, file_size)


def scan_file(f: BinaryIO, file_size_bytes: int) -> Fmp4Scan:
    header_end = 0
    whole_end = 0
    fragments = 0
    covered = 0
    pending_moof: Box | None = None
    for box in iter_boxes(f, file_size_bytes):
        covered = box.end
        if box.type == "moov":
            header_end = whole_end = box.end
        elif box.type == "moof":
            pending_moof = box
        elif box.type == "mdat" and pending_moof is not None and header_end:
            fragments += 1
            whole_end = box.end
            pending_moof = None
    return Fmp4Scan(
        file_size_bytes=file_size_bytes,
        header_end_bytes=header_end,
        whole_end_bytes=whole_end,
        fragments=fragments,
        complete=covered == file_size_bytes and header_end > 0 and pending_moof is None,
    )


# -- fragment timing (moov/moof headers only) ----------------------------------------------------
# PyAV can tell a packet's time and keyframe flag only by demuxing every packet of the file, which
# costs ~25 ms for a 60 s 1080p segment; the same facts sit in a few hundred bytes of box headers
# (ISO/IEC 14496-12 tkhd/mdhd/hdlr/trex, tfhd/tfdt/trun), so a segment is mapped in well under 1 ms.

_CONTAINERS = {"moov", "trak", "mdia", "mvex", "moof", "traf"}
_NON_SYNC = 0x0001_0000  # sample_is_non_sync_sample in the sample flags


@dataclass(frozen=True, slots=True)
class TrackTiming:
    """What the init section says of one track."""

    track_id: int
    handler: str  # "vide", "soun", ...
    timescale: int
    default_duration: int  # trex defaults, used when a fragment does not say
    default_flags: int


@dataclass(frozen=True, slots=True)
class FragmentTiming:
    """One moof+mdat: where it is and, per track, its first decode time, duration and sync flag."""

    offset_bytes: int
    end_bytes: int
    tracks: dict[int, tuple[int, int, bool]]  # track_id -> (decode time, duration, first is sync)


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(type, payload start, box end) of the boxes in data[start:end]."""
    offset = start
    while offset + _HEADER.size <= end:
        box = _box_at(data[offset : min(offset + 16, end)], offset, end)
        if box is None:
            return
        kind, length, size = box
        yield kind, offset + length, offset + size
        offset += size


def _walk(data: bytes, start: int, end: int, path: str = "") -> Iterator[tuple[str, int, int]]:
    """Every box below data[start:end] as ('moov/trak/tkhd', payload start, end), depth first."""
    for kind, payload, box_end in _children(data, start, end):
        here = f"{path}/{kind}" if path else kind
        yield here, payload, box_end
        if kind in _CONTAINERS:
            yield from _walk(data, payload, box_end, here)


def read_tracks(moov: bytes) -> list[TrackTiming]:
    """The tracks of an init section (`moov` box bytes, header included), in file order."""
    tracks: list[dict[str, int | str]] = []
    defaults: dict[int, tuple[int, int]] = {}
    for path, at, _end in _walk(moov, 0, len(moov)):
        version = moov[at]
        if path == "moov/trak":
            tracks.append({})
        elif path == "moov/trak/tkhd":
            tracks[-1]["id"] = struct.unpack_from(">I", moov, at + (20 if version else 12))[0]
        elif path == "moov/trak/mdia/mdhd":
            tracks[-1]["timescale"] = struct.unpack_from(">I", moov, at + (20 if version else 12))[
                0
            ]
        elif path == "moov/trak/mdia/hdlr":
            tracks[-1]["handler"] = moov[at + 8 : at + 12].decode("latin-1")
        elif path == "moov/mvex/trex":
            track_id, _index, duration, _size, flags = struct.unpack_from(">5I", moov, at + 4)
            defaults[track_id] = (duration, flags)
    out = []
    for t in tracks:
        track_id = int(t.get("id", 0))
        duration, flags = defaults.get(track_id, (0, 0))
        out.append(
            TrackTiming(
                track_id, str(t.get("handler", "")), int(t.get("timescale", 0)), duration, flags
            )
        )
    return out


def read_fragment(
    moof: bytes, offset_bytes: int, end_bytes: int, tracks: dict[int, TrackTiming]
) -> FragmentTiming:
    """Per track of a `moof` box: first decode time, total duration, whether it starts on a sync."""
    found: dict[int, tuple[int, int, bool]] = {}
    for _kind, traf_at, traf_end in _children(moof, 8, len(moof)):
        track_id = base = 0
        duration_default = flags_default = None
        total = 0
        first_sync: bool | None = None
        for kind, at, _end in _children(moof, traf_at, traf_end):
            version, flags = moof[at], int.from_bytes(moof[at + 1 : at + 4], "big")
            if kind == "tfhd":
                (track_id,) = struct.unpack_from(">I", moof, at + 4)
                cursor = at + 8 + (8 if flags & 0x01 else 0) + (4 if flags & 0x02 else 0)
                if flags & 0x08:
                    (duration_default,) = struct.unpack_from(">I", moof, cursor)
                    cursor += 4
                cursor += 4 if flags & 0x10 else 0
                if flags & 0x20:
                    (flags_default,) = struct.unpack_from(">I", moof, cursor)
            elif kind == "tfdt":
                base = struct.unpack_from(">Q" if version else ">I", moof, at + 4)[0]
            elif kind == "trun":
                track = tracks.get(track_id)
                if duration_default is None:
                    duration_default = track.default_duration if track else 0
                if flags_default is None:
                    flags_default = track.default_flags if track else 0
                count, sync, duration = _read_trun(moof, at, flags, duration_default, flags_default)
                total += duration
                if first_sync is None and count:
                    first_sync = sync
        found[track_id] = (base, total, bool(first_sync))
    return FragmentTiming(offset_bytes, end_bytes, found)


def _read_trun(
    data: bytes, at: int, flags: int, duration_default: int, flags_default: int
) -> tuple[int, bool, int]:
    """(sample count, first sample is a sync sample, summed duration) of one trun box."""
    (count,) = struct.unpack_from(">I", data, at + 4)
    cursor = at + 8 + (4 if flags & 0x001 else 0)
    first_flags = None
    if flags & 0x004:
        (first_flags,) = struct.unpack_from(">I", data, cursor)
        cursor += 4
    fields = [bit for bit in (0x100, 0x200, 0x400, 0x800) if flags & bit]
    values = struct.unpack_from(f">{count * len(fields)}I", data, cursor) if fields else ()
    if 0x100 in fields:
        total = sum(values[fields.index(0x100) :: len(fields)])
    else:
        total = count * duration_default
    if first_flags is None and count:
        first_flags = values[fields.index(0x400)] if 0x400 in fields else flags_default
    sync = first_flags is not None and not first_flags & _NON_SYNC
    return count, sync, total
