"""Adapter between PyAV streams/packets and the project's `CodecParams`/`Packet` values."""

from __future__ import annotations

import io
from dataclasses import replace
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
            # FFmpeg's has_b_frames: the VUI's max_num_reorder_frames (H.264) or
            # sps_max_num_reorder_pics (H.265), else what its probe saw reordered.
            reorder_depth=int(video.reorder_depth),
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


def codec_params_from_annexb(codec: str, sample: bytes, time_base: Fraction) -> CodecParams:
    """Codec parameters of an H.264 (`"h264"`) or H.265 (`"hevc"`) track read from an Annex B
    sample: its parameter sets and a keyframe, which is all FFmpeg needs to know the picture.

    Used by the RTSP client's ingest, which has no demuxer to ask; `time_base` is the RTP clock.
    """
    if codec not in ("h264", "hevc"):
        raise ValueError(f"no raw bitstream format for {codec!r}")
    with av.open(io.BytesIO(sample), "r", format=codec) as container:
        if not container.streams.video:
            raise ValueError(f"no {codec} picture in the sample")
        params = codec_params_from_stream(container.streams.video[0])
    if not params.width or not params.height:
        raise ValueError(f"the {codec} parameter sets give no picture size")
    return with_time_base(params, time_base)


def with_time_base(params: CodecParams, time_base: Fraction) -> CodecParams:
    """`params` in another time base, its template too: muxers (MP4 timescales) copy it from
    there, and a probe's time base (the raw H.264 demuxer's 1/1200000) is not the stream's."""
    if params.template is not None:
        params.template.time_base = time_base
    return replace(params, time_base=time_base)


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
