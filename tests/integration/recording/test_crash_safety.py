"""A recorder killed with SIGKILL mid-segment loses at most its last fragment; repair indexes it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from vms.core.ids import CameraId, StreamName
from vms.db.engine import create_engine
from vms.storage.index import SegmentIndex
from vms.storage.pools import StoragePool, StoragePools
from vms.storage.repair import FileOutcome, repair_index

REPO = Path(__file__).resolve().parents[3]


def test_sigkill_mid_segment_then_repair(tmp_path: Path) -> None:
    pool_root = tmp_path / "pool"
    pool_root.mkdir()
    db_url = f"sqlite:///{tmp_path / 'vms.db'}"
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.recording.crash_child",
            db_url,
            str(pool_root),
            "10.5",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("FED "), line
        fed_s = float(line.split()[1])
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    engine = create_engine(db_url)
    index = SegmentIndex(engine)
    before = index.query(CameraId("cam1"), StreamName.MAIN, 0, 2**62)
    assert [r.duration_ms for r in before] == [4000, 4000]  # the finished segments were indexed
    report = repair_index(index, StoragePools([StoragePool("p1", pool_root)]))
    assert [f.outcome for f in report.files] in ([FileOutcome.INDEXED], [FileOutcome.TRUNCATED])
    rows = index.query(CameraId("cam1"), StreamName.MAIN, 0, 2**62)
    assert len(rows) == 3
    torn = rows[2]
    assert torn.start_ms == rows[1].end_ms
    recorded_s = sum(r.duration_ms for r in rows) / 1000
    assert fed_s - recorded_s <= 2.0, f"lost {fed_s - recorded_s:.3f} s"
    probe = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-of",
            "json",
            str(pool_root / torn.path),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    video = json.loads(probe.stdout)["streams"][0]
    assert int(video["nb_read_frames"]) == torn.frames > 0
    assert repair_index(index, StoragePools([StoragePool("p1", pool_root)])).changed is False
    engine.dispose()
