"""The live test pattern source: one encoder thread per stream variant plus one audio thread.

All cameras show the same encoded picture: each variant (main, sub) is rendered, encoded and
packetised once, and only the RTP headers differ per camera, so many cameras cost about one.
"""

from __future__ import annotations

import logging
import threading

from vms.core.clock import Clock
from vms.media.rtp import VideoPacketizer, packetize_audio
from vms.media.sdp import TrackDescription
from vms.simulator.audio import ToneEncoder
from vms.simulator.options import AudioMode, SimulatorOptions
from vms.simulator.pattern import MotionBursts, PatternRenderer, VideoEncoder
from vms.simulator.unit import Emit, SourceUnit

log = logging.getLogger(__name__)


VARIANTS = ("main", "sub")
# How late a frame may be and still be sent (a burst catches up); later than this the machine
# is too slow to keep the rate and the pattern skips to the present. A real camera buffers
# through a short stall the same way, and it keeps the recording tests' frame counts exact on
# a busy machine, where skipping after two frame periods dropped frames at every stall.
MAX_LATE_S = 1.0


class PatternSource:
    """Encodes the pattern live, paced by the clock; `emit` hands each access unit on."""

    def __init__(self, options: SimulatorOptions, clock: Clock, emit: Emit) -> None:
        self._options = options
        self._clock = clock
        self._emit = emit
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._encoders: dict[str, VideoEncoder] = {}
        self._audio: ToneEncoder | None = None
        self._start_mono = 0.0
        self._start_wall_ms = 0

    def prepare(self) -> dict[str, tuple[TrackDescription, ...]]:
        """Open the encoders (blocking) and return the tracks of each variant."""
        opts = self._options
        sizes = {"main": (opts.width, opts.height), "sub": opts.sub_size}
        bitrates = {"main": opts.bitrate, "sub": max(100_000, opts.bitrate // 4)}
        tracks: dict[str, tuple[TrackDescription, ...]] = {}
        if opts.audio is not AudioMode.NONE:
            self._audio = ToneEncoder(opts.audio)
        for variant in VARIANTS:
            encoder = VideoEncoder(
                opts.codec, sizes[variant], opts.fps, opts.gop_frames, bitrates[variant]
            )
            self._encoders[variant] = encoder
            video = TrackDescription.video(
                opts.codec.ffmpeg_name, encoder.extradata, *sizes[variant]
            )
            tracks[variant] = (video,) if self._audio is None else (video, self._audio.track)
        return tracks

    def start(self) -> None:
        self._start_mono = self._clock.monotonic()
        self._start_wall_ms = self._clock.now_ms()
        for variant, encoder in self._encoders.items():
            thread = threading.Thread(
                target=self._run_video, args=(variant, encoder), name=f"pattern-{variant}"
            )
            self._threads.append(thread)
        if self._audio is not None:
            self._threads.append(
                threading.Thread(target=self._run_audio, args=(self._audio,), name="pattern-audio")
            )
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()
        self._threads.clear()
        for encoder in self._encoders.values():
            encoder.close()

    def _wait_until(self, offset_s: float) -> bool:
        """Sleep until `offset_s` after start; False when stopping."""
        delay = self._start_mono + offset_s - self._clock.monotonic()
        return not (delay > 0 and self._stop.wait(delay)) and not self._stop.is_set()

    def _run_video(self, variant: str, encoder: VideoEncoder) -> None:
        try:
            self._video_loop(variant, encoder)
        except Exception:
            log.exception("pattern encoder %s failed", variant)

    def _video_loop(self, variant: str, encoder: VideoEncoder) -> None:
        codec = self._options.codec.ffmpeg_name
        track = TrackDescription.video(codec, encoder.extradata)
        assert track.parameter_sets is not None
        packetizer = VideoPacketizer(track.parameter_sets)
        renderer = PatternRenderer(
            *encoder.size, label=variant, motion=MotionBursts.of(self._options)
        )
        period = 1.0 / self._options.fps
        index = 0
        while self._wait_until(index * period):
            late = self._clock.monotonic() - (self._start_mono + index * period)
            if late > MAX_LATE_S:  # fell far behind (too slow a machine): skip to the present
                skipped = int(late / period)
                index += skipped
                # Tests read this line (tests/support/simulator.py): a frame the camera never
                # sent is not one VMS lost.
                log.warning("pattern %s skipped %d frames, %.2f s behind", variant, skipped, late)
                continue
            wall_ms = self._start_wall_ms + round(index * period * 1000)
            for frame in encoder.encode(renderer.render(index, wall_ms), index):
                payloads = packetizer.packetize(frame.data)
                offset_s = frame.pts * period
                self._emit(
                    SourceUnit(
                        variant,
                        0,
                        payloads,
                        round(offset_s * 90_000),
                        frame.keyframe or payloads.keyframe,
                        self._start_wall_ms + round(offset_s * 1000),
                    )
                )
            index += 1

    def _run_audio(self, encoder: ToneEncoder) -> None:
        codec = encoder.track.codec
        rate = encoder.sample_rate
        sample = 0
        try:
            while self._wait_until(sample / rate):
                for frame in encoder.encode_next():
                    payloads = packetize_audio(codec, frame.data)
                    wall_ms = self._start_wall_ms + round(frame.pts * 1000 / rate)
                    for variant in VARIANTS:
                        self._emit(SourceUnit(variant, 1, payloads, frame.pts, False, wall_ms))
                sample += encoder.frame_samples
        except Exception:
            log.exception("pattern audio encoder failed")
