"""The project's RTSP code, both ends: the server (restream, simulator) and the ingest client.

The server is hand-written on asyncio because no maintained Python RTSP server exists and
GStreamer's would bring a second media framework and GObject into the process: publish with
`RtspServer.mount(path, tracks)` and feed the returned `RtspMount` with access units (`server`,
`connection`, `message`, `session`, `sinks`, `mount`). The client (`client`, blocking, one camera
thread each) plays cameras over TCP for ingest (ADR 0010); it is imported from
`vms.media.rtsp.client`, not re-exported here. Both use `auth` (Basic and Digest).
"""

from vms.media.rtsp.auth import AuthScheme, RtspAuth
from vms.media.rtsp.connection import MountResolver
from vms.media.rtsp.mount import MountRefusedError, MountStats, PlayStart, RtspMount
from vms.media.rtsp.server import RtspServer, RtspServerOptions

__all__ = [
    "AuthScheme",
    "MountRefusedError",
    "MountResolver",
    "MountStats",
    "PlayStart",
    "RtspAuth",
    "RtspMount",
    "RtspServer",
    "RtspServerOptions",
]
