"""The analytics benchmark's own arithmetic: the figures it prints are only as good as these.

The latency part dates each crossing from the scene's truth and the stream's wall clock, the load
part reads Prometheus counters; a mistake in either would print plausible but wrong numbers, so
they are checked here on known inputs (the real scene's truth, real metric text).
"""

from __future__ import annotations

import argparse

import pytest
from bench.analytics import load_settings, parse_model
from bench.analytics_latency import (
    FPS,
    LINE_X,
    SCENARIO,
    SIZE,
    crossing_frame,
    crossing_wall_ms,
    loop_phase,
)
from bench.analytics_load import ANALYSED, DROPPED, RECORDING, counter_totals, model_label

from vms.simulator.scenario import Scenario, truth

METRICS = f"""# HELP {ANALYSED} Frames the detector analysed
# TYPE {ANALYSED} counter
{ANALYSED}{{camera="cam1"}} 40.0
{ANALYSED}{{camera="cam2"}} 35.0
# HELP {DROPPED} Frames for detection dropped, by reason
# TYPE {DROPPED} counter
{DROPPED}{{camera="cam1",reason="busy"}} 3.0
{DROPPED}{{camera="cam2",reason="busy"}} 4.0
{DROPPED}{{camera="cam2",reason="worker_lost"}} 1.0
# HELP vms_thread_cpu_seconds CPU time used by each named thread of the VMS process
# TYPE vms_thread_cpu_seconds counter
vms_thread_cpu_seconds_total{{thread="source-cam1/main"}} 2.0
vms_thread_cpu_seconds_total{{thread="recorder-cam1-main"}} 1.5
vms_thread_cpu_seconds_total{{thread="source-cam1/sub"}} 0.7
vms_thread_cpu_seconds_total{{thread="motion-cam1"}} 4.0
vms_thread_cpu_seconds_total{{thread="MainThread"}} 9.0
"""


def test_counters_are_summed_over_cameras_and_kept_apart_by_reason() -> None:
    totals = counter_totals(METRICS)
    assert totals[ANALYSED] == 75.0
    assert totals[DROPPED + "{reason=busy}"] == 7.0
    assert totals[DROPPED + "{reason=worker_lost}"] == 1.0
    # Recording is the main stream's demux and recorder; the sub stream's demux is analytics'.
    assert totals[RECORDING] == 3.5


def test_the_crossing_frame_is_the_first_with_the_foot_past_the_line() -> None:
    scene = truth(Scenario.model_validate(SCENARIO), SIZE, FPS)
    frame = crossing_frame(scene, "walker", LINE_X)
    # x goes -0.08 -> 1.08 in 5 s: the foot reaches 0.5 after 2.5 s, frame 25 at 10 fps
    assert 24 <= frame <= 26
    frames = {f["frame"]: f for f in scene["objects"][0]["frames"]}
    assert frames[frame - 1]["anchor"][0] < LINE_X * SIZE[0] <= frames[frame]["anchor"][0]


def test_the_loop_phase_agrees_across_the_loop_wrap() -> None:
    loop_ms = 6000.0
    start = 6000 * 200 + 5995.0  # frame 0 of a loop, 5 ms before the loop's wrap (mod 6 s)
    # snapshots in later loops, their wall times off by 8, 12 and 2 ms: residues 3, 7 and 5997,
    # whose plain median (7) is not the middle one
    samples = [(start + 6000 * 3 + 10 * 100 + 8, 10), (start + 6000 * 5 + 40 * 100 + 12, 40)]
    samples.append((start + 6000 * 7 + 2 * 100 + 2, 2))
    assert loop_phase(samples, 10, loop_ms) == pytest.approx(3.0)


def test_a_crossing_is_dated_in_the_loop_of_its_event() -> None:
    phase, loop_ms = 500.0, 6000.0
    # frame 25 of the loop that began at 6 000 × 100 + 500 ms; the event is dated 100 ms later
    crossed = 6000 * 100 + 500 + 2500
    assert crossing_wall_ms(phase, 25, 10, loop_ms, crossed + 100) == crossed
    assert crossing_wall_ms(phase, 25, 10, loop_ms, crossed - 900) == crossed


def test_quick_load_settings_are_short_unless_told_otherwise() -> None:
    quick = argparse.Namespace(quick=True, cameras=None, seconds=None, workers=2, load_model=None)
    assert load_settings(quick).cameras == 2 and load_settings(quick).seconds == 8.0
    full = argparse.Namespace(quick=False, cameras=None, seconds=None, workers=1, load_model=None)
    settings = load_settings(full)
    assert (settings.cameras, settings.seconds, settings.workers) == (8, 60.0, 1)
    told = argparse.Namespace(quick=True, cameras=4, seconds=20.0, workers=2, load_model=None)
    assert (load_settings(told).cameras, load_settings(told).seconds) == (4, 20.0)


def test_the_load_part_runs_the_model_it_is_told() -> None:
    shipped = argparse.Namespace(quick=True, cameras=None, seconds=None, workers=2, load_model=None)
    assert load_settings(shipped).detector == {}
    ssd = parse_model("ssdlite=ssdlite-person.onnx:ssd:person.txt")
    told = argparse.Namespace(quick=True, cameras=None, seconds=None, workers=2, load_model=ssd)
    detector = load_settings(told).detector
    assert (detector["model"], detector["family"], detector["labels"]) == (
        "ssdlite-person.onnx",
        "ssd",
        "person.txt",
    )


def test_a_model_may_name_its_largest_input_and_the_load_rows_show_it() -> None:
    name, config = parse_model("small=nanodet-m-int8.onnx:nanodet:coco80.txt:320x256")
    assert (name, config.input_size) == ("small", (320, 256))
    assert model_label(config.model_dump(mode="json")) == "nanodet-m-int8.onnx@320x256"
    assert model_label({}) == "nanodet-m-int8.onnx"  # the shipped default
    _, enlarged = parse_model("big=nanodet-m-int8.onnx:nanodet:coco80.txt:upscale")
    assert (enlarged.upscale, enlarged.input_size) == (True, None)
    label = model_label(enlarged.model_dump(mode="json"))
    assert label == "nanodet-m-int8.onnx upscaled"
