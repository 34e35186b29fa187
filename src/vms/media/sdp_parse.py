"""Reading the session description (RFC 8866) a camera answers DESCRIBE with.

Hand-written because VMS reads RTSP cameras with its own client: FFmpeg's RTSP demuxer hands out
an access unit only when the next one starts, one frame late, and costs ~3 ms of CPU per
camera-second, while a Python reader completes the access unit at its RTP marker bit. This module
is the pure part of that client: it turns the SDP text into one `SdpMedia` per audio or video
section, with the SETUP URL already resolved and the decoder configuration (parameter sets, AAC
AudioSpecificConfig) already decoded. Cameras write SDP loosely, so nothing here raises on a
malformed line; a section the client cannot play comes back with `codec == ""`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from vms.media.h26x import ParameterSets, VideoCodec, parameter_sets_from_units
from vms.media.packet import MediaKind
from vms.media.sdp import parse_audio_specific_config

# RFC 3551 table 4 and 5: payload types a sender may use without an a=rtpmap line.
# (encoding name, clock rate, channels)
_STATIC_PAYLOAD_TYPES: Mapping[int, tuple[str, int, int]] = MappingProxyType(
    {
        0: ("PCMU", 8000, 1),
        3: ("GSM", 8000, 1),
        4: ("G723", 8000, 1),
        5: ("DVI4", 8000, 1),
        6: ("DVI4", 16000, 1),
        7: ("LPC", 8000, 1),
        8: ("PCMA", 8000, 1),
        9: ("G722", 8000, 1),
        10: ("L16", 44100, 2),
        11: ("L16", 44100, 1),
        12: ("QCELP", 8000, 1),
        13: ("CN", 8000, 1),
        14: ("MPA", 90000, 1),
        15: ("G728", 8000, 1),
        16: ("DVI4", 11025, 1),
        17: ("DVI4", 22050, 1),
        18: ("G729", 8000, 1),
        25: ("CelB", 90000, 1),
        26: ("JPEG", 90000, 1),
        28: ("nv", 90000, 1),
        31: ("H261", 90000, 1),
        32: ("MPV", 90000, 1),
        33: ("MP2T", 90000, 1),
        34: ("H263", 90000, 1),
    }
)

# (media kind, upper-cased encoding name) -> FFmpeg codec name.
_CODECS: Mapping[tuple[MediaKind, str], str] = MappingProxyType(
    {
        (MediaKind.VIDEO, "H264"): "h264",
        (MediaKind.VIDEO, "H265"): "hevc",
        (MediaKind.AUDIO, "MPEG4-GENERIC"): "aac",
        (MediaKind.AUDIO, "PCMU"): "pcm_mulaw",
        (MediaKind.AUDIO, "PCMA"): "pcm_alaw",
    }
)

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_AUTHORITY = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*)")
_DIMENSIONS = re.compile(r"^\s*(\d+)\s*[,x\-]\s*(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class SdpMedia:
    """One audio or video section of a DESCRIBE answer, as the RTSP client sets it up."""

    kind: MediaKind
    codec: str  # FFmpeg codec name, or "" when the client cannot play this section
    encoding: str  # the rtpmap encoding name as written
    payload_type: int
    clock_rate: int
    channels: int
    fmtp: Mapping[str, str]
    control: str  # absolute URL to SETUP
    parameter_sets: ParameterSets | None
    audio_config: bytes
    sample_rate: int
    width: int
    height: int


@dataclass(slots=True)
class _Section:
    """The lines of one m= section gathered before any of them is interpreted.

    Attributes may come in any order (a=fmtp before a=rtpmap is legal), so a section is
    collected whole and only then turned into an `SdpMedia`.
    """

    kind: MediaKind
    formats: tuple[int, ...]
    rtpmaps: dict[int, tuple[str, int, int]] = field(default_factory=dict)
    fmtps: dict[int, dict[str, str]] = field(default_factory=dict)
    framesizes: dict[int, tuple[int, int]] = field(default_factory=dict)
    dimensions: tuple[int, int] | None = None
    control: str | None = None


def parse_sdp(text: str, base_url: str) -> tuple[SdpMedia, ...]:
    """Every m=video and m=audio section of `text`, in order.

    `base_url` is the Content-Base (or Content-Location, or request URL) the client chose;
    control URLs are resolved against it, or against the session-level a=control when there is
    one. Other sections (m=application metadata, m=text) are read past and left out.
    """
    session_control: str | None = None
    sections: list[_Section] = []
    current: _Section | None = None
    in_session = True
    for raw in text.split("\n"):
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:]
        if kind == "m":
            in_session = False
            current = _media_line(value)
            if current is not None:
                sections.append(current)
        elif kind == "a":
            name, _, argument = value.partition(":")
            if in_session:
                if name == "control":
                    session_control = argument.strip()
            elif current is not None:
                _attribute(current, name, argument)
    session_base = _resolve(session_control, base_url)
    return tuple(_media(section, session_base) for section in sections)


def _media_line(value: str) -> _Section | None:
    """A section for `m=<media> <port> <proto> <fmt> ...`; None for other media or bad lines.

    A None here also makes the attributes that follow it be dropped, so those of a metadata
    track never land on the audio or video section before it.
    """
    fields = value.split()
    if len(fields) < 4:
        return None
    try:
        kind = MediaKind(fields[0].lower())
        formats = tuple(int(fmt) for fmt in fields[3:])
    except ValueError:
        return None
    if any(not 0 <= fmt <= 127 for fmt in formats):
        return None
    return _Section(kind, formats)


def _attribute(section: _Section, name: str, argument: str) -> None:
    """Record one media-level attribute; malformed ones are ignored."""
    if name == "control":
        section.control = argument.strip()
    elif name == "x-dimensions":
        size = _dimensions(argument)
        if size is not None:
            section.dimensions = size
    elif name in ("rtpmap", "fmtp", "framesize"):
        pt_text, _, rest = argument.strip().partition(" ")
        try:
            payload_type = int(pt_text)
        except ValueError:
            return
        if name == "rtpmap":
            rtpmap = _rtpmap(rest)
            if rtpmap is not None:
                section.rtpmaps[payload_type] = rtpmap
        elif name == "fmtp":
            section.fmtps[payload_type] = _fmtp(rest)
        else:
            size = _dimensions(rest)
            if size is not None:
                section.framesizes[payload_type] = size


def _rtpmap(text: str) -> tuple[str, int, int] | None:
    """(encoding, clock rate, channels) of `<encoding>/<clock rate>[/<channels>]`."""
    parts = [part.strip() for part in text.strip().split("/")]
    if len(parts) < 2 or not parts[0]:
        return None
    try:
        clock_rate = int(parts[1])
        channels = int(parts[2]) if len(parts) > 2 and parts[2] else 1
    except ValueError:
        return None
    if clock_rate <= 0 or channels <= 0:
        return None
    return parts[0], clock_rate, channels


def _fmtp(text: str) -> dict[str, str]:
    """`key=value; key=value` with any spacing; keys lower-cased, base64 '=' padding kept."""
    params: dict[str, str] = {}
    for item in text.split(";"):
        key, sep, value = item.partition("=")
        key = key.strip().lower()
        if sep and key:
            params[key] = value.strip()
    return params


def _dimensions(text: str) -> tuple[int, int] | None:
    """`1920,1080` (x-dimensions) or `1920-1080` (framesize); None unless both are positive."""
    match = _DIMENSIONS.match(text)
    if match is None:
        return None
    width, height = int(match.group(1)), int(match.group(2))
    return (width, height) if width and height else None


def _resolve(control: str | None, base: str) -> str:
    """The absolute URL for an a=control value (RFC 2326 C.1.1), as cameras and FFmpeg read it.

    A relative control is appended to the base with one "/" between rather than resolved as
    RFC 3986 would: Content-Base values such as `rtsp://h/cam/realmonitor?channel=1` only work
    that way. A control starting with "/" names a path on the base's host.
    """
    if control is None or control in ("", "*"):
        return base
    if _SCHEME.match(control):
        return control
    if control.startswith("/"):
        authority = _AUTHORITY.match(base)
        if authority is not None:
            return authority.group(1) + control
        return base.rstrip("/") + control
    return base + control if base.endswith("/") else f"{base}/{control}"


def _media(section: _Section, session_base: str) -> SdpMedia:
    """Interpret one collected section; the first playable format wins, else the first one."""
    described = [(pt, _describe(section, pt)) for pt in section.formats]
    payload_type, (encoding, clock_rate, channels) = next(
        (
            item
            for item in described
            if _codec(section.kind, item[1][0], section.fmtps.get(item[0], {}))
        ),
        described[0],
    )
    fmtp = section.fmtps.get(payload_type, {})
    codec = _codec(section.kind, encoding, fmtp)
    parameter_sets: ParameterSets | None = None
    audio_config = b""
    sample_rate = 0
    width = height = 0
    if section.kind is MediaKind.VIDEO:
        channels = 0
        if codec:
            parameter_sets = _parameter_sets(VideoCodec(codec), fmtp)
        size = section.dimensions or section.framesizes.get(payload_type)
        if size is not None:
            width, height = size
    else:
        sample_rate = clock_rate
        if codec == "aac":
            audio_config, config_rate, config_channels = _aac_config(fmtp)
            sample_rate = config_rate or clock_rate
            channels = config_channels or channels
    return SdpMedia(
        kind=section.kind,
        codec=codec,
        encoding=encoding,
        payload_type=payload_type,
        clock_rate=clock_rate,
        channels=channels,
        fmtp=MappingProxyType(dict(fmtp)),
        control=_resolve(section.control, session_base),
        parameter_sets=parameter_sets,
        audio_config=audio_config,
        sample_rate=sample_rate,
        width=width,
        height=height,
    )


def _describe(section: _Section, payload_type: int) -> tuple[str, int, int]:
    """(encoding, clock rate, channels) from a=rtpmap, else the RFC 3551 static table."""
    found = section.rtpmaps.get(payload_type)
    if found is not None:
        return found
    return _STATIC_PAYLOAD_TYPES.get(payload_type, ("", 0, 1))


def _codec(kind: MediaKind, encoding: str, fmtp: Mapping[str, str]) -> str:
    """The FFmpeg codec name for an encoding, "" when the client has no depacketiser for it.

    MPEG4-GENERIC also carries CELP and raw MPEG-4 streams; only the AAC modes of RFC 3640
    are AAC. A missing mode is taken as AAC, as FFmpeg does.
    """
    codec = _CODECS.get((kind, encoding.upper()), "")
    if codec == "aac":
        mode = fmtp.get("mode", "")
        if mode and not mode.lower().startswith("aac-"):
            return ""
    return codec


def _parameter_sets(codec: VideoCodec, fmtp: Mapping[str, str]) -> ParameterSets | None:
    """Parameter sets from sprop-parameter-sets (RFC 6184) or sprop-vps/sps/pps (RFC 7798).

    None when the fmtp names none, when any of them is not base64, or when what they decode to
    holds no parameter set: the client then waits for in-band ones instead.
    """
    keys = (
        ("sprop-parameter-sets",)
        if codec is VideoCodec.H264
        else ("sprop-vps", "sprop-sps", "sprop-pps")
    )
    units: list[bytes] = []
    for key in keys:
        value = fmtp.get(key)
        if value is None:
            continue
        for item in value.split(","):
            text = "".join(item.split())
            if not text:
                continue
            unit = _b64decode(text)
            if unit is None:
                return None
            units.append(unit)
    if not units:
        return None
    params = parameter_sets_from_units(codec, units)
    return params if params.all_units() else None


def _b64decode(text: str) -> bytes | None:
    """Strict base64, but tolerating the missing '=' padding some cameras write."""
    if len(text) % 4 == 1:
        return None
    try:
        unit = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        return None
    return unit or None


def _aac_config(fmtp: Mapping[str, str]) -> tuple[bytes, int, int]:
    """(AudioSpecificConfig, sample rate, channels) from fmtp `config=`; zeros when unusable."""
    try:
        config = bytes.fromhex(fmtp.get("config", ""))
        rate, channels = parse_audio_specific_config(config)
    except ValueError:
        return b"", 0, 0
    return config, rate, channels
