"""FFmpeg's demuxer (PyAV) as a Source's reader: RTP over UDP, rtsps, and SRT's MPEG-TS.

The reader contract (`Reader`) is shared with the project's RTSP client (`vms.ingest.rtsp_pull`):
`tracks` are the codec parameters of the packets `batches` yields next, and change when the
camera changes its parameter sets (a new picture size, say); the Source then starts a new
generation. FFmpeg's RTSP demuxer keeps its stream's codec parameters from the SDP and the first
probe and never updates them when in-band SPS/PPS change (its packets carry no new-extradata side
data either), so this reader watches the parameter sets at the start of each video keyframe
itself and rebuilds the track from that keyframe when they change.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

import av
import av.container

from vms.core.camera_url import CameraUrl
from vms.core.clock import Clock
from vms.ingest.normalise import RawPacket
from vms.media.avstream import codec_params_from_annexb, codec_params_from_stream
from vms.media.h26x import (
    ParameterSets,
    VideoCodec,
    parameter_sets_from_units,
    parse_extradata,
    split_annexb,
)
from vms.media.mpegts import adts_payload, raw_aac_params
from vms.media.packet import CodecParams, MediaKind
from vms.media.srt import SrtReader, SrtSocket, parse_srt_url

log = logging.getLogger(__name__)

_FOREVER_S = 365 * 86_400.0


class Reader(Protocol):
    """One connection's packets: `batches` ends when the camera ends the stream."""

    @property
    def tracks(self) -> tuple[CodecParams, ...]: ...

    @property
    def lost(self) -> int:
        """Frames lost before they reached the reader's output (0 where unknown)."""
        ...

    def batches(self) -> Iterator[list[RawPacket]]: ...

    def interrupt(self) -> None: ...

    def close(self) -> None: ...


class ParameterWatch:
    """Follows the in-band parameter sets of one H.264/H.265 track across keyframes."""

    __slots__ = ("_codec", "_sets")

    def __init__(self, params: CodecParams) -> None:
        self._codec = VideoCodec(params.codec)
        known = parse_extradata(self._codec, params.extradata) if params.extradata else None
        self._sets: ParameterSets | None = known if known and known.sps else None

    def changed(self, keyframe: bytes) -> bool:
        """Whether this Annex B keyframe carries parameter sets other than the last ones seen
        (the first ones seen, when the stream had none before, are no change)."""
        sets = parameter_sets_from_units(self._codec, split_annexb(keyframe))
        if not sets.sps:
            return False
        old, self._sets = self._sets, sets
        return old is not None and old.all_units() != sets.all_units()


