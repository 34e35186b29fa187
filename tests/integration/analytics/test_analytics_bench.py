"""Smoke runs of `bench/analytics.py --quick`: the benchmark the design doc's figures come from
still runs against today's VMS and prints figures that make sense (never timing goals: the
machine may be busy)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.simulator import REPO


def run_bench(tmp_path: Path, *parts: str) -> list[dict[str, Any]]:
    out = tmp_path / "rows.json"
    command = [sys.executable, str(REPO / "bench" / "analytics.py"), "--quick", "--parts", *parts]
    result = subprocess.run(
        [*command, "--json", str(out)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows: list[dict[str, Any]] = json.loads(out.read_text())
    return rows


def test_the_detector_part_times_the_shipped_model_fitted_and_square_with_one_and_two_threads(
    tmp_path: Path,
) -> None:
    rows = run_bench(tmp_path, "detector")
    models = ("nanodet-m square", "nanodet-m fp32", "nanodet-m (shipped)")
    seen = [(row["model"], row["camera"], row["threads"]) for row in rows]
    assert seen == [
        (model, camera, threads)
        for model in models
        for camera in ("4:3", "16:9")
        for threads in (1, 2)
    ]
    fitted = {"4:3": "416×320", "16:9": "416×256"}
    for row in rows:
        square = "square" in row["model"]
        assert row["input"] == ("416×416" if square else fitted[row["camera"]]), row
        assert 0 < row["model_ms_p50"] <= row["detect_ms_p95"] * 1.5, row
        assert row["fps"] > 0 and row["objects_in_4_pictures"] > 0, row
    found = {(row["model"], row["camera"]): row["objects_in_4_pictures"] for row in rows}
    for camera in ("4:3", "16:9"):
        # The fitted input drops padding only: the same pictures give the same objects.
        assert found["nanodet-m square", camera] == found["nanodet-m fp32", camera]
        # int8 finds about what fp32 finds (test_quantized_model.py compares the boxes).
        fp32, int8 = found["nanodet-m fp32", camera], found["nanodet-m (shipped)", camera]
        assert abs(int8 - fp32) <= max(1, fp32 // 5), (fp32, int8)


@pytest.mark.slow
def test_the_latency_part_dates_each_crossing_just_before_its_event(tmp_path: Path) -> None:
    (row,) = run_bench(tmp_path, "latency")
    assert row["crossings"] == 3, row
    # the event is dated at the first analysed frame past the line: at most one analysed frame
    # (200 ms at 5 fps) plus one stream frame after the crossing, never before it; a wrong loop
    # phase would put it anywhere in the 6 s loop
    assert 0 <= row["crossing_to_event_start_ms_p50"] <= 300, row
    assert row["p50_ms"] >= row["crossing_to_event_start_ms_p50"], row
