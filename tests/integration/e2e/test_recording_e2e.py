"""Simulator → VMS → segments, end to end through the real server process."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest

from tests.integration.e2e.conftest import first_frame_clock_ms
from tests.support.simulator import simulator_process
from tests.support.vms_process import VmsProcess, ffprobe_json, wait_for

FRAME_MS = 40  # 25 fps


def segment_path(vms: VmsProcess, row: dict[str, object]) -> Path:
    """Download-free path of a segment: the pool is `<data_dir>/recordings`."""
    response = vms.client.get(str(row["file_url"]))
    response.raise_for_status()
    path = vms.data_dir / f"segment-{row['segment_id']}.mp4"
    path.write_bytes(response.content)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(
    ("segment_s", "segments"),
    [
        pytest.param(5, 6, id="30s"),
        pytest.param(20, 6, id="2min", marks=pytest.mark.soak),
    ],
)
def test_two_minute_recording_is_complete_gapless_and_on_time(
    segment_s: int, segments: int, tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    """Two cameras (one with a sub stream, both with audio) record `segments` whole segments:
    the segments meet frame to frame, their media time matches the wall-clock span within 1 %,
    they cover the whole run, each holds its expected frames and starts at its first frame's
    burnt-in capture time. `make test` runs it with 5 s segments (30 s); the soak form is the
    original two minutes of 20 s segments."""
    with simulator_process("--cameras", "2", "--size", "640x360", "--audio", "aac") as sim:
        vms = VmsProcess(
            tmp_path / "vms",
            [
                {"id": "cam1", "main_url": sim.url(1), "sub_url": sim.url(1, "sub")},
                {"id": "cam2", "main_url": sim.url(2), "record_stream": "main"},
            ],
            segment_duration_s=segment_s,
        )
        vms_factory.append(vms)
        vms.start()
        assert wait_for(lambda: vms.stream_state("cam1")["state"] == "streaming", 30)
        started = time.time()
        recorded = wait_for(
            lambda: all(len(vms.recordings(c)) >= segments for c in ("cam1", "cam2")),
            segments * segment_s * 3,
            poll_s=0.5,
        )
        assert recorded, {c: vms.recordings(c) for c in ("cam1", "cam2")}
        assert vms.stream_state("cam1")["wallclock_source"] == "rtcp"
        assert vms.stop() == 0
        stopped_ms = time.time() * 1000
        elapsed_ms = stopped_ms - started * 1000
        never_sent = sim.skipped_frames()  # the camera's own, on a loaded machine (not VMS's)
        vms.start()  # to read the index through the API; it records again meanwhile
        for camera in ("cam1", "cam2"):
            # The run's segments: not those of the restart (after a loaded machine's slow stop
            # and start, they would add the time VMS was down to the span).
            rows = [r for r in vms.recordings(camera) if r["start_ms"] < stopped_ms]
            assert len(rows) >= segments, rows
            span_ms = rows[-1]["end_ms"] - rows[0]["start_ms"]
            recorded_ms = sum(r["duration_ms"] for r in rows)
            # Recorded media time matches the wall-clock span within 1 %.
            assert abs(recorded_ms - span_ms) <= 0.01 * span_ms, (recorded_ms, span_ms)
            # ... and covers the whole run (less the first keyframe wait at start).
            assert span_ms >= elapsed_ms - 3000, (span_ms, elapsed_ms)
            for prev, nxt in itertools.pairwise(rows):
                assert abs(nxt["start_ms"] - prev["end_ms"]) <= 2 * FRAME_MS, (prev, nxt)
            for row in rows:
                target_ms = segment_s * 1000
                assert (
                    target_ms - 1000 <= row["duration_ms"] <= target_ms + 3000 or row is rows[-1]
                ), row
                path = segment_path(vms, row)
                probe = ffprobe_json(path)
                codecs = sorted(s["codec_name"] for s in probe["streams"])
                assert codecs == ["aac", "h264"], codecs
                video = next(s for s in probe["streams"] if s["codec_type"] == "video")
                expected_frames = row["duration_ms"] / FRAME_MS
                assert abs(int(video["nb_read_packets"]) - expected_frames) <= 2 + never_sent
                clock = first_frame_clock_ms(path)
                assert clock is not None, f"no burnt-in clock in {path}"
                # The index time of a segment is the capture time of its first frame.
                assert abs(clock - row["start_ms"]) <= 250, (clock, row["start_ms"])


@pytest.mark.parametrize("codec", ["h264", "h265"])
def test_simulated_camera_codecs_record_by_stream_copy(
    codec: str, tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    with simulator_process(
        "--cameras", "1", "--codec", codec, "--size", "640x360", "--audio", "pcmu"
    ) as sim:
        vms = VmsProcess(
            tmp_path / "vms", [{"id": "cam1", "main_url": sim.url(1)}], segment_duration_s=5
        )
        vms_factory.append(vms)
        vms.start()
        assert wait_for(lambda: len(vms.recordings("cam1")) >= 2, 40), vms.log()[-3000:]
        rows = vms.recordings("cam1")
        probe = ffprobe_json(segment_path(vms, rows[0]))
        codecs = sorted(s["codec_name"] for s in probe["streams"])
        assert codecs == sorted(["hevc" if codec == "h265" else "h264", "pcm_s16be"]), codecs
        status = vms.stream_state("cam1")
        assert status["codec"] == ("hevc" if codec == "h265" else "h264")
        assert status["recorder"]["segments_closed"] >= 2
