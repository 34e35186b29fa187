"""The archive's folder: one file per day at `<folder>/YYYY/events-YYYY-MM-DD.parquet`, written
atomically.

The files are the archive's whole state: a day is archived when its file exists, and nothing
else records it. So a file must appear whole or not at all: it is written under a hidden
temporary name in the same folder, fsynced, renamed over its name, and the folder fsynced. A
crash leaves at most a temporary file, which the next run removes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from vms.core.durable import fsync_path

_NAME = re.compile(r"^events-(\d{4})-(\d{2})-(\d{2})\.parquet$")
_TEMP_PREFIX = ".events-"  # hidden (".<name>.XXXX.tmp"): `*.parquet` globs never see a partial
_TEMP_SUFFIX = ".tmp"


def day_file(folder: Path, date: dt.date) -> Path:
    """Where the file of `date` goes."""
    return folder / f"{date:%Y}" / f"events-{date:%Y-%m-%d}.parquet"


def archived_days(folder: Path) -> dict[dt.date, Path]:
    """The days that have a file (other files in the folder are left alone)."""
    found: dict[dt.date, Path] = {}
    if not folder.is_dir():
        return found
    for year in folder.iterdir():
        if not (year.is_dir() and year.name.isdigit()):
            continue
        for path in year.iterdir():
            date = _date_of(path.name)
            if date is not None and path.is_file():
                found[date] = path
    return found


def _date_of(name: str) -> dt.date | None:
    matched = _NAME.match(name)
    if matched is None:
        return None
    try:
        return dt.date(*(int(part) for part in matched.groups()))
    except ValueError:  # events-2024-02-30.parquet: not ours
        return None


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete the temporary files an interrupted write left; returns them."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.glob(f"*/{_TEMP_PREFIX}*{_TEMP_SUFFIX}"):
        path.unlink(missing_ok=True)
        removed.append(path)
    return removed


def remove_day(path: Path) -> None:
    """Delete a day's file, and its year's folder once empty."""
    path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty (or gone): keep it
        path.parent.rmdir()


@contextlib.contextmanager
def atomic_file(path: Path, *, make_folder: bool = True) -> Iterator[BinaryIO]:
    """A file to write that appears at `path` (replacing it) only when the block ends without an
    error, durable; on an error the partial file is removed and `path` is untouched. Its folder
    is made when missing, unless `make_folder` is False."""
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=_TEMP_SUFFIX, dir=path.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        temp.chmod(0o644)  # mkstemp makes it 0600: the file is for the site's tools to read
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_path(path.parent, directory=True)
