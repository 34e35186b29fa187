"""Adapter between PyAV streams/packets and the project's `CodecParams`/`Packet` values."""

from __future__ import annotations

import io
from fractions import Fraction

import av
import av.container
import av.stream

from vms.media.g711 import G711_CODECS, expand_to_s16be
from vms.media.packet import CodecParams, MediaKind


def codec_params_from_stream(stream: av.stream.Stream) -> CodecParams:
    """Copy an input stream's codec parameters into a value that outlives its container.

    The copy lives in a never-started in-memory output container: PyAV can only build an output
    stream for stream copy from another stream ("template"), and an input container's streams are
    freed when the connection closes. An unstarted container holds only the parameters.
    """
    holder = av.open(io.BytesIO(), "w", format="mov")  # mov takes more codecs than mp4
    template = holder.add_stream_from_template(stream)
    time_base = stream.time_base or Fraction(1, 90_000)
    if isinstance(stream, av.VideoStream):
        video = stream.codec_context
        return CodecParams(
            kind=MediaKind.VIDEO,
            codec=video.name,
            time_base=time_base,
            extradata=bytes(video.extradata or b""),
            width=int(video.width),
            height=int(video.height),
            template=template,
        )
    if isinstance(stream, av.AudioStream):
        audio = stream.codec_context
        return CodecParams(
            kind=MediaKind.AUDIO,
            codec=audio.name,
            time_base=time_base,
            extradata=bytes(audio.extradata or b""),
            sample_rate=int(audio.sample_rate),
            channels=int(audio.channels),
            template=template,
        )
    raise ValueError(f"unsupported stream type {stream.type!r}")


def add_output_stream(
    container: av.container.OutputContainer, params: CodecParams
) -> av.stream.Stream:
    """Create an output stream that takes packets by stream copy (no encoder is opened).

    G.711 audio, which MP4 cannot hold, gets a 16-bit PCM stream instead: write its packets
    through `stored_payload`, which expands them losslessly (see `vms.media.g711`).
    """
    if params.codec in G711_CODECS:
        layout = "stereo" if params.channels == 2 else "mono"
        return container.add_stream("pcm_s16be", rate=params.sample_rate or 8000, layout=layout)
    if params.template is None:
        raise ValueError(f"codec parameters for {params.codec} carry no PyAV template")
    return container.add_stream_from_template(params.template)


def stored_payload(params: CodecParams, data: bytes) -> bytes:
    """The bytes to mux for a packet of this track: as received, or G.711 expanded to PCM."""
    if params.codec in G711_CODECS:
        return expand_to_s16be(params.codec, data)
    return data
