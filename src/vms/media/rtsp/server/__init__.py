"""The RTSP server: restream and simulator publish on it (`listener`), one `connection` per
client, `session` state per SETUP, `mount` per published path, `sinks` per transport (TCP
interleaved or UDP)."""

from vms.media.rtsp.server.connection import MountResolver
from vms.media.rtsp.server.listener import RtspServer, RtspServerOptions
from vms.media.rtsp.server.mount import MountRefusedError, MountStats, PlayStart, RtspMount

__all__ = [
    "MountRefusedError",
    "MountResolver",
    "MountStats",
    "PlayStart",
    "RtspMount",
    "RtspServer",
    "RtspServerOptions",
]
