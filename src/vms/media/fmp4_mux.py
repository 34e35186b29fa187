"""In-memory fragmented-MP4 muxing of hub packets by stream copy: an init segment, then one
moof+mdat fragment per packet, each tagged with the packet it carries.

Live protocols (LL-HLS parts, MSE over WebSocket) need every frame out of the muxer as soon as
possible and need to know which frame each fragment holds. FFmpeg's mp4 muxer (through PyAV) does
the muxing: `frag_duration=1` µs makes it close a fragment before every packet, so each fragment
holds one sample (or a video sample and the audio that followed it), written as soon as the next
packet reaches the muxer; `max_interleave_delta=1` µs keeps the interleaver from waiting for a
silent track. The interleaver still decides the order in which tracks come out, so the track of
each fragment is read back from its `tfhd` box (a few header fields, see `fragment_tracks`).
"""

from __future__ import annotations

import io
import struct
from collections import deque
from dataclasses import dataclass
from fractions import Fraction

import av
import av.container
import av.stream

from vms.media.avstream import add_output_stream, stored_payload
from vms.media.fmp4 import iter_boxes
from vms.media.g711 import G711_CODECS
from vms.media.packet import CodecParams, MediaKind, Packet, StreamInfo

MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof+skip_trailer"
_U32 = struct.Struct(">I")
_DEFAULT_FPS = 25


@dataclass(frozen=True, slots=True)
class MuxedFragment:
    """One moof+mdat pair holding one packet (sample) of one track."""

    track: int
    data: bytes
    start_us: int  # decode time of the sample, rebased to the muxer's origin
    duration_us: int  # from the packet, else estimated from the track's previous packets
    keyframe: bool
    wall_ms: int


@dataclass(frozen=True, slots=True)
class _Pending:
    """What the muxer was given for a packet whose fragment has not come out yet."""

    start_us: int
    duration_us: int
    keyframe: bool
    wall_ms: int


class _Track:
    """Per track: the output stream, the rebasing offset and the last decode time."""

    __slots__ = (
        "den",
        "last_delta",
        "last_dts",
        "num",
        "offset",
        "params",
        "pending",
        "stream",
    )

    def __init__(self, params: CodecParams, stream: av.stream.Stream) -> None:
        self.params = params
        self.stream = stream
        self.num = params.time_base.numerator
        self.den = params.time_base.denominator
        self.offset: int | None = None
        self.last_dts: int | None = None
        self.last_delta = 0
        self.pending: deque[_Pending] = deque()

    def to_us(self, ticks: int) -> int:
        return ticks * self.num * 1_000_000 // self.den


class _Buffer:
    """The file object FFmpeg writes to: bytes accumulate until the muxer's owner takes them."""

    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, chunk: bytes) -> int:
        self.data += chunk
        return len(chunk)


def default_duration(params: CodecParams, data: bytes) -> int:
    """A packet's duration in ticks when neither the camera nor the previous packet tells it."""
    tb = params.time_base
    if params.kind is MediaKind.VIDEO:
        return max(1, round(1 / (tb * _DEFAULT_FPS)))
    rate = params.sample_rate or 8000
    if params.codec in G711_CODECS:
        samples = len(data) // max(1, params.channels)
    elif params.codec == "aac":
        samples = 1024
    else:
        samples = rate // 50  # 20 ms
    return max(1, round(Fraction(samples, rate) / tb))


