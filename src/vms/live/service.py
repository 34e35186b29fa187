"""The live room's composition: one object the app starts and stops and the API routes use."""

from __future__ import annotations

from vms.config.live import LiveSettings
from vms.core.clock import Clock
from vms.live.metrics import LiveMetrics
from vms.live.streams import HubDirectory, LiveStreams


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
    ) -> None:
        self.settings = settings
        self.host = host
        self.rtsp_port = rtsp_port
        self.clock = clock
        self.streams = LiveStreams(hubs)
        self.metrics = LiveMetrics()

    async def start(self) -> None:
        """Start the listeners (RTSP restream, SRT outputs) and housekeeping tasks."""

    async def stop(self) -> None:
        """Close every session and listener."""
