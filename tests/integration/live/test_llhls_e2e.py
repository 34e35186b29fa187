"""LL-HLS end to end: ffprobe and a hand-rolled LL-HLS player against the real `vms serve`.

One VMS process serves, for the module, `front` (pattern with the wall clock burnt in, H.264 and
AAC), `hevc` (H.265 with G.711 µ-law audio) and `dead` (nobody listening).
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from urllib.parse import urljoin

import av
import numpy as np
import pytest

from tests.support.live import assert_offline_at_once, dead_camera, live_camera, streaming_vms
from tests.support.load import allowance_ms
from tests.support.simulator import RunningSimulator, run_tool, simulator_process
from tests.support.vms_process import VmsProcess
from vms.media.clockcode import decode_clock

PLAYLIST = "/api/v1/cameras/{camera}/live.m3u8"


@pytest.fixture(scope="module")
def hevc() -> Iterator[RunningSimulator]:
    with simulator_process(
        "--size", "320x240", "--fps", "10", "--audio", "pcmu", "--codec", "h265"
    ) as sim:
        yield sim


@pytest.fixture(scope="module")
def vms(tmp_path_factory: pytest.TempPathFactory, hevc: RunningSimulator) -> Iterator[VmsProcess]:
    with simulator_process("--size", "640x360", "--audio", "aac", "--gop-seconds", "1") as front:
        cameras = [live_camera("front", front), live_camera("hevc", hevc), dead_camera()]
        folder = tmp_path_factory.mktemp("llhls") / "vms"
        with streaming_vms(folder, cameras, ["front", "hevc"]) as process:
            yield process


def _url(vms: VmsProcess, camera: str) -> str:
    """The playlist URL with the admin's credentials in it, as a user would give ffprobe."""
    return f"http://admin:{vms.admin_password}@127.0.0.1:{vms.port}" + PLAYLIST.format(
        camera=camera
    )


def _playlist(vms: VmsProcess, camera: str, **params: int) -> str:
    query = {f"_HLS_{k}": v for k, v in params.items()}
    response = vms.client.get(PLAYLIST.format(camera=camera), params=query)
    assert response.status_code == 200, response.text
    return response.text


def _hint(text: str) -> tuple[int, int]:
    found = re.search(r'PRELOAD-HINT:TYPE=PART,URI="[^"]*part-(\d+)\.(\d+)\.mp4"', text)
    assert found, text
    return int(found[1]), int(found[2])


def _ffprobe_frames(url: str, seconds: int) -> dict[str, int]:
    probe = run_tool(
        [
            "ffprobe",
            "-v",
            "error",
            "-read_intervals",
            f"%+{seconds}",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,codec_tag_string,nb_read_frames",
            "-of",
            "json",
            url,
        ],
        timeout_s=90,
    )
    assert probe.returncode == 0, probe.stderr
    streams = json.loads(probe.stdout)["streams"]
    return {f"{s['codec_name']}/{s['codec_tag_string']}": int(s["nb_read_frames"]) for s in streams}


def test_ffprobe_reads_the_playlist_and_decodes_video_and_audio(vms: VmsProcess) -> None:
    frames = _ffprobe_frames(_url(vms, "front"), 4)
    assert frames["h264/avc1"] >= 50  # 25 fps
    assert frames["aac/mp4a"] >= 50


def test_blocking_reload_returns_when_the_part_appears(vms: VmsProcess) -> None:
    msn, index = _hint(_playlist(vms, "front"))
    started = time.monotonic()
    text = _playlist(vms, "front", msn=msn, part=index + 1)  # one part beyond the hint
    waited_s = time.monotonic() - started
    assert 0.2 <= waited_s <= 3.0  # about one part (0.48 s) and never the 6 s timeout
    parts = re.findall(r'#EXT-X-PART:.*part-(\d+)\.(\d+)\.mp4"', text)
    assert max((int(m), int(i)) for m, i in parts) >= (msn, index + 1)
    assert _hint(text) > (msn, index + 1)


def _newest_segment_media(vms: VmsProcess, text: str) -> bytes:
    """The init segment and every part of the segment being built (it starts on a keyframe)."""
    base = _url(vms, "front")
    init_uri = re.findall(r'#EXT-X-MAP:URI="([^"]+)"', text)[-1]
    last_block = text.rsplit("#EXT-X-PROGRAM-DATE-TIME:", 1)[1]
    part_uris = re.findall(r'#EXT-X-PART:[^\n]*URI="([^"]+)"', last_block)
    assert part_uris, text
    chunks = [vms.client.get(urljoin(base, uri)) for uri in [init_uri, *part_uris]]
    assert all(c.status_code == 200 for c in chunks)
    return b"".join(c.content for c in chunks)


def test_the_newest_part_is_close_to_now(vms: VmsProcess) -> None:
    delays_ms = []
    for _ in range(3):
        msn, index = _hint(_playlist(vms, "front"))
        text = _playlist(vms, "front", msn=msn, part=index)
        now_ms = time.time() * 1000
        media = _newest_segment_media(vms, text)
        clocks = []
        with av.open(io.BytesIO(media), "r") as container:
            for frame in container.decode(video=0):
                clocks.append(decode_clock(np.asarray(frame.to_ndarray(format="gray"), np.uint8)))
        assert clocks and clocks[-1] is not None
        delays_ms.append(now_ms - clocks[-1])
    assert all(-200 < d < allowance_ms(1500) for d in delays_ms), delays_ms


@pytest.mark.slow
def test_hevc_with_g711_is_served_as_hvc1_and_pcm(vms: VmsProcess, hevc: RunningSimulator) -> None:
    skipped_before = hevc.skipped_frames()
    frames = _ffprobe_frames(_url(vms, "hevc"), 3)
    never_sent = hevc.skipped_frames() - skipped_before  # x265 falls behind on a loaded machine
    assert frames["hevc/hvc1"] >= 20 - never_sent  # 10 fps
    msn, _index = _hint(_playlist(vms, "hevc"))
    text = _playlist(vms, "hevc", msn=msn)  # wait for the whole segment
    base = _url(vms, "hevc")
    init = vms.client.get(urljoin(base, re.findall(r'#EXT-X-MAP:URI="([^"]+)"', text)[-1]))
    segment = vms.client.get(urljoin(base, re.findall(r"^(live/.*seg-\d+\.mp4)$", text, re.M)[-1]))
    with av.open(io.BytesIO(init.content + segment.content), "r") as container:
        assert container.streams.audio[0].codec_context.name == "pcm_s16be"
        kinds = [type(f).__name__ for f in container.decode(*container.streams)]
    never_sent = hevc.skipped_frames() - skipped_before
    assert kinds.count("VideoFrame") >= 20 - never_sent and kinds.count("AudioFrame") > 0


def test_offline_and_unknown_cameras_answer_at_once(vms: VmsProcess) -> None:
    assert_offline_at_once(vms, PLAYLIST.format(camera="dead"))
    assert vms.client.get(PLAYLIST.format(camera="ghost")).status_code == 404
    metrics = vms.client.get("/metrics").text
    assert re.search(r'protocol="llhls",stream="main"\} [1-9]', metrics), "no LL-HLS viewer counted"
