"""The simulator's scenes: the real vtest clip looped, and cut-outs moving where the truth says."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import cv2
import numpy as np

from tests.support.sample_media import (
    CUTOUTS,
    SceneTruth,
    TruthFrame,
    cutout,
    grace_hopper_path,
    vtest_path,
)
from tests.support.simulator import REPO, ffprobe_streams, run_tool, simulator_process
from vms.media.clockcode import decode_clock
from vms.simulator.scenario import DEFAULT_SCENARIO, truth

# A walker crossing the picture left to right in 4 s (anchor x 0.15 -> 0.85) and a standing van.
SCENARIO = {
    "duration_s": 4,
    "objects": [
        {
            "id": "walker",
            "cutout": "walker-black",
            "height": 0.5,
            "path": [{"t": 0, "x": 0.15, "y": 0.95}, {"t": 4, "x": 0.85, "y": 0.95}],
        },
        {
            "id": "van",
            "cutout": "van",
            "height": 0.25,
            "path": [{"t": 0, "x": 0.75, "y": 0.45}, {"t": 4, "x": 0.75, "y": 0.45}],
        },
    ],
}


def _simulate(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vms.simulator", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin", **env},
    )


def _mean_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(np.abs(a.astype(np.int16) - b.astype(np.int16))))


def test_sample_media_are_installed_with_the_helpers_paths() -> None:
    video = ffprobe_streams(str(vtest_path()))[0]
    assert (video["width"], video["height"]) == ("768", "576")
    picture = cv2.imread(str(grace_hopper_path()))
    assert picture is not None and picture.shape == (600, 512, 3)
    for name, cut in CUTOUTS.items():
        x0, y0, x1, y1 = cut.box
        assert cutout(name).shape == (y1 - y0, x1 - x0, 3)


def test_scenes_encode_h265_when_asked_and_say_when_media_are_missing(tmp_path: Path) -> None:
    out = tmp_path / "scene.mp4"
    small = ("--size", "320x240", "--fps", "10", "--audio", "none", "--write-sample", str(out))
    result = _simulate("--scene", "vtest", "--seconds", "1", "--codec", "h265", *small)
    assert result.returncode == 0, result.stderr
    assert [s["codec_name"] for s in ffprobe_streams(str(out))] == ["hevc"]
    result = _simulate("--scene", "composite", *small, VMS_MEDIA_DIR=str(tmp_path))
    assert result.returncode == 2 and "run `make setup`" in result.stderr, result.stderr


def test_vtest_scene_streams_h264_that_loops_with_continuous_timestamps(tmp_path: Path) -> None:
    out = tmp_path / "vtest.mp4"
    args = ("--scene", "vtest", "--seconds", "2", "--size", "384x288", "--fps", "10")
    with simulator_process(*args, "--audio", "none", "--gop-seconds", "1") as sim:
        (main,) = ffprobe_streams(sim.url())
        assert (main["codec_name"], main["width"], main["height"]) == ("h264", "384", "288")
        (sub,) = ffprobe_streams(sim.url(1, "sub"))
        assert (sub["width"], sub["height"]) == ("192", "144")
        command = ["ffmpeg", "-rtsp_transport", "tcp", "-i", sim.url(), "-t", "5"]
        result = run_tool([*command, "-c", "copy", "-y", str(out)])
        assert result.returncode == 0, result.stderr
    assert "Non-monotonic" not in result.stderr
    with av.open(str(out)) as container:
        frames = list(container.decode(video=0))
    times = [float(f.time) for f in frames if f.time is not None]
    assert len(times) >= 38  # 5 s at 10 fps: past the 2 s loop point at least twice
    # The first frames' times settle when ffmpeg's RTSP input syncs to the first RTCP report;
    # the 3.5 s after them cross the loop point at least once.
    steps = np.diff(times[5:])
    assert np.all(np.abs(steps - 0.1) < 0.005), steps  # no jump or stall at the loop points
    gray = [f.to_ndarray(format="gray") for f in frames]
    same_picture = _mean_difference(gray[5], gray[25])  # one loop (2 s) later
    walked_on = _mean_difference(gray[5], gray[15])  # half a loop later: the walkers moved
    assert same_picture < 1.0 < walked_on


def test_composite_scene_shows_each_object_in_its_truth_box(tmp_path: Path) -> None:
    scenario, truth_path = tmp_path / "scene.json", tmp_path / "truth.json"
    scenario.write_text(json.dumps(SCENARIO))
    args = ("--scene", "composite", "--scenario", str(scenario), "--truth-out", str(truth_path))
    with simulator_process(*args, "--size", "640x360", "--fps", "10", "--audio", "none") as sim:
        scene = SceneTruth.load(truth_path)
        pictures = _decoded_frames(sim.url(), count=3)
    assert (scene.width, scene.height, scene.frames) == (640, 360, 40)
    # The walker's bottom centre passes the middle of the picture 2 s into the loop.
    assert scene.first_frame("walker", lambda f: f.anchor[0] >= 320) == 20
    assert scene.labels == {"walker": "person", "van": "car"}
    for frame, picture in pictures.items():
        for object_id, name in (("walker", "walker-black"), ("van", "van")):
            where = scene.at(object_id, frame)
            assert where is not None and where.visible == 1.0
            there, beside = _sprite_differences(picture, where, cutout(name))
            assert there < 10 and beside > 40, (frame, object_id, there, beside)


def _decoded_frames(url: str, count: int) -> dict[int, np.ndarray]:
    """`count` decoded BGR pictures of the stream, by the frame number their code carries."""
    pictures: dict[int, np.ndarray] = {}
    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=10) as container:
        for frame in container.decode(video=0):
            picture = frame.to_ndarray(format="bgr24")
            number = decode_clock(cv2.cvtColor(picture, cv2.COLOR_BGR2GRAY))
            if number is not None and number % 7 == 0:  # frames apart from one another
                pictures[number] = picture
            if len(pictures) >= count:
                break
    return pictures


def _sprite_differences(
    picture: np.ndarray, where: TruthFrame, sprite: np.ndarray
) -> tuple[float, float]:
    """How far the truth box's content is from the cut-out, and a box's width to the side."""
    x0, y0, x1, y1 = where.box
    expected = cv2.resize(sprite, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    shift = (x1 - x0) if x0 < picture.shape[1] // 2 else -(x1 - x0)
    beside = picture[y0:y1, x0 + shift : x1 + shift]
    return (
        _mean_difference(picture[y0:y1, x0:x1], expected),
        _mean_difference(beside, expected),
    )


def test_default_scenario_truth_has_an_occlusion_and_a_loiter() -> None:
    scene = SceneTruth.of(truth(DEFAULT_SCENARIO, (640, 360), 10.0))
    assert scene.labels == {"walker-1": "person", "walker-2": "person", "van-1": "car"}
    walker = scene.tracks["walker-1"]
    seen = {n: f.visible for n, f in walker.items() if 0 < f.anchor[0] < 640}
    hidden = sorted(frame for frame, share in seen.items() if share == 0.0)
    assert hidden, "walker-1 passes fully behind the pillar"
    assert hidden[-1] - hidden[0] < 10  # a short occlusion, in full view 1.5 s before and after
    assert seen[hidden[0] - 15] == 1.0 and seen[hidden[-1] + 15] == 1.0
    standing = {f.anchor for n, f in scene.tracks["walker-2"].items() if 60 <= n <= 140}
    assert len(standing) == 1  # stands still from 6 s to 14 s
    assert scene.at("walker-2", 59) != scene.at("walker-2", 60) == scene.at("walker-2", 60 + 200)


def test_a_bad_scenario_is_a_clear_error_and_a_non_zero_exit(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"duration_s": 4, "objects": [')
    result = _simulate("--scene", "composite", "--scenario", str(broken))
    assert result.returncode == 2 and f"scenario {broken}" in result.stderr, result.stderr
    invalid = tmp_path / "invalid.json"
    objects = [{"id": "a", "cutout": "van", "height": 2, "path": [{"t": 0, "x": 0, "y": 0}]}]
    invalid.write_text(json.dumps({"duration_s": 4, "objects": objects}))
    result = _simulate("--scene", "composite", "--scenario", str(invalid))
    assert result.returncode == 2 and "objects.0.height" in result.stderr, result.stderr
    unknown = tmp_path / "unknown.json"
    objects[0].update(height=0.3, cutout="giraffe")
    unknown.write_text(json.dumps({"duration_s": 4, "objects": objects}))
    result = _simulate("--scene", "composite", "--scenario", str(unknown))
    assert result.returncode == 2 and "unknown cutout 'giraffe'" in result.stderr, result.stderr
    result = _simulate("--scenario", str(unknown))
    assert result.returncode == 2 and "--scene composite" in result.stderr, result.stderr
