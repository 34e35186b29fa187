"""The in-process camera simulator: an RTSP server with N cameras at /camK/main and /camK/sub."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging

from vms.core.clock import Clock, SystemClock
from vms.core.threads import call_in_loop
from vms.media.rtsp import AuthScheme, RtspAuth
from vms.media.rtsp.server import RtspMount, RtspServer
from vms.simulator.filesource import LoopedMedia, play_looped
from vms.simulator.live import VARIANTS, PatternSource
from vms.simulator.options import SimulatorOptions
from vms.simulator.scenes import load_media
from vms.simulator.unit import SourceUnit

PHASE_WINDOW_S = 2.0  # file mode: camera schedules are spread over this window

log = logging.getLogger(__name__)


class Simulator:
    """Serves simulated cameras until stopped; `urls` lists every stream it serves."""

    def __init__(self, options: SimulatorOptions, clock: Clock | None = None) -> None:
        self.options = options
        self._clock = clock or SystemClock()
        auth = None
        if options.username is not None:
            auth = RtspAuth(
                options.username,
                options.password or "",
                schemes=tuple(AuthScheme(s) for s in options.auth_schemes),
                clock=self._clock,
            )
        self.server = RtspServer(options.host, options.port, auth, clock=self._clock)
        self._mounts: dict[str, list[RtspMount]] = {variant: [] for variant in VARIANTS}
        self._pattern: PatternSource | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def urls(self) -> list[str]:
        """rtsp://host:port/camK/main and …/sub for K = 1..N, main streams first per camera."""
        return [
            self.url(camera, variant)
            for camera in range(1, self.options.cameras + 1)
            for variant in VARIANTS
        ]

    def url(self, camera: int, variant: str = "main") -> str:
        return self.server.url(f"cam{camera}/{variant}")

    async def start(self) -> None:
        """Prepare the media (encoders, or the looped file or scene), mount the cameras, listen."""
        self._loop = asyncio.get_running_loop()
        if self.options.is_pattern:
            pattern = PatternSource(self.options, self._clock, self._emit_from_thread)
            tracks = await asyncio.to_thread(pattern.prepare)
            self._pattern = pattern
            media: dict[str, LoopedMedia] = {}
        else:
            media = await asyncio.to_thread(load_media, self.options)
            tracks = {variant: looped.tracks for variant, looped in media.items()}
        for camera in range(1, self.options.cameras + 1):
            for variant in VARIANTS:
                mount = self.server.mount(f"/cam{camera}/{variant}", tracks[variant])
                self._mounts[variant].append(mount)
        await self.server.start()
        if self._pattern is not None:
            self._pattern.start()
        cameras = self.options.cameras
        for camera in range(cameras):
            # Real cameras are neither frame- nor GOP-aligned: spread the cameras' schedules
            # over a 2 s window (the payloads stay shared; only the sending time differs).
            delay_s = PHASE_WINDOW_S * camera / cameras
            push = functools.partial(self._push_camera, camera)
            for variant, looped in media.items():
                task = play_looped(
                    variant, looped, self._clock, push, self._stopping, delay_s=delay_s
                )
                name = f"simulate-cam{camera + 1}-{variant}"
                self._tasks.append(asyncio.create_task(task, name=name))

    async def stop(self) -> None:
        self._stopping.set()
        if self._pattern is not None:
            await asyncio.to_thread(self._pattern.stop)
            self._pattern = None
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.server.stop()

    def _emit_from_thread(self, unit: SourceUnit) -> None:
        if self._loop is not None:
            call_in_loop(self._loop, self._push, unit)

    def _push_camera(self, camera: int, unit: SourceUnit) -> None:
        """Send one shared packetised access unit to one camera's mount (file mode)."""
        self._mounts[unit.variant][camera].push_payloads(
            unit.track,
            unit.payloads,
            rtp_time=unit.rtp_time,
            keyframe=unit.keyframe,
            wall_ms=unit.wall_ms,
        )

    def _push(self, unit: SourceUnit) -> None:
        """Fan one shared packetised access unit out to every camera's mount of a variant."""
        for mount in self._mounts[unit.variant]:
            mount.push_payloads(
                unit.track,
                unit.payloads,
                rtp_time=unit.rtp_time,
                keyframe=unit.keyframe,
                wall_ms=unit.wall_ms,
            )
