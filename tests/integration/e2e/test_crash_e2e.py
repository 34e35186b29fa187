"""kill -9 of VMS while recording, `vms index repair`, restart: nothing but the last second lost."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.simulator import simulator_process
from tests.support.vms_process import REPO, VmsProcess, wait_for

CAMERAS = ("cam1", "cam2")
SEGMENT_S = 6  # short segments; the kill comes OPEN_MS into the second, well before it closes
OPEN_MS = 2500


class OpenSegments:
    """When the test first saw each segment file that is not yet in the index.

    A file's name is its first packet's capture time, which a camera's sender reports may put up
    to two seconds before the packet reached VMS; what a crash may lose is counted from when
    the file appeared, on the test's own clock.
    """

    def __init__(self, vms: VmsProcess) -> None:
        self._vms = vms
        self._first_seen_ms: dict[Path, int] = {}

    def newest_age_ms(self, camera: str) -> int:
        """How long the newest open file of `camera` has been seen; -1 if there is none."""
        now_ms = time.time_ns() // 1_000_000
        indexed = {row["start_ms"] for row in self._vms.recordings(camera)}
        files = (self._vms.data_dir / "recordings" / camera).rglob("*.mp4")
        open_files = [path for path in files if int(path.stem) not in indexed]
        for path in open_files:
            self._first_seen_ms.setdefault(path, now_ms)
        if not open_files:
            return -1
        return now_ms - self._first_seen_ms[max(open_files, key=lambda path: int(path.stem))]


def decodes_cleanly(path: Path) -> bool:
    """ffmpeg decodes every frame of the file without an error."""
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-xerror", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result.returncode == 0 and not result.stderr.strip()


@pytest.mark.slow
def test_kill_9_then_repair_loses_at_most_two_seconds(
    tmp_path: Path, vms_factory: list[VmsProcess]
) -> None:
    """kill -9 while two cameras are inside their second segment, then `vms index repair`: the
    closed segment is kept, each interrupted one keeps all but at most the last 2 s it was open
    and decodes cleanly, and recording resumes after the restart."""
    with simulator_process("--cameras", "2", "--size", "640x360", "--audio", "aac") as sim:
        vms = VmsProcess(
            tmp_path / "vms",
            [{"id": c, "main_url": sim.url(i + 1)} for i, c in enumerate(CAMERAS)],
            segment_duration_s=SEGMENT_S,
        )
        vms_factory.append(vms)
        vms.start()
        assert wait_for(lambda: all(len(vms.recordings(c)) >= 1 for c in CAMERAS), 60)
        segments = OpenSegments(vms)
        assert wait_for(lambda: all(segments.newest_age_ms(c) >= OPEN_MS for c in CAMERAS), 30)
        finished = {c: vms.recordings(c) for c in CAMERAS}
        open_for_ms = {c: segments.newest_age_ms(c) for c in CAMERAS}
        killed_ms = time.time_ns() // 1_000_000
        vms.kill()

        repair = subprocess.run(
            [sys.executable, "-m", "vms.cli", "index", "repair", "--config", str(vms.config_path)],
            capture_output=True,
            text=True,
            check=False,
            env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"},
            timeout=120,
        )
        assert repair.returncode == 0, repair.stderr
        counts = dict(
            line.removeprefix("files ").split(": ")
            for line in repair.stdout.splitlines()
            if line.startswith("files ")
        )
        # One interrupted segment per camera, indexed whole or cut to its last whole fragment.
        assert int(counts["indexed"]) + int(counts["truncated"]) == len(CAMERAS), repair.stdout

        vms.start()  # recording resumes; the repaired rows are served by the API
        for camera in CAMERAS:
            rows = [r for r in vms.recordings(camera) if r["start_ms"] < killed_ms]
            assert [r["segment_id"] for r in rows[: len(finished[camera])]] == [
                r["segment_id"] for r in finished[camera]
            ]
            assert len(rows) == len(finished[camera]) + 1, rows  # the interrupted segment
            interrupted = rows[-1]
            kept_ms = interrupted["end_ms"] - interrupted["start_ms"]
            assert open_for_ms[camera] - kept_ms <= 2000, (open_for_ms[camera], interrupted)
            for row in rows:
                path = tmp_path / f"{camera}-{row['segment_id']}.mp4"
                path.write_bytes(vms.client.get(row["file_url"]).content)
                assert decodes_cleanly(path), path
        assert wait_for(
            lambda: all(any(r["start_ms"] > killed_ms for r in vms.recordings(c)) for c in CAMERAS),
            60,
        ), "recording did not resume after the restart"
