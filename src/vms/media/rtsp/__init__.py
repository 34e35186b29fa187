"""The project's RTSP server (restream and camera simulator), hand-written on asyncio.

Hand-written because no maintained Python RTSP server exists and GStreamer's would bring a second
media framework and GObject into the process. Publish with `RtspServer.mount(path, tracks)` and
feed the returned `RtspMount` with access units.
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
