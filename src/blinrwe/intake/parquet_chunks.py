"""Read a Parquet study folder a group of patients at a time, for studies too large to hold at once.

A registry's folder (``patients.parquet``, ``infusions.parquet``, ...; a table may be a folder
of part files) is split by patient: DuckDB reads each table once, gives every record its row
number in the table (the first record is row 2, counted across part files in name order, as
:func:`blinrwe.intake.read_parquet_folder` counts), and writes it to a scratch folder
partitioned by a hash of its patient id. Each chunk is then a RawStudy of the same cells that
:func:`read_parquet_folder` would give, holding only those patients' rows in every table, so
validation and its findings are the same, and memory is bounded by the chunk, not the study.

The read limits (:mod:`blinrwe.intake.limits`) apply to each chunk's tables (what is built in
memory at once), and the column limit to each file.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from blinrwe.model import ALL_TABLES
from blinrwe.model.display import column_of_header

from .limits import Refused, check_shape, read_limits
from .parquet import SUFFIX, TABLE_NAMES, _parts, _sheet
from .raw import RawStudy

#: Patients per chunk: about 200 MB of cells in the largest table of a seed-like study.
CHUNK_PATIENTS = 50_000
_ROW, _CHUNK, _ARROW = "__blinrwe_row", "__blinrwe_chunk", ".arrow"


@dataclass(frozen=True)
class PatientChunks:
    """A study folder split by patient into ``count`` chunks (see the module docstring).

    ``notes``: why the folder could not be split (a file past the column limit); each chunk is
    then a RawStudy carrying only them, as :func:`read_parquet_folder` would give it.
    """

    source: Path
    scratch: Path
    count: int
    tables: dict[str, str]  # table name -> its file or folder name in the study folder
    ignored: tuple[str, ...]
    notes: tuple = ()

    def __iter__(self) -> Iterator[RawStudy]:
        for index in range(self.count):
            yield self.chunk(index)

    def chunk(self, index: int, **limits) -> RawStudy:
        """The RawStudy of chunk ``index``: every table, only its patients' rows, in row order."""
        bounds = read_limits(**limits)
        sheets, notes = {}, self.notes
        try:
            for name, entry in self.tables.items() if not notes else ():
                table = self._records(name, index)
                check_shape(entry, table.num_rows, table.num_columns - 1, bounds)
                numbers = table.column(_ROW).to_numpy()
                sheets[name] = _sheet(name, entry, table.drop_columns([_ROW]), numbers)
        except Refused as stop:
            sheets, notes = {}, (stop.note,)
        return RawStudy(source=str(self.source), kind="parquet", sheets=sheets, ignored=self.ignored, notes=notes)

    def _records(self, name: str, index: int):
        """Chunk ``index``'s records of table ``name`` in row order (an Arrow table with the row numbers)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow, part = self.scratch / name / f"{index}{_ARROW}", self.scratch / name / f"{_CHUNK}={index}"
        if arrow.exists():
            table = pa.ipc.open_file(pa.memory_map(str(arrow))).read_all()
        elif part.exists():  # written by DuckDB (a type the Arrow files could not hold as Parquet reads it)
            table = pq.read_table(part)
        else:
            table = pq.read_schema(self.scratch / f"{name}.schema.parquet").empty_table()
        numbers = table.column(_ROW).to_numpy()
        return table if (numbers[1:] > numbers[:-1]).all() else table.sort_by(_ROW)  # batches arrive in order


def count_patients(path: str | Path) -> int | None:
    """Rows of the folder's patients table from the Parquet footers (no data read), or None without one."""
    import pyarrow.parquet as pq

    entry = Path(path) / f"patients{SUFFIX}"
    if not entry.exists():
        return None
    return sum(pq.ParquetFile(p).metadata.num_rows for p in _parts(entry))


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


#: What ``str.strip()`` removes: every character ``str.isspace()`` calls white space (none is past U+3000),
#: the no-break and ideographic spaces of a copied or Chinese-typed id among them (a regular expression's
#: ``\s`` is ASCII white space only).
_WHITE_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_WHITE_SPACE_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _WHITE_SPACE) + "]"


def _patient_key(column: str, kind) -> str:
    """SQL for the patient id as validation reads it (``cell_text``: text stripped of any white space; a whole
    number below 1e15 without '.0', other numbers as Python writes them, as DuckDB does too)."""
    import pyarrow as pa

    quoted = '"' + column.replace('"', '""') + '"'
    if pa.types.is_floating(kind):
        return (f"CASE WHEN {quoted} = floor({quoted}) AND abs({quoted}) < 1e15 "
                f"THEN CAST(CAST({quoted} AS BIGINT) AS VARCHAR) ELSE CAST({quoted} AS VARCHAR) END")
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return f"regexp_replace({quoted}, '^{_WHITE_SPACE_CLASS}+|{_WHITE_SPACE_CLASS}+$', '', 'g')"
    return f"CAST({quoted} AS VARCHAR)"


