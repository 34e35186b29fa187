"""Live-view benchmark: RTSP restream, WebRTC (WHEP) and LL-HLS/MSE side by side in one run.

Each part measures VMS against its baseline in the same run (see each module's docstring):
- bench/live_rtsp.py: CPU per client and added latency of the restream vs GStreamer's RTSP server
  relaying the same camera, at 1, 8 and 32 clients;
- bench/live_webrtc.py: WHEP offer to first decoded frame vs a direct RTSP pull, glass-to-glass
  delay from the burnt-in clock, CPU per viewer at 1, 8 and 32 viewers;
- bench/live_llhls.py: first frame and delay of LL-HLS and MSE vs a direct RTSP pull.

Usage: python bench/live.py [--quick] [--only rtsp webrtc llhls]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.live_llhls import run_llhls_bench
from bench.live_rtsp import run_rtsp_bench
from bench.live_webrtc import run_webrtc_bench
from bench.support import Row, print_rows

PARTS: dict[str, tuple[str, Callable[[bool], list[Row]]]] = {
    "rtsp": ("RTSP restream vs GStreamer relay", run_rtsp_bench),
    "webrtc": ("WebRTC (WHEP) vs direct RTSP pull", run_webrtc_bench),
    "llhls": ("LL-HLS and MSE vs direct RTSP pull", run_llhls_bench),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer clients and seconds")
    parser.add_argument("--only", nargs="*", choices=sorted(PARTS), default=list(PARTS))
    args = parser.parse_args()
    for name in args.only:
        title, run = PARTS[name]
        print(f"\n## {title}")
        print_rows(run(args.quick))


if __name__ == "__main__":
    main()
