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


def iter_boxes(f: BinaryIO, file_size_bytes: int) -> Iterator[Box]:
    """Whole top-level boxes in order; stops at the first box that does not fit the file."""
    offset = 0
    while offset + _HEADER.size <= file_size_bytes:
        f.seek(offset)
        size, raw_type = _HEADER.unpack(f.read(_HEADER.size))
        header = _HEADER.size
        if size == 1:
            if offset + 16 > file_size_bytes:
                return
            (size,) = _LARGE.unpack(f.read(_LARGE.size))
            header = 16
        elif size == 0:
            size = file_size_bytes - offset
        if size < header or offset + size > file_size_bytes:
            return
        yield Box(raw_type.decode("latin-1"), offset, size)
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