def _split_table(con, name: str, parts: list[Path], schema, count: int, scratch: Path) -> None:
    """Write one table's records, numbered and keyed by patient, to ``scratch/<name>/<chunk>.arrow``."""
    import pyarrow.parquet as pq

    offsets, start = [], 0
    for part in parts:
        offsets.append(f"WHEN {_text(str(part))} THEN {start}")
        start += pq.ParquetFile(part).metadata.num_rows
    pid = next((h for h in schema.names if column_of_header(ALL_TABLES[name], str(h)).casefold() == "patient_id"),
               None)
    key = "''" if pid is None else f"coalesce({_patient_key(pid, schema.field(pid).type)}, '')"
    files = "[" + ", ".join(_text(str(p)) for p in parts) + "]"
    query = (f"SELECT * EXCLUDE (__blinrwe_file, file_row_number), "
             f"CASE __blinrwe_file {' '.join(offsets)} END + file_row_number + 2 AS {_ROW}, "
             f"hash({key}) % {count} AS {_CHUNK} "
             f"FROM read_parquet({files}, filename = '__blinrwe_file', file_row_number = true, union_by_name = true)")
    types = _stored_types(con, query, scratch / f"{name}.types.parquet")
    folder = scratch / name
    folder.mkdir()
    batches = con.sql(query).to_arrow_reader(_BATCH_ROWS)
    try:
        _write_chunks(batches, types, count, folder)
    except (TypeError, ValueError, NotImplementedError):  # pyarrow.ArrowInvalid / ArrowNotImplementedError
        batches.close()  # (the connection runs one query at a time)
        shutil.rmtree(folder)  # a type the cast cannot give: DuckDB writes Parquet itself
        con.execute(f"COPY ({query}) TO {_text(str(folder))} (FORMAT parquet, PARTITION_BY ({_CHUNK}))")


#: Records DuckDB hands over at once while splitting (a few hundred MB for the widest table).
_BATCH_ROWS = 1 << 20


def _stored_types(con, query: str, probe: Path):
    """The Arrow schema with which a chunk written by DuckDB as Parquet reads back (a time zone as UTC, an
    enum as text...): the chunks' record batches are cast to it, so their cells are those of such a file."""
    import pyarrow.parquet as pq

    con.execute(f"COPY ({query} LIMIT 0) TO {_text(str(probe))} (FORMAT parquet)")
    types = pq.read_schema(probe)
    probe.unlink()
    return types.remove_metadata()


def _write_chunks(batches, types, count: int, folder: Path) -> None:
    """Each record batch's rows appended to their chunk's Arrow file ``folder/<chunk>.arrow`` (uncompressed
    scratch, read once)."""
    import numpy as np
    import pyarrow as pa

    writers = {}
    try:
        for batch in batches:
            if batch.schema != types:
                batch = batch.cast(types)
            chunk = batch.column(_CHUNK).to_numpy().astype(np.intp)
            order = np.argsort(chunk, kind="stable")
            rows = batch.drop_columns([_CHUNK]).take(pa.array(order))
            ends = np.cumsum(np.bincount(chunk, minlength=count)).tolist()
            for index, (start, end) in enumerate(zip([0, *ends[:-1]], ends)):
                if end > start:
                    if index not in writers:
                        writers[index] = pa.ipc.new_file(str(folder / f"{index}{_ARROW}"), rows.schema)
                    writers[index].write_batch(rows.slice(start, end - start))
    finally:
        for writer in writers.values():
            writer.close()


def split_by_patient(path: str | Path, scratch: str | Path, chunk_patients: int = CHUNK_PATIENTS,
                     connection=None) -> PatientChunks:
    """Split the Parquet study folder ``path`` by patient into ``scratch`` (an empty folder blinrwe owns).

    ``connection``: a DuckDB connection (its memory limit and spill folder apply); default a new one.
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    source, scratch = Path(path), Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    entries = sorted(p for p in source.iterdir() if p.suffix.lower() == SUFFIX and p.stem.strip() in TABLE_NAMES)
    ignored = tuple(sorted(p.name for p in source.iterdir() if p not in entries))
    count = max(1, math.ceil((count_patients(source) or 0) / chunk_patients))
    con = connection or duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # else drawn on stderr for a long query
    bounds, tables = read_limits(), {}
    try:
        for entry in entries:
            name, parts = entry.stem.strip(), _parts(entry)
            schema = pa.unify_schemas([pq.read_schema(p) for p in parts], promote_options="permissive") \
                if parts else pa.schema([])
            check_shape(entry.name, 0, len(schema.names), bounds)
            tables[name] = entry.name
            # the table's columns, for a chunk without any of its records
            pq.write_table(schema.append(pa.field(_ROW, pa.int64())).empty_table(), scratch / f"{name}.schema.parquet")
            if parts:
                _split_table(con, name, parts, schema, count, scratch)
    except Refused as stop:
        return PatientChunks(source, scratch, 1, {}, ignored, (stop.note,))
    finally:
        if connection is None:
            con.close()
    return PatientChunks(source, scratch, count, tables, ignored)


__all__ = ["CHUNK_PATIENTS", "PatientChunks", "count_patients", "split_by_patient"]
