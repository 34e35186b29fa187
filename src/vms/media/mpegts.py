"""AAC from MPEG-TS cameras (SRT): ADTS frames to raw AAC with an AudioSpecificConfig.

An MPEG-TS stream carries AAC as ADTS frames and FFmpeg's demuxer reports no extradata, while
MP4 recording and RTP (AAC-hbr) need raw frames plus the AudioSpecificConfig. FFmpeg's
`aac_adtstoasc` filter learns the config only from the first packet, too late for the codec
parameters a Source publishes first, so the config is built from what probing found and the
7- or 9-byte headers are cut here (ISO/IEC 14496-3 1.6.2.1 and 1.A.2).
"""

from __future__ import annotations

import io

import av
import av.stream

from vms.media.packet import CodecParams

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


def raw_aac_params(params: CodecParams, stream: av.stream.Stream) -> CodecParams:
    """`params` of an ADTS track as raw AAC: the config in `extradata` and in the template.

    The template is a stream of a never-written container whose header was prepared once, so
    PyAV copies the new extradata into the codec parameters that muxers copy from it.
    """
    context = stream.codec_context
    profile = getattr(context, "profile", None)
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
