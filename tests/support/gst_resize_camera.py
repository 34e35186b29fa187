"""A GStreamer RTSP camera whose picture size changes while it streams, and an audio-only one.

Run with the SYSTEM Python (it needs `gi` and GstRtspServer, which the project's venv does not
have): ``/usr/bin/python3 tests/support/gst_resize_camera.py --port 8554``. It serves ``/h264``
and ``/h265``: a test picture whose size goes through ``--sizes`` (default 320x240, 160x120,
320x240, ...), changing every ``--switch-s`` seconds. The encoder is re-initialised at each change
and sends new in-band parameter sets (SPS/PPS, and VPS for H.265) with a keyframe, as a camera
does when its resolution is changed in its settings. It also serves ``/audio``: a G.711 µ-law
track and no video (a camera whose video is turned off). Prints ``ready`` once it listens, and
prints ``size WxH`` each time the size changes; runs until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import sys
from itertools import cycle
from pathlib import Path
from typing import Any

import gi  # type: ignore[import-not-found,unused-ignore]

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst  # type: ignore[import-not-found,unused-ignore]  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a script: find `tests`
from tests.support.gst_rtsp_server import CODECS, encoder, mount, new_server, serve  # noqa: E402

_AUDIO = (
    "( audiotestsrc is-live=true wave=sine ! audio/x-raw,rate=8000,channels=1"
    " ! mulawenc ! rtppcmupay name=pay0 pt=0 )"
)


def _sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for item in text.split(","):
        width, height = item.lower().split("x")
        sizes.append((int(width), int(height)))
    return sizes


def _caps(size: tuple[int, int]) -> Any:
    return Gst.Caps.from_string(f"video/x-raw,width={size[0]},height={size[1]}")


def _launch(codec: str, args: argparse.Namespace, first: tuple[int, int]) -> str:
    return (
        f"( videotestsrc is-live=true pattern=ball ! video/x-raw,framerate={args.fps}/1"
        f" ! videoscale ! capsfilter name=size caps=video/x-raw,width={first[0]},height={first[1]}"
        " ! videoconvert ! " + encoder(codec, args.gop, bitrate=300) + " )"
    )


def _on_media(args: argparse.Namespace, sizes: list[tuple[int, int]]) -> Any:
    """A media-configure handler: a timer that moves the capsfilter to the next size."""

    def configure(_factory: Any, media: Any) -> None:
        capsfilter = media.get_element().get_by_name("size")
        order = cycle(sizes[1:] + sizes[:1])

        def switch() -> bool:
            size = next(order)
            capsfilter.set_property("caps", _caps(size))
            print(f"size {size[0]}x{size[1]}", flush=True)
            return True  # keep the timer

        source = GLib.timeout_add(int(args.switch_s * 1000), switch)
        media.connect("unprepared", lambda _media: GLib.source_remove(source))

    return configure


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--gop", type=int, default=25, help="frames between keyframes")
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument("--sizes", default="320x240,160x120", help="WxH,WxH,... in turn")
    parser.add_argument("--switch-s", type=float, default=3.0, help="seconds between sizes")
    return parser.parse_args()


def main() -> int:
    args = _parse()
    sizes = _sizes(args.sizes)
    server = new_server(args.port)
    for codec in CODECS:
        factory = mount(server, f"/{codec}", _launch(codec, args, sizes[0]))
        factory.connect("media-configure", _on_media(args, sizes))
    mount(server, "/audio", _AUDIO)
    return serve(server)


if __name__ == "__main__":
    sys.exit(main())
