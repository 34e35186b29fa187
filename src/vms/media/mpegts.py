"""AAC from MPEG-TS cameras (SRT): ADTS frames to raw AAC with an AudioSpecificConfig.

An MPEG-TS stream carries AAC as ADTS frames and FFmpeg's demuxer reports no extradata, while
MP4 recording and RTP (AAC-hbr) need raw frames plus the AudioSpecificConfig. FFmpeg's
`aac_adtstoasc` filter learns the config only from the first packet, too late for the codec
parameters a Source publishes first, so the config is built from what probing found and the
7- or 9-byte headers are cut here (ISO/IEC 14496-3 1.6.2.1 and 1.A.2).
"""

from __future__ import annotations

import io
from fractions import Fraction

import av
import av.stream
import numpy as np

from vms.media.avstream import codec_params_from_stream, with_time_base
from vms.media.packet import CodecParams
from vms.media.rtp_depay.audio import AAC_FRAME_SAMPLES
from vms.media.sdp import parse_audio_specific_config

_SAMPLE_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000)
_OBJECT_TYPES = {"Main": 1, "LC": 2, "SSR": 3, "LTP": 4}


def is_adts(data: bytes) -> bool:
    """True when `data` starts with an ADTS header (sync word 0xFFF, layer 0)."""
    return len(data) >= 7 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0


def adts_payload(data: bytes) -> bytes:
    """The raw AAC frame inside one ADTS frame (the data unchanged if it is not ADTS)."""
    if not is_adts(data):
        return data
    header = 7 if data[1] & 0x01 else 9  # protection_absent: no CRC
    return data[header:]


def audio_specific_config(sample_rate: int, channels: int, profile: str | None = "LC") -> bytes:
    """A two-byte AudioSpecificConfig; HE-AAC streams signal their LC core, as ADTS does."""
    if sample_rate not in _SAMPLE_RATES:
        raise ValueError(f"no AAC sampling frequency index for {sample_rate} Hz")
    if not 1 <= channels <= 7:
        raise ValueError(f"no AAC channel configuration for {channels} channels")
    object_type = _OBJECT_TYPES.get(profile or "LC", 2)
    bits = (object_type << 11) | (_SAMPLE_RATES.index(sample_rate) << 7) | (channels << 3)
    return bits.to_bytes(2, "big")


def adts_header(config: bytes, payload_size: int) -> bytes:
    """The 7-byte ADTS header (no CRC) of one raw frame of the stream `config` describes.

    ADTS can only signal object types 1-4, so HE-AAC signals its LC core, as encoders do.
    """
    rate, channels = parse_audio_specific_config(config)
    object_type = config[0] >> 3
    profile = object_type - 1 if 1 <= object_type <= 4 else 1
    index = _SAMPLE_RATES.index(rate) if rate in _SAMPLE_RATES else 4
    length = payload_size + 7
    return bytes(
        (
            0xFF,
            0xF1,  # MPEG-4, layer 0, no CRC
            (profile << 6) | (index << 2) | ((channels >> 2) & 0x1),
            ((channels & 0x3) << 6) | ((length >> 11) & 0x3),
            (length >> 3) & 0xFF,
            ((length & 0x7) << 5) | 0x1F,  # buffer fullness 0x7FF: variable rate
            0xFC,
        )
    )


def aac_params_from_config(config: bytes, frame: bytes | None, time_base: Fraction) -> CodecParams:
    """Codec parameters of raw AAC frames that an AudioSpecificConfig describes (an RTSP
    camera's SDP), probed by FFmpeg from one of its frames wrapped in ADTS; without a frame yet
    (the video keyframe came first), from a frame of silence in the same format."""
    if frame is None:
        frame = _silent_frame(*parse_audio_specific_config(config))
    sample = adts_header(config, len(frame)) + frame
    with av.open(io.BytesIO(sample), "r", format="aac") as container:
        if not container.streams.audio:
            raise ValueError("no AAC audio in the sample")
        stream = container.streams.audio[0]
        params = raw_aac_params(codec_params_from_stream(stream), stream, config=config)
        return with_time_base(params, time_base)


def _silent_frame(sample_rate: int, channels: int) -> bytes:
    """One AAC-LC frame of silence, encoded by FFmpeg (only ever probed, never stored)."""
    layout = "stereo" if channels == 2 else "mono"
    encoder = av.CodecContext.create("aac", "w")
    assert isinstance(encoder, av.AudioCodecContext)
    encoder.sample_rate = sample_rate
    encoder.layout = layout
    encoder.format = "fltp"
    encoder.time_base = Fraction(1, sample_rate)
    silence = np.zeros((len(av.AudioLayout(layout).channels), AAC_FRAME_SAMPLES), np.float32)
    frame = av.AudioFrame.from_ndarray(silence, format="fltp", layout=layout)
    frame.sample_rate = sample_rate
    frame.pts = 0
    packets = [*encoder.encode(frame), *encoder.encode(None)]
    return bytes(packets[0])


def raw_aac_params(
    params: CodecParams, stream: av.stream.Stream, *, config: bytes | None = None
) -> CodecParams:
    """`params` of an ADTS track as raw AAC: the config in `extradata` and in the template.

    The template is a stream of a never-written container whose header was prepared once, so
    PyAV copies the new extradata into the codec parameters that muxers copy from it.
    """
    if config is None:
        profile = getattr(stream.codec_context, "profile", None)
        config = audio_specific_config(params.sample_rate, params.channels, profile)
    holder = av.open(io.BytesIO(), "w", format="mov")
    template = holder.add_stream_from_template(stream)
    template.codec_context.extradata = config
    holder.start_encoding()
    return CodecParams(
        kind=params.kind,
        codec=params.codec,
        time_base=params.time_base,
        extradata=config,
        width=params.width,
        height=params.height,
        sample_rate=params.sample_rate,
        channels=params.channels,
        template=template,
    )
