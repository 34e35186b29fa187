"""MSE over WebSocket end to end: the `websockets` client library against the real `vms serve`.

One VMS process serves, for the module, `front` (pattern with the wall clock burnt in, H.264 and
AAC), `busy` (a looped file of noise, about 10 Mbit/s, so that a reader that stops reading fills
every buffer between it and the server within seconds) and `dead` (nobody listening).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from tests.support.live import dead_camera, live_camera, streaming_vms
from tests.support.media import encode_video
from tests.support.simulator import run_tool, simulator_process
from tests.support.vms_process import VmsProcess
from vms.media.clockcode import decode_clock
from vms.media.fmp4 import iter_boxes

MSE = "/api/v1/cameras/{camera}/live.mp4"
VIDEO_TRACK_ID = 1


def _noise_file(path: Path, seconds: int = 4, fps: int = 25) -> None:
    """640x360 H.264 of random pixels: about 50 kB a frame."""
    rng = np.random.default_rng(5)
    pictures = (
        av.VideoFrame.from_ndarray(rng.integers(0, 255, (360, 640, 3), dtype=np.uint8), "rgb24")
        for _ in range(seconds * fps)
    )
    options = {"preset": "ultrafast", "g": str(fps), "bf": "0", "crf": "30"}
    encode_video(str(path), pictures, codec="libx264", fps=fps, size=(640, 360), options=options)


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmsProcess]:
    folder = tmp_path_factory.mktemp("mse")
    noise = folder / "noise.mp4"
    _noise_file(noise)
    with (
        simulator_process("--size", "640x360", "--audio", "aac", "--gop-seconds", "1") as front,
        simulator_process("--source", str(noise), "--audio", "none") as busy,
    ):
        cameras = [live_camera("front", front), live_camera("busy", busy), dead_camera()]
        with streaming_vms(folder / "vms", cameras, ["front", "busy"]) as process:
            yield process


def _ws_url(vms: VmsProcess, camera: str) -> str:
    return f"ws://127.0.0.1:{vms.port}" + MSE.format(camera=camera)


def _video_fragments(message: bytes) -> list[tuple[int, bool]]:
    """(decode time, keyframe) of each video sample in a message of moof+mdat pairs.

    Each fragment of the packager holds one video sample; a keyframe sample is the one whose
    trun carries first-sample flags without the non-sync bit (ISO/IEC 14496-12 8.8.8).
    """
    found: list[tuple[int, bool]] = []
    for box in iter_boxes(io.BytesIO(message), len(message)):
        if box.type != "moof":
            continue
        moof = message[box.offset : box.end]
        track_id, tfdt, keyframe = 0, 0, False
        for kind in (b"tfhd", b"tfdt", b"trun"):
            at = moof.find(kind) - 4
            if at < 0:
                continue
            if kind == b"tfhd":
                track_id = struct.unpack_from(">I", moof, at + 12)[0]
            elif kind == b"tfdt":
                version = moof[at + 8]
                tfdt = struct.unpack_from(">Q" if version else ">I", moof, at + 12)[0]
            else:
                flags = int.from_bytes(moof[at + 9 : at + 12], "big")
                if flags & 0x4:
                    first = struct.unpack_from(">I", moof, at + 16 + (4 if flags & 0x1 else 0))[0]
                    keyframe = not (first >> 16) & 1
        if track_id == VIDEO_TRACK_ID:
            found.append((tfdt, keyframe))
    return found


async def _hello(ws: ClientConnection) -> tuple[dict[str, Any], bytes]:
    text = await asyncio.wait_for(ws.recv(), 10)
    assert isinstance(text, str)
    init = await asyncio.wait_for(ws.recv(), 10)
    assert isinstance(init, bytes)
    return json.loads(text), init


def test_websocket_delivers_codecs_init_and_decodable_fragments(
    vms: VmsProcess, tmp_path: Path
) -> None:
    async def watch() -> tuple[dict[str, Any], bytes, list[bytes], float]:
        async with connect(
            _ws_url(vms, "front"), max_size=None, additional_headers=vms.auth_header
        ) as ws:
            hello, init = await _hello(ws)
            fragments: list[bytes] = []
            deadline = time.monotonic() + 3
            while time.monotonic() < deadline:
                message = await asyncio.wait_for(ws.recv(), 5)
                assert isinstance(message, bytes)
                fragments.append(message)
            return hello, init, fragments, time.time() * 1000

    hello, init, fragments, now_ms = asyncio.run(watch())
    assert hello["type"] == "mse"
    assert hello["codecs"].startswith('video/mp4; codecs="avc1.')
    assert hello["codecs"].endswith(',mp4a.40.2"')
    assert init[4:8] == b"ftyp" and all(f[4:8] == b"moof" for f in fragments)
    path = tmp_path / "mse.mp4"
    path.write_bytes(init + b"".join(fragments))
    probe = run_tool(
        ["ffprobe", "-v", "error", "-count_frames", "-show_entries",
         "stream=codec_name,nb_read_frames", "-of", "json", str(path)]
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr
    frames = {
        s["codec_name"]: int(s["nb_read_frames"]) for s in json.loads(probe.stdout)["streams"]
    }
    assert frames["h264"] >= 75 and frames["aac"] >= 100  # 3 s (and the joined GOP)
    with av.open(str(path)) as container:
        last = None
        for frame in container.decode(video=0):
            last = frame
    assert last is not None
    clock_ms = decode_clock(np.asarray(last.to_ndarray(format="gray"), dtype=np.uint8))
    assert clock_ms is not None and now_ms - clock_ms < 1500


@pytest.mark.slow
def test_a_slow_reader_does_not_stall_another(vms: VmsProcess) -> None:
    stall_s, watch_s = 10.0, 16.0
    slow_socket = socket.create_connection(("127.0.0.1", vms.port))
    # A fixed receive buffer (no autotuning up to 32 MiB), still above loopback's 64 KiB MSS.
    slow_socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 256 * 1024)

    async def read(ws: ClientConnection, stall: bool) -> tuple[list[tuple[int, bool]], float]:
        samples: list[tuple[int, bool]] = []
        gaps: list[float] = []
        started = last = time.monotonic()
        await _hello(ws)
        while time.monotonic() - started < watch_s:
            message = await asyncio.wait_for(ws.recv(), 5)
            assert isinstance(message, bytes)
            samples.extend(_video_fragments(message))
            now = time.monotonic()
            gaps.append(now - last)
            last = now
            if stall and now - started > 0.5:
                stall = False
                await asyncio.sleep(stall_s)  # reads nothing: every buffer on the way fills up
                last = time.monotonic()
        return samples, max(gaps)

    async def both() -> list[tuple[list[tuple[int, bool]], float]]:
        url = _ws_url(vms, "busy")
        async with (
            connect(
                url,
                sock=slow_socket,
                max_queue=1,
                max_size=None,
                compression=None,
                additional_headers=vms.auth_header,
            ) as slow,
            connect(
                url, max_size=None, compression=None, additional_headers=vms.auth_header
            ) as fast,
        ):
            return list(await asyncio.gather(read(slow, True), read(fast, False)))

    (slow_samples, _), (fast_samples, fast_gap) = asyncio.run(both())
    assert fast_gap < 1.0  # the fast reader never waited for the slow one
    assert len(fast_samples) >= 0.9 * 25 * (watch_s - 1)
    assert len(slow_samples) < len(fast_samples) - 25  # the slow one lost more than a second
    frame = 3600  # 90 kHz, 25 fps
    resumed = [
        after
        for before, after in itertools.pairwise(slow_samples)
        if after[0] - before[0] > 2 * frame
    ]
    assert resumed and all(keyframe for _, keyframe in resumed)  # only ever on keyframes


def test_unknown_and_offline_cameras_are_refused_with_problems(vms: VmsProcess) -> None:
    async def status(camera: str) -> tuple[int, dict[str, Any]]:
        try:
            async with connect(_ws_url(vms, camera), additional_headers=vms.auth_header):
                pass
        except InvalidStatus as exc:
            return exc.response.status_code, json.loads(exc.response.body or b"{}")
        raise AssertionError("the upgrade was accepted")

    code, problem = asyncio.run(status("ghost"))
    assert code == 404 and problem["detail"] == "camera 'ghost' does not exist"
    code, problem = asyncio.run(status("dead"))
    assert code == 503 and "offline" in problem["detail"]
