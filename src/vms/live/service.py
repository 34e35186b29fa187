"""The live room's composition: one object the app starts and stops and the API routes use."""

from __future__ import annotations

import asyncio

from vms.config.live import LiveSettings
from vms.core.clock import Clock
from vms.live.llhls import LlHls
from vms.live.metrics import LiveMetrics
from vms.live.mse import Mse
from vms.live.packager import Packagers
from vms.live.restream import RtspRestream
from vms.live.snapshot import Snapshots
from vms.live.srt import SrtOutputs
from vms.live.streams import HubDirectory, LiveStreams
from vms.live.whep import WhepService
from vms.media.rtsp import RtspAuth


class LiveService:
    """Every live protocol over the camera hubs; `start`/`stop` run on the event loop."""

    def __init__(
        self,
        settings: LiveSettings,
        hubs: HubDirectory,
        clock: Clock,
        *,
        host: str,
        rtsp_port: int,
        rtsp_auth: RtspAuth | None = None,
    ) -> None:
        self.settings = settings
        self.host = host
        self.rtsp_port = rtsp_port
        self.clock = clock
        self.streams = LiveStreams(hubs)
        self.metrics = LiveMetrics()
        self.whep = WhepService(settings.webrtc, self.streams, self.metrics, clock)
        self.packagers = Packagers(settings.llhls, self.streams, clock)  # LL-HLS and MSE
        self.llhls = LlHls(self.packagers, self.metrics, clock)
        self.mse = Mse(self.packagers, self.metrics, clock)
        self.snapshots = Snapshots(self.streams, clock)
        # `rtsp_auth`: the auth room's users, the same ones the API signs in (ADR 0008).
        self.restream: RtspRestream | None = None
        if settings.rtsp_restream:
            self.restream = RtspRestream(
                self.streams, self.metrics, clock, host=host, port=rtsp_port, auth=rtsp_auth
            )
        self.srt = SrtOutputs(settings.srt_outputs, self.streams, self.metrics, clock)

    async def start(self) -> None:
        """Start the listeners (RTSP restream, SRT outputs) and housekeeping tasks."""
        if self.restream is not None:
            await self.restream.start()
        self.srt.start()

    async def stop(self) -> None:
        """Close every session and listener."""
        await asyncio.to_thread(self.srt.stop)
        if self.restream is not None:
            await self.restream.stop()
        await self.whep.stop()
        await self.packagers.stop()