class FragmentMuxer:
    """Muxes one StreamInfo generation; not thread-safe (one owner feeds it)."""

    def __init__(self, info: StreamInfo) -> None:
        self.info = info
        self._buffer = _Buffer()
        options = {
            "movflags": MOVFLAGS,
            "frag_duration": "1",
            "flush_packets": "1",
            # Pass packets through instead of waiting for every track: a camera that declares
            # audio and never sends it would otherwise hold video back for 10 s.
            "max_interleave_delta": "1",
        }
        self._container: av.container.OutputContainer = av.open(
            self._buffer, "w", format="mp4", options=options
        )
        try:
            self._tracks = [_Track(t, self._add_stream(t)) for t in info.tracks]
            self._container.start_encoding()
        except BaseException:
            self._container.close()
            raise
        self.init_segment = bytes(self._buffer.data)
        self._buffer.data.clear()
        video = info.video_track
        self._main = video if video is not None else 0
        self._origin_s: Fraction | None = None
        self._closed = False

    def _add_stream(self, params: CodecParams) -> av.stream.Stream:
        stream = add_output_stream(self._container, params)
        if params.codec == "hevc":
            stream.codec_tag = "hvc1"  # parameter sets in the sample entry, as HLS and MSE want
        return stream

    def write(self, packet: Packet) -> list[MuxedFragment]:
        """Mux one packet; the fragments the muxer finished meanwhile (usually one, maybe none).

        Packets before the first packet of the main track (video, else the only track), or whose
        decode time does not increase, are dropped.
        """
        if self._closed:
            raise RuntimeError("the muxer is closed")
        track = self._tracks[packet.track]
        if self._origin_s is None:
            if packet.track != self._main:
                return []
            self._origin_s = Fraction(packet.dts * track.num, track.den)
        if track.offset is None:
            track.offset = round(self._origin_s * track.den / track.num)
        dts = packet.dts - track.offset
        if dts < 0 or (track.last_dts is not None and dts <= track.last_dts):
            return []
        if track.last_dts is not None:
            track.last_delta = dts - track.last_dts
        track.last_dts = dts
        duration = (
            packet.duration or track.last_delta or default_duration(track.params, packet.data)
        )
        av_packet = av.Packet(stored_payload(track.params, packet.data))
        av_packet.pts = packet.pts - track.offset
        av_packet.dts = dts
        av_packet.duration = duration
        av_packet.time_base = track.params.time_base
        av_packet.is_keyframe = packet.keyframe
        av_packet.stream = track.stream
        track.pending.append(
            _Pending(track.to_us(dts), track.to_us(duration), packet.keyframe, packet.wall_ms)
        )
        self._container.mux_one(av_packet)
        return self._take_fragments()

    def close(self) -> list[MuxedFragment]:
        """Flush the packets the muxer still holds; their fragments are returned."""
        if self._closed:
            return []
        self._closed = True
        self._container.close()
        return self._take_fragments()

    def _take_fragments(self) -> list[MuxedFragment]:
        data = self._buffer.data
        if not data:
            return []
        out: list[MuxedFragment] = []
        moof: tuple[int, int] | None = None
        consumed = 0
        view = bytes(data)
        for box in iter_boxes(io.BytesIO(view), len(view)):
            consumed = box.end
            if box.type == "moof":
                moof = (box.offset, box.end)
            elif box.type == "mdat" and moof is not None:
                out.extend(self._fragments(view[moof[0] : moof[1]], view[moof[0] : box.end]))
                moof = None
        if moof is not None:  # a moof whose mdat has not been written yet
            consumed = moof[0]
        del data[:consumed]
        return out

    def _fragments(self, moof: bytes, pair: bytes) -> list[MuxedFragment]:
        """The fragment for a moof+mdat pair: it takes the pending packets of its samples."""
        taken: list[tuple[int, _Pending]] = []
        for track_id, samples in fragment_tracks(moof):
            if not 0 < track_id <= len(self._tracks):
                continue
            pending = self._tracks[track_id - 1].pending
            for _ in range(min(samples, len(pending))):
                taken.append((track_id - 1, pending.popleft()))
        if not taken:
            return []
        lead_track, lead = next(((i, p) for i, p in taken if i == self._main), taken[0])
        return [
            MuxedFragment(
                track=lead_track,
                data=pair,
                start_us=lead.start_us,
                duration_us=sum(p.duration_us for i, p in taken if i == lead_track),
                keyframe=lead.keyframe,
                wall_ms=lead.wall_ms,
            )
        ]


def fragment_tracks(moof: bytes) -> list[tuple[int, int]]:
    """(track_ID, sample count) of each traf of a moof box (ISO/IEC 14496-12 8.8)."""
    found: list[tuple[int, int]] = []
    for traf in _children(moof, 8, len(moof)):
        if traf.type != "traf":
            continue
        track_id = 0
        samples = 0
        for child in _children(moof, traf.offset + 8, traf.end):
            if child.type == "tfhd" and child.size_bytes >= 16:
                (track_id,) = _U32.unpack_from(moof, child.offset + 12)
            elif child.type == "trun" and child.size_bytes >= 16:
                samples += _U32.unpack_from(moof, child.offset + 12)[0]
        if track_id:
            found.append((track_id, samples))
    return found


@dataclass(frozen=True, slots=True)
class _Child:
    type: str
    offset: int
    size_bytes: int

    @property
    def end(self) -> int:
        return self.offset + self.size_bytes


def _children(data: bytes, start: int, end: int) -> list[_Child]:
    """The boxes inside [start, end) of a container box (32-bit sizes, as moof children use)."""
    out: list[_Child] = []
    offset = start
    while offset + 8 <= end:
        size, raw = struct.unpack_from(">I4s", data, offset)
        if size < 8 or offset + size > end:
            break
        out.append(_Child(raw.decode("latin-1"), offset, size))
        offset += size
    return out
