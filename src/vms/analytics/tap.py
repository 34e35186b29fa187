"""The analytics tap: one camera stream decoded on its own thread for motion and detection.

A Sink like the recorder: it subscribes to the stream's hub and never slows it (a full queue
drops the tap's own packets, and decoding resumes at the next keyframe). Every reference frame
is decoded, because the frames after it are built on it; a non-reference frame that neither
motion nor detection wants is skipped undecoded (`vms.analytics.frames`). Motion's frames are
shrunk to grey and compared here (PyAV and OpenCV release the GIL, so a thread is enough);
detection's frames, when the camera's motion gate is open, are scaled to BGR and handed to the
inference pool, whose worker processes run the model (ADR 0009) and never make this thread wait.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import av
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from vms.analytics.detection import FrameBGR
from vms.analytics.episodes import Change, EpisodeSettings, MotionEpisodes
from vms.analytics.frames import AnalyticsFrames, DetectPlan, MotionGate, frame_for_detection
from vms.analytics.motion import MotionDetector, MotionSettings
from vms.analytics.zones import Zone
from vms.core.bus import Bus, EventReported
from vms.core.ids import CameraId, StreamName
from vms.ingest.hub import StreamHub, Subscription
from vms.media.decode import VideoDecoder
from vms.media.jpeg import encode_jpeg, scaled_to_width
from vms.media.packet import CodecParams, Packet, PacketsDropped, StreamEnded, StreamInfo
from vms.media.sink import deliver
from vms.telemetry.providers import AnalyticsSample

log = logging.getLogger(__name__)

SNAPSHOT_WIDTH = 640
_QUEUE_ITEMS = 512

Submit = Callable[[CameraId, FrameBGR, int], bool]  # the inference pool's `submit`


@dataclass(frozen=True, slots=True)
class TapSettings:
    fps: float
    width: int  # of the grey picture compared
    motion: MotionSettings
    episodes: EpisodeSettings


class MotionTap:
    """Motion events and frames for detection of one camera stream, a Sink of its hub;
    `start` once, `stop` once. Without `report_motion` motion only gates detection."""

    def __init__(
        self,
        camera_id: CameraId,
        stream: StreamName,
        hub: StreamHub,
        zones: Sequence[Zone],
        settings: TapSettings,
        *,
        bus: Bus,
        report_motion: bool = True,
        detect: DetectPlan | None = None,
        submit: Submit | None = None,
    ) -> None:
        self.camera_id = camera_id
        self.stream = stream
        self.hub = hub
        self.zones = tuple(zones)
        self._settings = settings
        self._bus = bus
        self._episodes = MotionEpisodes(settings.episodes)
        self._detector: MotionDetector | None = None
        self._decoder: VideoDecoder | None = None
        self._track = -1
        self._params: CodecParams | None = None
        self.report_motion = report_motion
        self.detect = detect if detect is not None and submit is not None else None
        self._submit = submit
        gated = self.detect is not None and self.detect.mode == "motion"
        self._frames = AnalyticsFrames(
            settings.fps if report_motion or gated else None,
            self.detect.fps if self.detect is not None else None,
        )
        self._gate = MotionGate(self.detect.mode, self.detect.hold_ms) if self.detect else None
        # one scaler kept per use: building FFmpeg's scaling context for every frame costs
        # six times the scaling itself
        self._shrinker = VideoReformatter()
        self._scaler = VideoReformatter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._subscription: Subscription | None = None
        self._thread = threading.Thread(target=self._run, name=f"motion-{camera_id}", daemon=True)
        self.frames_compared = 0
        self.events_opened = 0
        self.frames_to_detect = 0  # handed to the pool (accepted or dropped there)
        self.frames_gated = 0  # due for detection, but no motion
        self._decode_errors = 0  # of the decoders already replaced (after drops, reconnects)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop and close the open event (at its last motion). Blocking, briefly."""
        self._stop.set()
        subscription = self._subscription
        if subscription is not None:
            subscription.close()  # wakes the thread now, not at the end of its wait
        self._thread.join(timeout=10)

    def sample(self) -> AnalyticsSample:
        """Totals since the tap started, for /metrics."""
        decoder = self._decoder
        subscription = self._subscription
        return AnalyticsSample(
            camera_id=self.camera_id,
            stream=self.stream,
            frames_compared_total=self.frames_compared,
            events_total=self.events_opened,
            decode_errors_total=self._decode_errors + (decoder.errors if decoder else 0),
            packets_dropped_total=subscription.dropped if subscription is not None else 0,
        )

    def set_zones(self, zones: Sequence[Zone]) -> None:
        """Watch these zones from the next frame on; an open event closes (its area changed)."""
        with self._lock:
            self.zones = tuple(zones)
            self._detector = None

    def _run(self) -> None:
        subscription = self.hub.subscribe(
            f"motion-{self.camera_id}", max_items=_QUEUE_ITEMS, realtime=False
        )
        self._subscription = subscription
        try:
            while not self._stop.is_set():
                item = subscription.get(timeout=0.5)
                if item is None:
                    if subscription.closed:
                        break
                    continue
                try:
                    deliver(item, self)
                except Exception:  # one bad frame must not end motion detection
                    log.exception("motion detection on %s failed on a frame", self.camera_id)
                    self._drop_decoder()
        finally:
            subscription.close()
            self._report(self._episodes.finish(), None)

    # -- the Sink (vms.media.sink): hub items, on the tap's thread (the benchmark calls them too)
    def on_info(self, info: StreamInfo) -> None:
        self._report(self._episodes.finish(), None)
        track = info.video_track
        self._track = -1 if track is None else track
        self._params = None if track is None else info.tracks[track]
        self._drop_decoder()
        self._frames.reset()  # the new connection's clock may start anywhere, even earlier
        if self._gate is not None:
            self._gate.reset()
        with self._lock:  # its frames are compared with each other, not with the old ones
            self._detector = None

    def on_ended(self, ended: StreamEnded) -> None:
        self._report(self._episodes.finish(), None)
        self._drop_decoder()

    def on_dropped(self, dropped: PacketsDropped) -> None:
        self._drop_decoder()  # the next keyframe starts a fresh decoder

    def on_packet(self, packet: Packet) -> None:
        if packet.track == self._track:
            self._decode(packet)

    def _drop_decoder(self) -> None:
        decoder, self._decoder = self._decoder, None
        if decoder is not None:
            self._decode_errors += decoder.errors

    def _decode(self, packet: Packet) -> None:
        if self._decoder is None:
            if not packet.keyframe or self._params is None:
                return
            self._decoder = VideoDecoder(self._params)
        skip = not self._frames.needed(packet.wall_ms)
        for frame, wall_ms in self._decoder.decode(packet, skip_nonref=skip):
            motion, detect = self._frames.motion, self._frames.detect
            if motion is not None and motion.take(wall_ms):
                self._compare(frame, wall_ms)
            if detect is not None and detect.take(wall_ms):
                self._detect(frame, wall_ms)

    def _detect(self, frame: av.VideoFrame, wall_ms: int) -> None:
        plan, gate, submit = self.detect, self._gate, self._submit
        if plan is None or gate is None or submit is None:
            return
        if not gate.open(wall_ms):
            self.frames_gated += 1
            return
        self.frames_to_detect += 1
        submit(self.camera_id, frame_for_detection(frame, plan.width, self._scaler), wall_ms)

    def _compare(self, frame: av.VideoFrame, wall_ms: int) -> None:
        width = self._settings.width
        height = max(2, round(frame.height * width / max(1, frame.width) / 2) * 2)
        with self._lock:
            detector = self._detector
            if detector is None or detector.size != (width, height):
                detector = self._detector = MotionDetector(
                    width, height, self.zones, self._settings.motion
                )
                renewed = True
            else:
                renewed = False
        if renewed:  # new zones or picture size: what an open event watched has changed
            self._report(self._episodes.finish(), None)
        small = self._shrinker.reformat(
            frame, width=width, height=height, format="gray", interpolation=Interpolation.AREA
        )
        grey = np.asarray(small.to_ndarray(), dtype=np.uint8)
        reading = detector.feed(grey)
        self.frames_compared += 1
        if self._gate is not None:
            self._gate.observe(reading.moving, wall_ms)
        if self.report_motion:
            self._report(self._episodes.observe(reading, wall_ms), frame, wall_ms)

    def _report(
        self, changes: list[Change], frame: av.VideoFrame | None, wall_ms: int | None = None
    ) -> None:
        for change in changes:
            if change.phase == "opened":
                self.events_opened += 1
            jpeg = None
            if change.snapshot and frame is not None:
                jpeg = encode_jpeg(scaled_to_width(frame, SNAPSHOT_WIDTH))
            self._bus.publish(
                EventReported(
                    event_id=change.event_id,
                    camera_id=self.camera_id,
                    label="motion",
                    phase=change.phase,
                    start_ms=change.start_ms,
                    end_ms=change.end_ms,
                    score=round(change.score, 4),
                    zones=change.zones,
                    snapshot_jpeg=jpeg,
                    snapshot_ms=wall_ms if jpeg is not None else None,
                )
            )