class DemuxReader:
    """FFmpeg's demuxer (PyAV) as a reader: RTP over UDP, rtsps, and SRT's MPEG-TS."""

    lost = 0  # FFmpeg's demuxer counts no lost frames that we could read

    def __init__(
        self,
        container: av.container.InputContainer,
        close_transport: Callable[[], None],
        clock: Clock,
        label: str,
        is_srt: bool,
    ) -> None:
        self._container = container
        self._close_transport = close_transport
        self._clock = clock
        self._label = label
        self._index_map: dict[int, int] = {}
        self._adts: set[int] = set()  # AAC tracks whose ADTS headers are cut (SRT)
        self.tracks = self._read_tracks(label, is_srt)

    def _read_tracks(self, label: str, is_srt: bool) -> tuple[CodecParams, ...]:
        tracks: list[CodecParams] = []
        for stream in self._container.streams:
            if stream.type not in ("video", "audio"):
                continue
            try:
                params = codec_params_from_stream(stream)
                if is_srt and params.codec == "aac" and not params.extradata:
                    params = raw_aac_params(params, stream)  # ADTS in MPEG-TS: made raw
                    self._adts.add(len(tracks))
            except Exception as exc:  # e.g. a codec the muxers cannot carry
                log.warning("%s: skipping %s track %d: %s", label, stream.type, stream.index, exc)
                continue
            self._index_map[stream.index] = len(tracks)
            tracks.append(params)
        return tuple(tracks)

    def _watch(self) -> tuple[int, ParameterWatch | None]:
        """The video track whose parameter sets are followed (-1 and None: none)."""
        for index, params in enumerate(self.tracks):
            if params.kind is MediaKind.VIDEO:
                if params.codec in ("h264", "hevc"):
                    return index, ParameterWatch(params)
                break
        return -1, None

    def batches(self) -> Iterator[list[RawPacket]]:
        clock = self._clock
        index_map, adts = self._index_map, self._adts
        streams = [self._container.streams[i] for i in index_map]
        watched, watch = self._watch()
        anchored = False  # a sender report has been seen: keyframes suffice to follow it
        for av_packet in self._container.demux(*streams):
            if av_packet.size == 0:
                continue  # PyAV's end-of-stream flush packet
            track = index_map[av_packet.stream_index]
            keyframe = av_packet.is_keyframe
            prft_us = None
            # Side-data look-ups are slow in PyAV; once anchored on RTCP, keyframes suffice to
            # follow new sender reports (the anchor moves only when the mapping changes).
            if (not anchored or keyframe) and av_packet.has_sidedata("prft"):
                side = bytes(av_packet.get_sidedata("prft"))
                prft_us = int.from_bytes(side[:8], sys.byteorder, signed=True)
                anchored = True
            data = bytes(av_packet)
            if watch is not None and keyframe and track == watched and watch.changed(data):
                self._new_parameters(track, data)
            yield [
                RawPacket(
                    track=track,
                    data=adts_payload(data) if track in adts else data,
                    pts=av_packet.pts,
                    dts=av_packet.dts,
                    duration=av_packet.duration,
                    keyframe=keyframe,
                    arrival_ms=clock.now_ms(),
                    arrival_mono=clock.monotonic(),
                    prft_us=prft_us,
                )
            ]

    def _new_parameters(self, track: int, keyframe: bytes) -> None:
        """Rebuild `tracks[track]` from a keyframe with new parameter sets, if they differ."""
        current = self.tracks[track]
        try:
            params = codec_params_from_annexb(current.codec, keyframe, current.time_base)
        except (ValueError, av.error.FFmpegError) as exc:
            log.warning("%s: new parameter sets that FFmpeg cannot read: %s", self._label, exc)
            return
        if not params.same_format(current):
            self.tracks = tuple(params if i == track else t for i, t in enumerate(self.tracks))

    def interrupt(self) -> None:
        """Reads end within the socket timeout; nothing interrupts FFmpeg sooner."""

    def close(self) -> None:
        self._container.close()
        self._close_transport()


def open_demuxer(
    url: CameraUrl, transport: str, io_timeout_s: float, stop: threading.Event
) -> tuple[av.container.InputContainer, Callable[[], None]]:
    """The demuxer of one connection, and what closes its transport afterwards.

    FFmpeg takes one URL string: the only place (with storage) that writes the credentials
    into one, percent-encoded (`CameraUrl.with_credentials`)."""
    if url.scheme != "srt":
        options = _options(transport, io_timeout_s)
        return av.open(url.with_credentials(), options=options), _nothing
    target = parse_srt_url(url, connect_timeout_ms=int(io_timeout_s * 1000))
    if target.listener:  # the camera calls us: listen until it does (or until stop)
        with SrtSocket.listen(target.host, target.port, target.options) as listener:
            sock = listener.accept(_FOREVER_S, stop)
        if sock is None:
            raise TimeoutError(f"stopped while waiting for an SRT caller on {target.port}")
    else:
        sock = SrtSocket.connect(target.host, target.port, target.options, stop)
    reader = SrtReader(sock, idle_timeout_s=io_timeout_s, should_stop=stop.is_set)
    try:
        options = {"analyzeduration": "1000000", "probesize": "500000"}
        return av.open(reader, "r", format="mpegts", options=options), reader.close
    except BaseException:
        reader.close()
        raise


def _options(transport: str, io_timeout_s: float) -> dict[str, str]:
    return {
        "rtsp_transport": transport,
        "timeout": str(int(io_timeout_s * 1_000_000)),  # µs, per socket operation
        "analyzeduration": "1000000",  # µs: the SDP carries the parameter sets
        "probesize": "500000",
    }


def _nothing() -> None:
    """An RTSP connection is closed with its container."""


def check_srt_url(url: CameraUrl) -> str | None:
    """Why `url` cannot be an SRT camera URL (never showing the passphrase), or None."""
    try:
        parse_srt_url(url)
    except ValueError as exc:
        return f"invalid SRT URL: {exc}"
    return None
