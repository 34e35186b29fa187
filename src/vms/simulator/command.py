"""The `vms simulate` command: argument parsing and the serve / write-sample entry points."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import signal
import sys
from pathlib import Path

from vms.simulator.media import MissingMediaError
from vms.simulator.options import AudioMode, SceneName, SimulatorOptions, VideoCodecName
from vms.simulator.sample import write_sample
from vms.simulator.scenario import ScenarioError, load_scenario, truth
from vms.simulator.scenes import scenario_of, write_scene
from vms.simulator.simulator import Simulator


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not sep or not width.isdigit() or not height.isdigit():
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT, not {text!r}")
    w, h = int(width), int(height)
    if w < 64 or h < 64 or w % 2 or h % 2:
        raise argparse.ArgumentTypeError("width and height must be even and at least 64")
    return w, h


def _bitrate(text: str) -> int:
    units = {"k": 1_000, "m": 1_000_000}
    scale = units.get(text[-1:].lower(), 1)
    number = text[:-1] if scale != 1 else text
    try:
        value = float(number) * scale
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"bad bitrate {text!r} (e.g. 2M, 800k)") from error
    if value <= 0:
        raise argparse.ArgumentTypeError("bitrate must be positive")
    return int(value)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `vms simulate`."""
    parser.add_argument("--cameras", type=int, default=1, help="number of cameras (cam1..camN)")
    parser.add_argument("--codec", choices=[c.value for c in VideoCodecName], default="h264")
    parser.add_argument("--size", type=_size, default=(1280, 720), help="main stream WxH")
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--audio", choices=[a.value for a in AudioMode], default="aac")
    parser.add_argument("--source", default="pattern", help="'pattern' or a video file to loop")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8554)
    parser.add_argument("--username", default=None)
    parser.add_argument("--password", default=None)
    parser.add_argument(
        "--auth",
        choices=["any", "digest", "basic"],
        default="any",
        help="authentication schemes offered when --username is set",
    )
    parser.add_argument("--gop-seconds", type=float, default=2.0)
    parser.add_argument("--bitrate", type=_bitrate, default=2_000_000, help="main stream, e.g. 2M")
    parser.add_argument(
        "--motion-period",
        type=float,
        default=None,
        metavar="SECONDS",
        help="move the bar only in bursts, one every SECONDS (default: always moving)",
    )
    parser.add_argument(
        "--motion-on", type=float, default=3.0, metavar="SECONDS", help="length of each burst"
    )
    parser.add_argument(
        "--scene",
        choices=[s.value for s in SceneName],
        default=None,
        help="serve a scene instead of the pattern: the vtest.avi clip or moving cut-outs",
    )
    parser.add_argument(
        "--scenario", metavar="PATH", default=None, help="composite scene's JSON/YAML script"
    )
    parser.add_argument(
        "--truth-out",
        metavar="PATH",
        default=None,
        help="write the composite scene's ground truth (per object, frame -> box) as JSON",
    )
    parser.add_argument("--write-sample", metavar="PATH", default=None, help="write an MP4; exit")
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="length of --write-sample's pattern (default 10) or of the vtest loop (whole clip)",
    )


def options_from_args(args: argparse.Namespace) -> SimulatorOptions:
    schemes = {"any": ("digest", "basic"), "digest": ("digest",), "basic": ("basic",)}
    width, height = args.size
    return SimulatorOptions(
        cameras=args.cameras,
        codec=VideoCodecName(args.codec),
        width=width,
        height=height,
        fps=args.fps,
        audio=AudioMode(args.audio),
        source=args.source,
        host=args.host,
        port=args.port,
        username=args.username,
        password=args.password,
        auth_schemes=schemes[args.auth],
        gop_seconds=args.gop_seconds,
        bitrate=args.bitrate,
        motion_period_s=args.motion_period,
        motion_on_s=args.motion_on,
        scene=None if args.scene is None else SceneName(args.scene),
        scene_seconds=args.seconds,
    )


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM/SIGINT (exit 0), or write a sample file with --write-sample."""
    options = options_from_args(args)
    seconds_ok = args.seconds is None or args.seconds > 0
    if options.cameras < 1 or options.fps <= 0 or options.gop_seconds <= 0 or not seconds_ok:
        print(
            "vms simulate: --cameras, --fps, --gop-seconds and --seconds must be positive",
            file=sys.stderr,
        )
        return 2
    period = options.motion_period_s
    if period is not None and not 0 < options.motion_on_s < period:
        print(
            "vms simulate: --motion-on must be positive and below --motion-period", file=sys.stderr
        )
        return 2
    try:
        options = _with_scene(args, options)
        if args.write_sample is None:
            return asyncio.run(_serve(options))
        if options.scene is not None:
            write_scene(args.write_sample, options)
        else:
            write_sample(args.write_sample, options, args.seconds or 10.0)
        return 0
    except (ScenarioError, MissingMediaError) as error:
        print(f"vms simulate: {error}", file=sys.stderr)
        return 2


def _with_scene(args: argparse.Namespace, options: SimulatorOptions) -> SimulatorOptions:
    """Check the scene options, load the scenario and write the truth file before serving."""
    composite = options.scene is SceneName.COMPOSITE
    if (args.scenario is not None or args.truth_out is not None) and not composite:
        raise ScenarioError("--scenario and --truth-out go with --scene composite")
    if options.scene is not None and options.audio is AudioMode.PCMU:
        raise ScenarioError("scenes carry AAC or no audio; use --audio aac or none")
    if not composite:
        return options
    scenario = None if args.scenario is None else load_scenario(args.scenario)
    options = dataclasses.replace(options, scenario=scenario)
    if args.truth_out is not None:
        data = truth(scenario_of(options), (options.width, options.height), options.fps)
        Path(args.truth_out).write_text(json.dumps(data), encoding="utf-8")
    return options


async def _serve(options: SimulatorOptions) -> int:
    simulator = Simulator(options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await simulator.start()
    print(f"ready rtsp://{options.host}:{simulator.server.port}", flush=True)
    try:
        await stop.wait()
    finally:
        await simulator.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="vms simulate", description="Serve simulated cameras.")
    add_arguments(parser)
    return run(parser.parse_args(argv))
