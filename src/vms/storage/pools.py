"""Storage pools: folders (disks) that hold segments, their free space, and where to write next."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from vms.core.errors import StorageUnavailableError
from vms.storage.layout import iter_segment_files

_PROBE_NAME = ".vms-write-probe"


@dataclass(frozen=True, slots=True)
class DiskUsage:
    """File-system totals, as shutil.disk_usage reports them."""

    total_bytes: int
    free_bytes: int


@dataclass(frozen=True, slots=True)
class PoolUsage:
    total_bytes: int
    free_bytes: int
    used_by_media_bytes: int


DiskUsageFn = Callable[[Path], DiskUsage]


def system_disk_usage(root: Path) -> DiskUsage:
    usage = shutil.disk_usage(root)
    return DiskUsage(total_bytes=usage.total, free_bytes=usage.free)


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "no space left on device"
    if exc.errno == errno.EROFS:
        return "read-only file system"
    return exc.strerror or str(exc)


class StoragePool:
    """One media folder. `disk_usage` and `media_bytes` can be injected (tests, index totals)."""

    def __init__(
        self,
        name: str,
        root: Path,
        *,
        disk_usage: DiskUsageFn = system_disk_usage,
        media_bytes: Callable[[], int] | None = None,
    ) -> None:
        self.name = name
        self.root = root
        self._disk_usage = disk_usage
        self._media_bytes = media_bytes

    def __repr__(self) -> str:
        return f"StoragePool({self.name!r}, {str(self.root)!r})"

    def check_writable(self) -> str | None:
        """None when a file can be created, synced and removed in the root; else the reason."""
        if not self.root.is_dir():
            return f"pool {self.name}: {self.root} is not a directory"
        probe = self.root / _PROBE_NAME
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                os.write(fd, b"\0" * 4096)
                os.fsync(fd)
            finally:
                os.close(fd)
                probe.unlink(missing_ok=True)
        except OSError as exc:
            return f"pool {self.name}: {self.root} is not writable: {_reason(exc)}"
        return None

    def disk_usage(self) -> DiskUsage:
        return self._disk_usage(self.root)

    def media_bytes(self) -> int:
        """The bytes of segment files (from the index when wired, else a walk)."""
        if self._media_bytes is not None:
            return self._media_bytes()
        return sum(p.stat().st_size for p, _ in iter_segment_files(self.root))

    def usage(self) -> PoolUsage:
        """Disk totals plus the bytes of segment files."""
        disk = self.disk_usage()
        return PoolUsage(disk.total_bytes, disk.free_bytes, self.media_bytes())


class StoragePools:
    """All pools; picks the writable pool with the most free space for each new segment."""

    def __init__(self, pools: list[StoragePool]) -> None:
        if not pools:
            raise ValueError("at least one storage pool is needed")
        names = [p.name for p in pools]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate pool names: {names}")
        self._pools = {p.name: p for p in pools}

    def __iter__(self) -> Iterator[StoragePool]:
        return iter(self._pools.values())

    def get(self, name: str) -> StoragePool | None:
        return self._pools.get(name)

    def choose(self, min_free_bytes: int = 0) -> StoragePool:
        """The writable pool with the most free bytes (at least `min_free_bytes`).

        Raises StorageUnavailableError, naming every pool's reason, when there is none.
        """
        reasons: list[str] = []
        best: tuple[int, StoragePool] | None = None
        for pool in self._pools.values():
            reason = pool.check_writable()
            if reason is not None:
                reasons.append(reason)
                continue
            try:
                free = pool.disk_usage().free_bytes
            except OSError as exc:
                reasons.append(f"pool {pool.name}: {_reason(exc)}")
                continue
            if free < min_free_bytes:
                reasons.append(f"pool {pool.name}: only {free} bytes free")
                continue
            if best is None or free > best[0]:
                best = (free, pool)
        if best is None:
            raise StorageUnavailableError("; ".join(reasons))
        return best[1]
