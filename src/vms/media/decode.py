"""Video decoding of hub packets with PyAV, each frame paired with the wall clock of its packet.

Motion detection decodes a stream continuously with it; live snapshots decode a cached GOP.
"""

from __future__ import annotations

from typing import Any

import av
import av.error
from av.video.codeccontext import VideoCodecContext

from vms.media.packet import CodecParams, Packet

_MAX_PENDING = 64  # packets in the decoder without a frame yet (reordering, a decoder stall)


class VideoDecoder:
    """Decodes one video track; a packet the decoder rejects yields no frame, not an error (it
    is counted in `errors`, the last message kept in `last_error`)."""

    def __init__(self, params: CodecParams, *, threads: int | None = 1) -> None:
        """`threads` None leaves FFmpeg's choice; ValueError when `params` is not video."""
        context = av.CodecContext.create(params.codec, "r")
        if not isinstance(context, VideoCodecContext):
            raise ValueError(f"{params.codec} is not a video codec")
        if params.extradata:
            context.extradata = params.extradata
        if threads is not None:
            context.thread_count = threads
        self._context = context
        self._wall_by_pts: dict[int, int] = {}
        self._last_wall_ms = 0
        self._skipping = False
        self.errors = 0
        self.last_error: str | None = None

    def decode(
        self, packet: Packet, *, skip_nonref: bool = False
    ) -> list[tuple[av.VideoFrame, int]]:
        """The frames this packet completes, each with the wall-clock ms of its own packet.

        `skip_nonref`: if this packet is a non-reference picture (no later frame is built on
        it), drop it undecoded; analytics asks so for frames it does not need."""
        if skip_nonref != self._skipping:
            self._context.skip_frame = "NONREF" if skip_nonref else "DEFAULT"
            self._skipping = skip_nonref
        av_packet = av.Packet(packet.data)
        av_packet.pts, av_packet.dts = packet.pts, packet.dts
        av_packet.is_keyframe = packet.keyframe
        self._wall_by_pts[packet.pts] = packet.wall_ms
        if len(self._wall_by_pts) > _MAX_PENDING:
            self._wall_by_pts.pop(next(iter(self._wall_by_pts)))
        self._last_wall_ms = packet.wall_ms
        return self._frames(av_packet)

    def flush(self) -> list[tuple[av.VideoFrame, int]]:
        """The frames the decoder still holds (the end of the packets)."""
        return self._frames(None)

    def _frames(self, av_packet: av.Packet[Any] | None) -> list[tuple[av.VideoFrame, int]]:
        try:
            frames = self._context.decode(av_packet)
        except av.error.FFmpegError as exc:
            self.errors += 1
            self.last_error = str(exc)
            return []
        out = []
        for frame in frames:
            wall_ms = self._last_wall_ms
            if frame.pts is not None:
                wall_ms = self._wall_by_pts.pop(frame.pts, wall_ms)
            out.append((frame, wall_ms))
        return out
