"""Adapter between PyAV streams/packets and the project's `CodecParams`/`Packet` values."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import av.container
import av.stream

from vms.media.packet import CodecParams, MediaKind


def codec_params_from_stream(stream: av.stream.Stream) -> CodecParams:
    """Copy an input stream's codec parameters into a value that outlives its container.

    The copy lives in a never-started in-memory output container: PyAV can only build an output
    stream for stream copy from another stream ("template"), and an input container's streams are
    freed when the connection closes. An unstarted container holds only the parameters.
    """
    holder = av.open(io.BytesIO(), "w", format="mp4")
    template = holder.add_stream_from_template(stream)
    ctx = stream.codec_context
    time_base = stream.time_base or Fraction(1, 90_000)
    if stream.type == "video":
        return CodecParams(
            kind=MediaKind.VIDEO,
            codec=ctx.name,
            time_base=time_base,
            extradata=bytes(ctx.extradata or b""),
            width=int(ctx.width),
            height=int(ctx.height),
            template=template,
        )
    if stream.type == "audio":
        return CodecParams(
            kind=MediaKind.AUDIO,
            codec=ctx.name,
            time_base=time_base,
            extradata=bytes(ctx.extradata or b""),
            sample_rate=int(ctx.sample_rate),
            channels=int(ctx.channels),
            template=template,
        )
    raise ValueError(f"unsupported stream type {stream.type!r}")


def add_output_stream(
    container: av.container.OutputContainer, params: CodecParams
) -> av.stream.Stream:
    """Create an output stream that takes packets by stream copy (no encoder is opened)."""
    if params.template is None:
        raise ValueError(f"codec parameters for {params.codec} carry no PyAV template")
    return container.add_stream_from_template(params.template)
