"""`vms events export`: what it writes, and one line and a non-zero exit for every mistake."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.support.schema import migrated_sqlite
from vms.cameras.cameras_repo import CameraRow, CamerasRepo
from vms.cli import main
from vms.core.bus import EventReported
from vms.core.clock import FakeClock
from vms.core.ids import CameraId
from vms.events.archive_schema import NAMES
from vms.events.store import EventStore

T0 = 1_717_400_000_000  # 2024-06-03T07:33:20Z
GATE = CameraId("gate")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A configuration whose data folder holds a database with two events of `gate`."""
    engine = migrated_sqlite(f"sqlite:///{tmp_path / 'vms.db'}")
    clock = FakeClock(start_ms=T0)
    CamerasRepo(engine, clock).add(CameraRow(id=GATE, name="Gate", main_url="rtsp://10.0.0.5/g"))
    store = EventStore(engine, clock)
    for n in range(2):
        start = T0 + n * 60_000
        store.record(EventReported(f"e{n}", GATE, "motion", "closed", start, start + 1, 0.5, ()))
    engine.dispose()
    path = tmp_path / "vms.yaml"
    path.write_text(f"storage:\n  data_dir: {tmp_path}\n", encoding="utf-8")
    return path


def export(config: Path, *extra: str, start: str = str(T0), end: str = str(T0 + 3_600_000)) -> int:
    return main(["events", "export", "--from", start, "--to", end, "--config", str(config), *extra])


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_csv_to_standard_output_and_a_count_on_stderr(
    config: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert export(config, "--format", "csv") == 0
    out, err = capsysbinary.readouterr()
    rows = list(csv.DictReader(io.StringIO(out.decode())))
    assert [row["id"] for row in rows] == ["e0", "e1"]
    assert list(rows[0]) == list(NAMES)
    assert rows[0]["start"] == "2024-06-03T07:33:20.000Z" and rows[0]["rule"] == ""
    assert one_line(err.decode()) == "vms: wrote 2 events to standard output"


def test_jsonl_to_a_file_filtered_by_camera_and_range(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "events.jsonl"
    assert export(config, "--format", "jsonl", "-o", str(out), "--camera", "gate") == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["e0", "e1"]
    assert export(config, "--format", "jsonl", "-o", str(out), start=str(T0 + 1)) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["e1"]
    assert export(config, "--format", "jsonl", "-o", str(out), "--camera", "yard") == 0
    assert out.read_text() == ""
    assert one_line(capsys.readouterr().err.splitlines()[-1]) == f"vms: wrote 0 events to {out}"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--format", "xlsx"], 2, "vms: --format 'xlsx' is not one of parquet, csv, jsonl"),
        (["--from", "yesterday"], 2, "vms: --from: 'yesterday' is not a time: use ISO-8601"),
        (["--to", "2024-06-03T10:00:00"], 2, "vms: --to: '2024-06-03T10:00:00' has no time zone"),
        (["--to", str(T0)], 2, "vms: --to must be after --from"),
        (["-o", "/no/such/folder/x.csv"], 1, "vms: cannot write /no/such/folder/x.csv: No such"),
    ],
)
def test_a_mistake_is_one_line_and_a_non_zero_exit(
    config: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    code: int,
    message: str,
) -> None:
    options = dict(zip(args[::2], args[1::2], strict=True))
    start, end = options.pop("--from", str(T0)), options.pop("--to", str(T0 + 3_600_000))
    extra = [item for pair in options.items() for item in pair]
    assert export(config, "--format", "csv", *extra, start=start, end=end) == code
    assert one_line(capsys.readouterr().err).startswith(message)


def test_an_output_in_a_folder_that_is_a_file_fails_and_leaves_nothing(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "plain").write_text("")
    assert export(config, "-o", str(tmp_path / "plain" / "x.parquet")) == 1
    assert "Not a directory" in one_line(capsys.readouterr().err)


def test_a_database_that_is_not_there_is_not_made(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "vms.yaml"
    config.write_text(f"storage:\n  data_dir: {tmp_path / 'elsewhere'}\n", encoding="utf-8")
    assert export(config, "--format", "csv") == 2
    assert one_line(capsys.readouterr().err).startswith("vms: no database at ")
    assert not (tmp_path / "elsewhere").exists()


def test_parquet_is_not_written_to_a_terminal(
    config: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    assert export(config) == 2
    assert one_line(capsys.readouterr().err).startswith("vms: Parquet is binary")
