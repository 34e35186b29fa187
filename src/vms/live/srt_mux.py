"""MPEG-TS by stream copy (PyAV) from hub packets into a byte sink, for one SRT connection.

One muxer per connection and per camera generation: it starts with PAT/PMT and the first video
keyframe, and its timestamps are rebased so that each connection starts at zero and a camera
reconnect continues shortly after the last packet sent, never going back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from fractions import Fraction

import av
import av.container
import av.stream

from vms.media.avstream import add_output_stream
from vms.media.packet import CodecParams, Packet, StreamInfo

log = logging.getLogger(__name__)

TS_CODECS = frozenset({"h264", "hevc", "aac", "mp2", "mp3", "ac3", "opus"})
GENERATION_GAP_S = Fraction(1, 25)  # where a new generation starts after the last packet sent


class _ByteSink:
    """The file object PyAV writes to; every flushed chunk goes straight to `write`."""

    def __init__(self, write: Callable[[bytes], object]) -> None:
        self._write = write
        self.size_bytes = 0

    def write(self, data: bytes) -> int:
        chunk = bytes(data)
        self._write(chunk)
        self.size_bytes += len(chunk)
        return len(chunk)


class _Track:
    __slots__ = ("last_dts", "offset", "params", "stream")

    def __init__(self, params: CodecParams, stream: av.stream.Stream) -> None:
        self.params = params
        self.stream = stream
        self.offset: int | None = None
        self.last_dts: int | None = None


class TsMuxer:
    """Writes one generation of a stream as MPEG-TS; not thread-safe (its connection's thread)."""

    def __init__(
        self, info: StreamInfo, write: Callable[[bytes], object], *, start_s: Fraction
    ) -> None:
        self._sink = _ByteSink(write)
        self._container: av.container.OutputContainer = av.open(
            self._sink, "w", format="mpegts", options={"flush_packets": "1"}
        )
        self._tracks: dict[int, _Track] = {}
        skipped = []
        for index, params in enumerate(info.tracks):
            if params.codec not in TS_CODECS:
                skipped.append(f"{params.kind.value} {params.codec}")
                continue
            stream = add_output_stream(self._container, params)
            self._tracks[index] = _Track(params, stream)
        if skipped:
            log.info("srt: MPEG-TS cannot carry %s; sending the other tracks", ", ".join(skipped))
        if not self._tracks:
            self._container.close()
            raise ValueError("no track of this stream can be sent in MPEG-TS")
        self._start_s = start_s
        self._origin_s: Fraction | None = None
        self._end_s = start_s

    @property
    def end_s(self) -> Fraction:
        """Output time just after the last packet written (where a next generation may start)."""
        return self._end_s

    @property
    def size_bytes(self) -> int:
        return self._sink.size_bytes

    def write(self, packet: Packet) -> bool:
        """Mux one packet; False when it is left out (a track TS cannot carry, or before the
        first keyframe's time, or not increasing)."""
        track = self._tracks.get(packet.track)
        if track is None:
            return False
        tb = track.params.time_base
        if self._origin_s is None:
            self._origin_s = packet.dts * tb
        if track.offset is None:
            track.offset = round((self._origin_s - self._start_s) / tb)
        dts = packet.dts - track.offset
        if dts < 0 or (track.last_dts is not None and dts <= track.last_dts):
            return False
        av_packet = av.Packet(packet.data)
        av_packet.dts = dts
        av_packet.pts = max(dts, packet.pts - track.offset)
        av_packet.duration = packet.duration
        av_packet.time_base = tb
        av_packet.is_keyframe = packet.keyframe
        av_packet.stream = track.stream
        self._container.mux_one(av_packet)
        track.last_dts = dts
        self._end_s = max(self._end_s, (dts + packet.duration) * tb)
        return True

    def close(self) -> None:
        """Flush what the muxer holds; the byte sink may fail (the peer left): then just free."""
        try:
            self._container.close()
        except (av.error.FFmpegError, OSError) as error:
            log.debug("srt: closing the muxer: %s", error)
