"""How a Source opens each connection, per transport: the project's RTSP client or FFmpeg's demuxer.

RTSP over TCP is read by the project's own client (`vms.ingest.rtsp_pull`, ADR 0010); RTP over
UDP, rtsps and SRT by FFmpeg's demuxer through PyAV (`vms.ingest.demux_reader`). Apart from
`vms.ingest.source` so that the Source's lifecycle and reconnect loop know no transport: they ask
a `Connector` for the next connection's `Reader` and read it the same way whichever it is.

Why the PyAV path is shaped like this: PyAV's ``timeout=`` argument installs an interrupt
callback that takes the GIL on every read (20-30 % more CPU with 64 cameras), so reads are
bounded by FFmpeg's own socket ``timeout`` option instead, and the Source's stop flag is checked
after every packet. SRT cameras (`srt://`, MPEG-TS) are read through libsrt (`vms.media.srt`,
PyAV's FFmpeg has no SRT) and handed to PyAV as a file object whose reads are bounded the same way.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Literal

from vms.core.camera_url import CameraUrl
from vms.core.clock import Clock
from vms.ingest.demux_reader import DemuxReader, Reader, check_srt_url, open_demuxer
from vms.ingest.health import parse_rtsp_url
from vms.ingest.rtsp_pull import RtspPull, UnsupportedStreamError

log = logging.getLogger(__name__)

Transport = Literal["tcp", "udp"]


def connector_for(
    url: CameraUrl | str, transport: Transport, *, io_timeout_s: float, clock: Clock, label: str
) -> tuple[Connector | None, str | None]:
    """The connector of a Source's URL, or why the URL cannot be read (in words, never with a
    password): a text URL is parsed here, at the edge."""
    try:
        parsed = url if isinstance(url, CameraUrl) else CameraUrl.parse(url)
        if parsed.scheme != "srt":
            parse_rtsp_url(parsed)
    except ValueError as exc:  # CameraUrlError too
        return None, f"invalid URL: {exc}"
    problem = check_srt_url(parsed) if parsed.scheme == "srt" else None
    if problem is not None:
        return None, problem
    return Connector(parsed, transport, io_timeout_s=io_timeout_s, clock=clock, label=label), None


class Connector:
    """Opens one connection of one stream; remembers for the Source's life when a camera's
    tracks need FFmpeg (e.g. Opus or MJPEG over TCP: the camera won't change)."""

    def __init__(
        self,
        url: CameraUrl,
        transport: Transport,
        *,
        io_timeout_s: float,
        clock: Clock,
        label: str,
    ) -> None:
        self.url = url
        self.transport = transport
        self.is_srt = url.scheme == "srt"
        self.uses_rtsp_client = url.scheme == "rtsp" and transport == "tcp"
        self._io_timeout_s = io_timeout_s
        self._clock = clock
        self._label = label

    def open(
        self,
        stop: threading.Event,
        pause: Callable[[], None],
        attach: Callable[[Reader], None],
    ) -> Reader:
        """The reader of the next connection. `attach` is given the RTSP reader before it
        opens, so that stop() interrupts the wait for the first keyframe too; `pause` is
        called between the RTSP client's reads (ADR 0011)."""
        if self.uses_rtsp_client:
            pull = RtspPull(
                self.url, io_timeout_s=self._io_timeout_s, clock=self._clock, pause=pause
            )
            attach(pull)
            try:
                pull.open()
                return pull
            except UnsupportedStreamError as exc:
                pull.close()
                self.uses_rtsp_client = False
                log.info("%s: read with FFmpeg's demuxer (%s)", self._label, exc)
            except BaseException:
                pull.close()
                raise
        container, close_transport = open_demuxer(
            self.url, self.transport, self._io_timeout_s, stop
        )
        return DemuxReader(container, close_transport, self._clock, self._label, self.is_srt)
