"""The project's RTSP code, split the way it is used.

- `server/` (package): the hand-written asyncio RTSP server that the live restream and the camera
  simulator publish on. No maintained Python RTSP server exists, and GStreamer's would bring a
  second media framework and GObject into the process. Publish with
  `RtspServer.mount(path, tracks)` and feed the returned `RtspMount` with access units.
- `client` (module): the blocking ingest client, one camera thread each, that plays cameras over
  TCP (ADR 0010).
- Shared by both ends: `message` (request and response framing) and `auth` (Basic and Digest).

Nothing is re-exported here except the authentication both ends use, so an import says which end
it needs: `vms.media.rtsp.server` or `vms.media.rtsp.client`.
"""

from vms.media.rtsp.auth import AuthScheme, RtspAuth

__all__ = ["AuthScheme", "RtspAuth"]
