"""Segment download: Range and If-Range applied, streamed in chunks off the event loop."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from email.utils import formatdate
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread
from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from vms.api.problems import problem_response
from vms.api.ranges import ByteRange, Unsatisfiable, if_range_matches, resolve_range
from vms.cameras.door import SegmentFile
from vms.core.errors import NotFoundError, StorageUnavailableError

CHUNK_BYTES = 256 * 1024
MP4 = "video/mp4"


def _open(path: Path) -> tuple[BinaryIO, os.stat_result]:
    handle = path.open("rb")
    try:
        return handle, os.fstat(handle.fileno())
    except OSError:
        handle.close()
        raise


async def _chunks(handle: BinaryIO, first_byte: int, length_bytes: int) -> AsyncIterator[bytes]:
    """Read the range in chunks in a worker thread; closes the file however the stream ends."""
    try:
        await anyio.to_thread.run_sync(handle.seek, first_byte)
        remaining = length_bytes
        while remaining > 0:
            chunk = await anyio.to_thread.run_sync(handle.read, min(CHUNK_BYTES, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()


async def segment_file_response(request: Request, segment: SegmentFile) -> Response:
    """200 with the whole file, 206 with one range, or 416; with ETag and Last-Modified."""
    try:
        handle, stat = await anyio.to_thread.run_sync(_open, segment.path)
    except FileNotFoundError:
        raise NotFoundError(f"the file of segment {segment.segment_id} is missing") from None
    except OSError:
        raise StorageUnavailableError(
            f"the file of segment {segment.segment_id} cannot be read"
        ) from None
    size_bytes = stat.st_size
    etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    last_modified = formatdate(stat.st_mtime, usegmt=True)
    name = f"{segment.camera_id}-{segment.stream.value}-{segment.start_ms}.mp4"
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": etag,
        "Last-Modified": last_modified,
        "Content-Disposition": f'inline; filename="{name}"',
    }
    wanted = resolve_range(request.headers.get("range"), size_bytes)
    if not if_range_matches(request.headers.get("if-range"), etag, last_modified):
        wanted = None  # the client's copy changed: send the whole current file
    if isinstance(wanted, Unsatisfiable):
        handle.close()
        return problem_response(
            request,
            status=416,
            kind="range-not-satisfiable",
            detail=f"the file is {size_bytes} bytes long",
            headers={**headers, "Content-Range": wanted.content_range(size_bytes)},
        )
    part = wanted if wanted is not None else ByteRange(0, size_bytes - 1)
    headers["Content-Length"] = str(part.length_bytes)
    if wanted is not None:
        headers["Content-Range"] = wanted.content_range(size_bytes)
    return StreamingResponse(
        _chunks(handle, part.first_byte, part.length_bytes),
        status_code=206 if wanted is not None else 200,
        media_type=MP4,
        headers=headers,
    )
