"""RFC 6381 codec strings ("avc1.64001F", "hvc1.1.6.L93.B0", "mp4a.40.2") from parameter sets.

MSE's `addSourceBuffer` and HLS's CODECS attribute need them; FFmpeg keeps the fields inside
extradata and exposes no function that formats them, so the few bytes are read here: H.264's
profile/constraints/level are SPS bytes 1-3, H.265's general profile_tier_level is 12 bytes at
the same place in the SPS (after emulation-prevention bytes are removed) and in the hvcC record,
AAC's object type is the first 5 bits of the AudioSpecificConfig (ISO/IEC 14496-15 Annex E).
"""

from __future__ import annotations

from vms.media.g711 import G711_CODECS
from vms.media.h26x import VideoCodec, parameter_sets_from_units, parse_extradata, split_nal_units
from vms.media.packet import CodecParams, StreamInfo

_PTL_BYTES = 12  # general_profile_space..general_level_idc


def codec_string(params: CodecParams, keyframe: bytes = b"") -> str:
    """The RFC 6381 string of one track; `keyframe` supplies in-band parameter sets if needed.

    ValueError when the codec has no MP4 string or its parameter sets cannot be found.
    """
    if params.codec == "h264":
        return "avc1." + _h264_sps(params, keyframe)[1:4].hex().upper()
    if params.codec == "hevc":
        return "hvc1." + hevc_ptl_string(_hevc_ptl(params, keyframe))
    if params.codec == "aac":
        return f"mp4a.40.{aac_object_type(params.extradata)}"
    if params.codec == "opus":
        return "Opus"
    if params.codec in G711_CODECS:
        return "ipcm"  # stored as 16-bit PCM (vms.media.g711), ISO/IEC 23003-5 sample entry
    raise ValueError(f"no MP4 codec string for {params.kind.value} codec {params.codec!r}")


def mime_type(info: StreamInfo, keyframe: bytes = b"") -> str:
    """'video/mp4; codecs="avc1.64001F,mp4a.40.2"' (audio/mp4 for an audio-only stream)."""
    codecs = ",".join(codec_string(t, keyframe) for t in info.tracks)
    kind = "video" if info.video_track is not None else "audio"
    return f'{kind}/mp4; codecs="{codecs}"'


def _h264_sps(params: CodecParams, keyframe: bytes) -> bytes:
    sets = parse_extradata(VideoCodec.H264, params.extradata)
    if not sets.sps and keyframe:
        sets = parameter_sets_from_units(VideoCodec.H264, split_nal_units(keyframe))
    if not sets.sps or len(sets.sps[0]) < 4:
        raise ValueError("the H.264 stream carries no SPS")
    return sets.sps[0]


def _hevc_ptl(params: CodecParams, keyframe: bytes) -> bytes:
    """The 12 general profile_tier_level bytes, from an hvcC record or from the SPS."""
    extradata = params.extradata
    if len(extradata) >= 1 + _PTL_BYTES and extradata[0] == 1:
        return extradata[1 : 1 + _PTL_BYTES]
    sets = parse_extradata(VideoCodec.H265, extradata)
    if not sets.sps and keyframe:
        sets = parameter_sets_from_units(VideoCodec.H265, split_nal_units(keyframe))
    if not sets.sps:
        raise ValueError("the H.265 stream carries no SPS")
    rbsp = remove_emulation_prevention(sets.sps[0])
    # 2-byte NAL header, then vps_id(4) max_sub_layers_minus1(3) temporal_id_nesting(1)
    if len(rbsp) < 3 + _PTL_BYTES:
        raise ValueError("the H.265 SPS is too short")
    return rbsp[3 : 3 + _PTL_BYTES]


def hevc_ptl_string(ptl: bytes) -> str:
    """'1.6.L93.B0' from general_profile_space..general_level_idc (ISO/IEC 14496-15 E.3)."""
    space = ptl[0] >> 6
    tier = "H" if ptl[0] & 0x20 else "L"
    profile = ptl[0] & 0x1F
    compat = int.from_bytes(ptl[1:5], "big")
    reversed_compat = int(f"{compat:032b}"[::-1], 2)
    constraints = bytearray(ptl[5:11])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    parts = [
        ("", "A", "B", "C")[space] + str(profile),
        f"{reversed_compat:X}",
        f"{tier}{ptl[11]}",
        *(f"{b:X}" for b in constraints),
    ]
    return ".".join(parts)


def remove_emulation_prevention(nal: bytes) -> bytes:
    """The RBSP of a NAL unit: every 0x000003 becomes 0x0000."""
    out = bytearray()
    zeros = 0
    for byte in nal:
        if zeros >= 2 and byte == 3:
            zeros = 0
            continue
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def aac_object_type(audio_specific_config: bytes) -> int:
    """The audio object type (2 = AAC-LC) of an AudioSpecificConfig; 2 when none is given."""
    if not audio_specific_config:
        return 2
    kind = audio_specific_config[0] >> 3
    if kind == 31 and len(audio_specific_config) >= 2:
        kind = 32 + (((audio_specific_config[0] & 0x07) << 3) | (audio_specific_config[1] >> 5))
    return kind
