"""RTP depacketisers: RTP payloads back into access units (H.264, H.265, AAC, G.711).

Hand-written because FFmpeg's RTSP demuxer hands out an access unit only when the next one
starts, one frame late, and costs about 3 ms of CPU per camera-second; this reader completes a
video access unit at its RTP marker bit. The RTSP client owns sockets, RTP headers, reordering
and timestamp unwrapping; these classes see only payload, timestamp, marker bit and sequence
number, and never raise on what a camera sends.

`depacketizer_for` picks one from a track's codec and SDP fmtp; the readers live in `video`
(H.264, H.265) and `audio` (AAC, G.711), and what they hand out in `base`.
"""

from __future__ import annotations

from collections.abc import Mapping

from vms.media.h26x import VideoCodec
from vms.media.rtp_depay.audio import AacDepacketizer, PassthroughDepacketizer
from vms.media.rtp_depay.base import Depacketizer
from vms.media.rtp_depay.video import H264Depacketizer, H265Depacketizer

_AAC_MODES = {"aac-hbr": (13, 3, 3), "aac-lbr": (6, 2, 2)}
_AAC_UNSUPPORTED = (
    "constantsize",
    "ctsdeltalength",
    "dtsdeltalength",
    "randomaccessindication",
    "streamstateindication",
    "auxiliarydatasizelength",
)


def depacketizer_for(codec: str, fmtp: Mapping[str, str]) -> Depacketizer:
    """The depacketiser for an FFmpeg codec name and the track's SDP fmtp parameters.

    Raises ValueError for a codec or a payload format variant these classes cannot read, so the
    RTSP client can refuse the track at SETUP instead of handing out broken access units.
    """
    params = {key.strip().lower(): value.strip() for key, value in fmtp.items()}
    try:
        if codec == VideoCodec.H264:
            if params.get("packetization-mode", "0") not in ("0", "1"):
                raise ValueError("H.264 interleaved packetization-mode is not supported")
            return H264Depacketizer()
        if codec == VideoCodec.H265:
            if int(params.get("sprop-max-don-diff", "0")):
                raise ValueError("H.265 with DONL (sprop-max-don-diff > 0) is not supported")
            return H265Depacketizer()
        if codec == "aac":
            mode = params.get("mode", "aac-hbr").lower()
            if mode not in _AAC_MODES:
                raise ValueError(f"mpeg4-generic mode {mode!r} is not supported")
            if any(int(params.get(name, "0")) for name in _AAC_UNSUPPORTED):
                raise ValueError("mpeg4-generic AU header fields beyond size/index")
            size, index, delta = _AAC_MODES[mode]
            return AacDepacketizer(
                int(params.get("sizelength", size)),
                int(params.get("indexlength", index)),
                int(params.get("indexdeltalength", delta)),
            )
    except ValueError as error:
        raise ValueError(f"cannot depacketise {codec} with fmtp {dict(fmtp)}: {error}") from None
    if codec in ("pcm_mulaw", "pcm_alaw"):
        return PassthroughDepacketizer()
    raise ValueError(f"no RTP depacketiser for codec {codec!r}")
