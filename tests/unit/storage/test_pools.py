"""Storage pools: writability with its reason, usage, and choosing a pool for a new segment."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.unit.storage.helpers import FakeDisk
from vms.core.errors import StorageUnavailableError
from vms.storage.pools import DiskUsage, StoragePool, StoragePools


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    """A read-only bind mount (root ignores permission bits, not a read-only mount)."""
    source = tmp_path / "src"
    target = tmp_path / "ro"
    source.mkdir()
    target.mkdir()
    subprocess.run(["mount", "--bind", "-o", "ro", str(source), str(target)], check=True)
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], check=True)


def test_writable_pool_has_no_reason_and_leaves_nothing(tmp_path: Path) -> None:
    assert StoragePool("p", tmp_path).check_writable() is None
    assert list(tmp_path.iterdir()) == []


def test_missing_or_file_root_is_not_writable(tmp_path: Path) -> None:
    missing = StoragePool("gone", tmp_path / "nope").check_writable()
    assert missing is not None and "not a directory" in missing
    (tmp_path / "file").write_bytes(b"")
    file_root = StoragePool("file", tmp_path / "file").check_writable()
    assert file_root is not None and "not a directory" in file_root


def test_read_only_mount_is_not_writable(read_only_dir: Path) -> None:
    reason = StoragePool("ro", read_only_dir).check_writable()
    assert reason is not None and "read-only file system" in reason


def test_choose_picks_the_writable_pool_with_most_free_space(tmp_path: Path) -> None:
    roots = [tmp_path / n for n in ("a", "b", "c")]
    for root in roots[:2]:
        root.mkdir()
    pools = StoragePools(
        [
            StoragePool("a", roots[0], disk_usage=lambda _: DiskUsage(100, 10)),
            StoragePool("b", roots[1], disk_usage=lambda _: DiskUsage(100, 50)),
            StoragePool("c", roots[2], disk_usage=lambda _: DiskUsage(100, 99)),  # missing
        ]
    )
    assert pools.choose().name == "b"
    with pytest.raises(StorageUnavailableError, match="only 50 bytes free"):
        pools.choose(min_free_bytes=51)


def test_choose_raises_with_every_reason_when_no_pool_is_writable(tmp_path: Path) -> None:
    pools = StoragePools([StoragePool("x", tmp_path / "x"), StoragePool("y", tmp_path / "y")])
    with pytest.raises(StorageUnavailableError, match=r"pool x: .*; pool y: "):
        pools.choose()


def test_usage_counts_media_files(tmp_path: Path) -> None:
    seg = tmp_path / "cam1/main/2026-09-21/14/1790000000000.mp4"
    seg.parent.mkdir(parents=True)
    seg.write_bytes(b"\0" * 300)
    (tmp_path / "other.bin").write_bytes(b"\0" * 50)
    usage = StoragePool("p", tmp_path, disk_usage=FakeDisk(1000)).usage()
    assert (usage.total_bytes, usage.free_bytes, usage.used_by_media_bytes) == (1000, 650, 300)
    wired = StoragePool("p", tmp_path, disk_usage=FakeDisk(1000), media_bytes=lambda: 7)
    assert wired.usage().used_by_media_bytes == 7


def test_pool_names_must_be_unique(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="duplicate"):
        StoragePools([StoragePool("a", tmp_path), StoragePool("a", tmp_path)])
