"""The archive's rows written as Parquet, CSV or JSONL, and Parquet read back.

pyarrow is imported by the functions that use it, not with the module: `vms serve` imports the
events room at start, and only the archive job and `vms events export` write files.

Parquet: the columns of `archive_schema.COLUMNS` with their Arrow types (`timestamp[ms, UTC]`,
`list<string>` for zones), each field's description in its metadata, the file's own facts (schema
version, day, zone, range) as JSON under `vms.archive`, zstd, row groups of up to 64k rows.
CSV: a header, `null` as an empty cell, zones joined by `|`. JSONL: one object per line.
"""

from __future__ import annotations

import abc
import contextlib
import csv
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from vms.core.errors import VmsError
from vms.events.archive_schema import (
    COLUMNS,
    METADATA_KEY,
    NAMES,
    SCHEMA,
    TIMESTAMPS,
    ArchiveRow,
    iso_ms,
    join_zones,
)

FORMATS = ("parquet", "csv", "jsonl")
ROW_GROUP_ROWS = 65_536


class ArchiveReadError(VmsError):
    """An archive file cannot be read: unreadable, not Parquet, not ours, or another schema."""


class RowSink(Protocol):
    """Where rows go, in order; `close` finishes the file, `abort` gives it up after an error
    (neither closes the stream)."""

    rows: int  # written so far

    def write(self, rows: Sequence[ArchiveRow]) -> None: ...

    def close(self) -> None: ...

    def abort(self) -> None: ...


def write_all(sink: RowSink, batches: Iterable[Sequence[ArchiveRow]]) -> int:
    """Write every batch and finish the file; returns the rows written. On an error the sink is
    given up (its stream is left for its owner to remove) and the error raised."""
    try:
        for rows in batches:
            sink.write(rows)
        sink.close()
    except BaseException:
        sink.abort()
        raise
    return sink.rows


def open_sink(fmt: str, out: BinaryIO, facts: dict[str, Any]) -> RowSink:
    """A sink writing `fmt` to `out`; `facts` go into a Parquet file's metadata."""
    if fmt == "parquet":
        return ParquetSink(out, facts)
    if fmt == "csv":
        return CsvSink(out)
    if fmt == "jsonl":
        return JsonlSink(out)
    raise ValueError(f"{fmt!r} is not one of {', '.join(FORMATS)}")


def arrow_schema(facts: dict[str, Any] | None = None) -> Any:
    """The Arrow schema of the archive (with `facts` as the file's metadata)."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "timestamp": pa.timestamp("ms", tz="UTC"),
        "strings": pa.list_(pa.string()),
    }
    fields = [
        pa.field(c.name, types[c.kind], c.nullable, metadata={"description": c.description})
        for c in COLUMNS
    ]
    metadata = None if facts is None else {METADATA_KEY: json.dumps({"schema": SCHEMA, **facts})}
    return pa.schema(fields, metadata=metadata)


class ParquetSink:
    """Rows into one Parquet file, a row group per `ROW_GROUP_ROWS`. Each batch of rows becomes
    Arrow columns at once (a tenth of the memory of the rows as dicts) until a group is full."""

    def __init__(self, out: BinaryIO, facts: dict[str, Any]) -> None:
        import pyarrow.parquet as pq

        self.rows = 0
        self._schema = arrow_schema(facts)
        self._writer = pq.ParquetWriter(out, self._schema, compression="zstd")
        self._batches: list[Any] = []
        self._pending = 0

    def write(self, rows: Sequence[ArchiveRow]) -> None:
        import pyarrow as pa

        if not rows:
            return
        columns = [
            pa.array([row[field.name] for row in rows], type=field.type) for field in self._schema
        ]
        self._batches.append(pa.RecordBatch.from_arrays(columns, schema=self._schema))
        self._pending += len(rows)
        if self._pending >= ROW_GROUP_ROWS:
            self._flush(whole_groups_only=True)

    def close(self) -> None:
        self._flush(whole_groups_only=False)
        self._writer.close()

    def abort(self) -> None:
        # Closed now, on the stream still open: otherwise the writer closes when collected and
        # writes its footer to a stream closed by then.
        with contextlib.suppress(Exception):
            self._writer.close()

    def _flush(self, *, whole_groups_only: bool) -> None:
        """Write the pending rows: only whole row groups (the rest waits for more) or all."""
        import pyarrow as pa

        table = pa.Table.from_batches(self._batches, schema=self._schema)
        count = (
            self._pending - self._pending % ROW_GROUP_ROWS if whole_groups_only else self._pending
        )
        if count:
            self._writer.write_table(table.slice(0, count), row_group_size=ROW_GROUP_ROWS)
        self._batches = table.slice(count).to_batches()
        self._pending -= count
        self.rows += count


class _TextSink(abc.ABC):
    """Rows as UTF-8 text lines on a binary stream (left open at `close`)."""

    def __init__(self, out: BinaryIO) -> None:
        self.rows = 0
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)

    def write(self, rows: Sequence[ArchiveRow]) -> None:
        for row in rows:
            self._line(row)
        self.rows += len(rows)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the stream is its owner's to close

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    @abc.abstractmethod
    def _line(self, row: ArchiveRow) -> None: ...


class CsvSink(_TextSink):
    """A header line, then a line per row: empty cells for null, zones joined by `|`."""

    def __init__(self, out: BinaryIO) -> None:
        super().__init__(out)
        self._csv = csv.writer(self._text, lineterminator="\n")
        self._csv.writerow(NAMES)

    def _line(self, row: ArchiveRow) -> None:
        self._csv.writerow(_csv_cell(name, row[name]) for name in NAMES)


class JsonlSink(_TextSink):
    """A JSON object per line, keys in column order, times as ISO-8601 UTC."""

    def _line(self, row: ArchiveRow) -> None:
        document = {name: _json_value(name, row[name]) for name in NAMES}
        self._text.write(json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in TIMESTAMPS:
        return iso_ms(value)
    if name == "zones":
        return join_zones(value)
    return str(value)


def _json_value(name: str, value: Any) -> Any:
    return iso_ms(value) if name in TIMESTAMPS and value is not None else value


def read_facts(path: Path) -> dict[str, Any]:
    """The metadata of an archive file (its footer only); ArchiveReadError if it is not one this
    VMS reads."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata
    except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid (not Parquet) is a ValueError
        raise ArchiveReadError(f"cannot read the archive file {path}: {error}") from error
    return _checked_facts(path, metadata)


def read_rows(path: Path) -> list[ArchiveRow]:
    """Every row of an archive file, times as unix milliseconds (as `archive_row` makes them);
    ArchiveReadError if it is not one this VMS reads."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except (OSError, ValueError) as error:
        raise ArchiveReadError(f"cannot read the archive file {path}: {error}") from error
    _checked_facts(path, table.schema.metadata)
    columns = {
        name: table.column(name).cast(pa.int64()) if name in TIMESTAMPS else table.column(name)
        for name in NAMES
    }
    found: list[ArchiveRow] = pa.table(columns).to_pylist()
    return found


def _checked_facts(path: Path, metadata: dict[bytes, bytes] | None) -> dict[str, Any]:
    raw = (metadata or {}).get(METADATA_KEY.encode())
    if raw is None:
        raise ArchiveReadError(f"{path} is not an events archive file (no {METADATA_KEY})")
    facts: dict[str, Any] = json.loads(raw)
    if facts.get("schema") != SCHEMA:
        raise ArchiveReadError(
            f"{path} holds schema {facts.get('schema')!r}; this VMS reads {SCHEMA!r}"
        )
    return facts
