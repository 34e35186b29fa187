"""An independent RTSP camera for ingest tests: GStreamer's RTSP server, H.264/H.265 test streams.

Run with the SYSTEM Python (it needs `gi` and GstRtspServer, which the project's venv does not
have): ``/usr/bin/python3 tests/support/gst_rtsp_server.py --port 8554``. It serves
``/h264`` and ``/h265`` (videotestsrc with a burnt-in clock), prints ``ready`` on stdout once it
listens, and runs until SIGTERM/SIGINT. ``--audio`` adds an Opus track; ``--username`` and
``--password`` require HTTP Basic authentication; ``--bframes N`` makes both encoders put up to N
B-frames between reference frames (so frames arrive out of presentation order, as from many
real cameras).
"""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any

import gi  # type: ignore[import-not-found,unused-ignore]

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # type: ignore[import-not-found,unused-ignore]  # noqa: E402

_ENCODERS = {
    "h264": "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={bitrate}"
    " ! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=-1",
    "h265": "x265enc tune=zerolatency speed-preset=ultrafast key-int-max={gop} bitrate={bitrate}"
    " ! rtph265pay name=pay0 pt=96 config-interval=-1",
}
# With B-frames: `tune=zerolatency` turns them off in both encoders and the baseline profile
# forbids them, so these drop the tune and use the main profile. b-adapt=0 keeps every run of
# B-frames at the full N (a fixed IBB..P pattern, the deepest reordering the setting allows).
_BFRAME_ENCODERS = {
    "h264": "x264enc speed-preset=ultrafast key-int-max={gop} bitrate=600 bframes={bframes}"
    " b-adapt=false rc-lookahead={lookahead} sync-lookahead=0 threads=1"
    " ! video/x-h264,profile=main ! rtph264pay name=pay0 pt=96 config-interval=-1",
    "h265": "x265enc speed-preset=ultrafast key-int-max={gop} bitrate=600"
    ' option-string="bframes={bframes}:b-adapt=0:rc-lookahead={lookahead}:frame-threads=1"'
    " ! rtph265pay name=pay0 pt=96 config-interval=-1",
}


CODECS = tuple(_ENCODERS)  # each served at /<codec>


def encoder(codec: str, gop: int, *, bframes: int = 0, bitrate: int = 600) -> str:
    """The encoder and RTP payloader of a `codec` mount (B-frames only at 600 kbit/s)."""
    if bframes <= 0:
        return _ENCODERS[codec].format(gop=gop, bitrate=bitrate)
    lookahead = bframes + 1  # the least look-ahead that lets the encoder place N B-frames
    return _BFRAME_ENCODERS[codec].format(gop=gop, bframes=bframes, lookahead=lookahead)


def _launch(codec: str, args: argparse.Namespace) -> str:
    video = (
        f"videotestsrc is-live=true pattern=ball"
        f" ! video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1"
        ' ! timeoverlay font-desc="Sans 24" ! videoconvert ! '
        + encoder(codec, args.gop, bframes=args.bframes)
    )
    audio = (
        " audiotestsrc is-live=true wave=sine ! audioconvert ! audioresample"
        " ! opusenc ! rtpopuspay name=pay1 pt=97"
    )
    return "( " + video + (audio if args.audio else "") + " )"


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--gop", type=int, default=25, help="frames between keyframes")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--width", type=int, default=320)
    parser.add_argument("--height", type=int, default=240)
    parser.add_argument("--audio", action="store_true")
    parser.add_argument(
        "--unshared",
        action="store_true",
        help="one pipeline per client: GStreamer 1.22's shared media restarts its RTP clock when"
        " a client joins, and can abort (rtsp-stream.c assertion) when TCP and UDP clients mix",
    )
    parser.add_argument("--bframes", type=int, default=0, help="B-frames between P-frames")
    parser.add_argument("--username")
    parser.add_argument("--password")
    return parser.parse_args()


def _add_auth(server: Any, factories: list[Any], username: str, password: str) -> None:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "user")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(username, password), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_permission_for_role("user", "media.factory.access", True)
    permissions.add_permission_for_role("user", "media.factory.construct", True)
    for factory in factories:
        factory.set_permissions(permissions)


def new_server(port: int) -> Any:
    """An RTSP server on 127.0.0.1:`port`, not listening yet (see `serve`)."""
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(port))
    return server


def mount(server: Any, path: str, launch: str, *, shared: bool = True) -> Any:
    """Serve the pipeline `launch` at `path`; returns its media factory."""
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(launch)
    factory.set_shared(shared)
    server.get_mount_points().add_factory(path, factory)
    return factory


def serve(server: Any) -> int:
    """Listen, print 'ready' (what `GstCamera.start` waits for) and run until SIGTERM/SIGINT."""
    if server.attach(None) == 0:
        print("failed to listen", file=sys.stderr, flush=True)
        return 1
    loop = GLib.MainLoop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, loop.quit)
    print("ready", flush=True)
    loop.run()
    return 0


def main() -> int:
    args = _parse()
    server = new_server(args.port)
    shared = not args.unshared
    factories = [
        mount(server, f"/{codec}", _launch(codec, args), shared=shared) for codec in CODECS
    ]
    if args.username is not None:
        _add_auth(server, factories, args.username, args.password or "")
    return serve(server)


if __name__ == "__main__":
    sys.exit(main())
