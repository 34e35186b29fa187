"""`vms events export`: a range of events to Parquet, CSV or JSONL, read from the database the
configuration names and from the events archive (docs/guide/events-archive.md).

It only reads, so it runs beside a running VMS (SQLite's WAL lets it read while VMS writes) and
takes no lock. Every mistake is one line on stderr and a non-zero exit: 2 for what was asked
(range, format, configuration), 1 for what happened (unwritable output, unreadable database).
The parser is built at every `vms` invocation, so the database, the API's time parsing and the
store are imported only when an export runs.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from vms.core.ids import CameraId
from vms.events.archive_files import atomic_file
from vms.events.archive_sinks import FORMATS, ArchiveReadError

if TYPE_CHECKING:
    from vms.config import Settings
    from vms.events.archive_export import ExportRequest

_TIME = "ISO-8601 with an offset (2025-11-25T10:00:00Z) or unix milliseconds"


class _RefusedError(Exception):
    """A one-line reason to stop, and the exit code that goes with it."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    add_config: Callable[[argparse.ArgumentParser], None],
    run: Callable[[argparse.Namespace], int],
) -> None:
    """`vms events export ...` on the `vms` command line; `run` runs it."""
    events = sub.add_parser("events", help="event maintenance: export a range")
    actions = events.add_subparsers(dest="events_command", required=True)
    export = actions.add_parser(
        "export",
        help="write the events begun in a range to Parquet, CSV or JSONL (from the database and "
        "the events archive; works while VMS runs)",
    )
    export.add_argument(
        "--from", dest="start", required=True, help=f"events begun at or after: {_TIME}"
    )
    export.add_argument("--to", dest="end", required=True, help=f"and before: {_TIME}")
    export.add_argument(
        "--format", default="parquet", help=f"{', '.join(FORMATS)} (default parquet)"
    )
    export.add_argument(
        "-o", "--output", help="file to write (replaced whole); default: standard output"
    )
    export.add_argument(
        "--camera", action="append", default=[], help="only this camera's events (repeatable)"
    )
    add_config(export)
    export.set_defaults(func=run)


def run_export(args: argparse.Namespace, settings: Callable[[], Settings | None]) -> int:
    """Run `vms events export` with the parsed arguments; `settings` loads the configuration
    (None when it is wrong, after saying why)."""
    try:
        request = _request(args)
        loaded = settings()
        if loaded is None:
            return 2
        count = _export(loaded, request, args.format, args.output)
    except _RefusedError as refused:
        print(f"vms: {refused}", file=sys.stderr)
        return refused.code
    where = args.output if _to_file(args.output) else "standard output"
    print(f"vms: wrote {count} events to {where}", file=sys.stderr)
    return 0


def _request(args: argparse.Namespace) -> ExportRequest:
    from vms.api.timeparse import parse_time_ms
    from vms.events.archive_export import ExportRequest

    if args.format not in FORMATS:
        raise _RefusedError(f"--format {args.format!r} is not one of {', '.join(FORMATS)}", 2)
    bounds = []
    for flag, text in (("--from", args.start), ("--to", args.end)):
        try:
            bounds.append(parse_time_ms(text))
        except ValueError as error:
            raise _RefusedError(f"{flag}: {error}", 2) from None
    start_ms, end_ms = bounds
    if end_ms <= start_ms:
        raise _RefusedError("--to must be after --from", 2)
    if args.format == "parquet" and not _to_file(args.output) and sys.stdout.isatty():
        raise _RefusedError("Parquet is binary: write it to a file with -o FILE, or redirect", 2)
    return ExportRequest(start_ms, end_ms, tuple(CameraId(c) for c in args.camera))


def _export(settings: Settings, request: ExportRequest, fmt: str, output: str | None) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from vms.core.clock import SystemClock
    from vms.db.engine import create_engine
    from vms.events.archive_export import export_events
    from vms.events.store import EventStore

    _database_exists(settings.database.url)
    engine = create_engine(settings.database.url)
    store = EventStore(engine, SystemClock())
    folder = settings.events.archive.folder(settings.storage.data_dir)
    try:
        with _output(output) as out:
            return export_events(store, folder, request, fmt, out)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).splitlines()[0]
        raise _RefusedError(f"cannot read the events from the database: {reason}", 1) from None
    except ArchiveReadError as error:
        raise _RefusedError(str(error), 1) from None
    except OSError as error:
        reason = error.strerror or str(error)
        raise _RefusedError(f"cannot write {output or 'standard output'}: {reason}", 1) from None
    finally:
        engine.dispose()


@contextlib.contextmanager
def _output(output: str | None) -> Iterator[BinaryIO]:
    """The file to write (appearing whole, or not at all), or standard output."""
    if _to_file(output):
        assert output is not None
        with atomic_file(Path(output), make_folder=False) as out:
            yield out
    else:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()


def _to_file(output: str | None) -> bool:
    return output not in (None, "-")


def _database_exists(url: str) -> None:
    """Refuse a SQLite file that is not there (connecting would make an empty one)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    database = parsed.database or ""
    in_file = parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if in_file and not Path(database).is_file():
        raise _RefusedError(f"no database at {database}: is storage.data_dir right?", 2)
