"""Validate a study too large to hold in memory, a group of patients at a time.

Every rule of :func:`blinrwe.validate.validate_study` looks at one patient's rows at a time
(keys, references, dates against T0, death and follow-up, infusions, assessments, events,
therapies, adverse events), so a study split by patient
(:func:`blinrwe.intake.parquet_chunks.split_by_patient`) validates chunk by chunk with the
same findings. What is said once per table (a missing table or column, an unknown sheet, a
reader's note) is kept once; "the table has no rows" is decided for the whole study.

The chunks are validated side by side in worker processes. The typed tables of a study without
errors are written chunk by chunk as Parquet files (:class:`StagedStudy`), which an engine reads
directly (``blinrwe.derive.engine``). Memory is bounded by the chunks being validated, not the study.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from blinrwe.intake.parquet_chunks import PatientChunks
from blinrwe.model import ALL_TABLES, FORMS, REQUIRED_TABLES, DType, imputed_flag
from blinrwe.model.i18n import _
from blinrwe.workers import start_worker, terminate_workers

from .dates import DEFAULT_RULE
from .findings import Finding, Severity, ValidationReport, finding
from .study import validate_study

#: Validation processes at most by default (each holds a chunk: ``[data] chunk_patients`` patients).
MAX_WORKERS = 4


@dataclass(frozen=True)
class StagedStudy:
    """A validated dated study whose typed tables are Parquet files in ``folder``: a folder per table, a file
    per chunk.

    ``columns``: each table's StudyData columns (declared, the imputation flags that are set
    somewhere, ``source_row``). The files hold those columns with the types of
    :func:`staged_schema`. ``close()`` removes the folder (blinrwe's own scratch folder).
    """

    folder: Path
    source: str
    n_patients: int
    columns: dict[str, tuple[str, ...]]
    data_cutoff: dt.date | None = None
    partial_dates: str = DEFAULT_RULE
    form: str = "study"
    absent: frozenset[str] = frozenset()  # optional tables the folder does not have (StudyData.absent)

    def path(self, table: str) -> Path:
        """The folder of ``table``'s Parquet files (one per chunk), which DuckDB and Spark read as one table."""
        return self.folder / table

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def staged_schema(table):
    """The Arrow schema of a staged table: every declared column, every date's imputation flag, ``source_row``."""
    import pyarrow as pa

    kinds = {DType.DATE: pa.timestamp("us"), DType.INT: pa.int64(), DType.FLOAT: pa.float64(),
             DType.BOOL: pa.bool_(), DType.ENUM_LIST: pa.list_(pa.string())}
    fields = []
    for col in table.columns:
        fields.append(pa.field(col.name, kinds.get(col.dtype, pa.string())))
        if col.dtype is DType.DATE:
            fields.append(pa.field(imputed_flag(col.name), pa.bool_()))
    return pa.schema(fields + [pa.field("source_row", pa.int64())])


def _arrow(frame: pd.DataFrame, schema):
    """A typed StudyData frame as a table of ``schema`` (absent imputation flags as nulls)."""
    import pyarrow as pa

    arrays = []
    for f in schema:
        if f.name not in frame.columns:
            arrays.append(pa.nulls(len(frame), f.type))
        else:  # text as str or None, several codes as tuples: Arrow reads the object array as it is
            values = frame[f.name]
            arrays.append(pa.array(values.to_numpy() if values.dtype == object else values, f.type, from_pandas=True))
    return pa.table(arrays, schema=schema)


def _scratch_parquet(schema) -> dict:
    """How a staged file is written: read once, soon, from the same disk, so uncompressed, and only text
    dictionary-encoded (a column of measurements or dates would mostly fall back to plain values after
    building a dictionary first); about 0.06 s less per chunk of 50,000 patients, files three times larger."""
    import pyarrow as pa

    texts = [f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_list(f.type)]
    return {"compression": "none", "use_dictionary": texts}


def _once_key(f: Finding):
    return f.code, f.file, f.sheet, f.row, f.column, f.table, f.message


def _validate_chunk(chunks: PatientChunks, index: int, staging: Path | None, data_cutoff, partial_dates, today):
    """Validate chunk ``index``; without an error, write its typed tables as ``staging/<table>/<index>.parquet``.
    Returns (its ValidationReport, whether it was staged, the imputation flags set in it)."""
    import pyarrow.parquet as pq

    study, report = validate_study(chunks.chunk(index), data_cutoff=data_cutoff, partial_dates=partial_dates,
                                   today=today)
    staged = staging is not None and study is not None and study.form == "study"
    flags = set()
    for name, frame in study.tables.items() if staged else ():
        (staging / name).mkdir(parents=True, exist_ok=True)
        table = _arrow(frame, staged_schema(ALL_TABLES[name]))
        pq.write_table(table, staging / name / f"{index:06d}.parquet", **_scratch_parquet(table.schema))
        flags |= {(name, c) for c in frame.columns if c.endswith("_imputed") and frame[c].fillna(False).any()}
    return report, staged, flags


def _chunk_results(chunks: PatientChunks, workers: int, *args):
    """:func:`_validate_chunk` of every chunk, in chunk order: in ``workers`` processes (forked, each
    dying with this one) when there are several chunks, else here."""
    if workers < 2 or chunks.count < 2:
        for index in range(chunks.count):
            yield _validate_chunk(chunks, index, *args)
        return
    pool = ProcessPoolExecutor(min(workers, chunks.count), multiprocessing.get_context("fork"), start_worker,
                               (os.getpid(),))
    finished = False
    try:
        pending = [pool.submit(_validate_chunk, chunks, index, *args) for index in range(chunks.count)]
        for future in pending:
            yield future.result()
        finished = True
    except BrokenProcessPool:  # a worker was killed: on Linux, by the kernel when memory runs out
        raise MemoryError("a validation worker process was killed, most likely because memory ran out") from None
    finally:
        if not finished:  # an error or an interrupt: stop validating now
            terminate_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def validate_by_patient(chunks: PatientChunks, staging: Path | None, data_cutoff: dt.date | None = None,
                        partial_dates: str = DEFAULT_RULE, today: dt.date | None = None,
                        workers: int | None = None) -> tuple[StagedStudy | None, ValidationReport]:
    """Validate every chunk; without an error, the typed tables written into ``staging`` (a new folder
    blinrwe owns, removed again when there are errors; None: validate only). Returns what
    :func:`validate_study` does, the study staged.

    ``workers``: processes validating chunks side by side (default: the computer's cores, at most
    :data:`MAX_WORKERS`; each holds one chunk in memory).
    """
    workers = workers or min(os.cpu_count() or 1, MAX_WORKERS)
    findings: list[Finding] = []
    once, counts, flags, form = set(), {}, set(), None
    clean = staging is not None
    new_folder, staged_study = staging is not None and not staging.exists(), None
    try:  # a new staging folder is removed again on errors, on a failure and when stopped
        for report, staged, chunk_flags in _chunk_results(chunks, workers, staging, data_cutoff, partial_dates,
                                                          today):
            form = form or report.form
            for f in report.findings:
                per_table = f.row is None or f.row == 1  # a table's, a header's or a file's finding
                if f.code == "TABLE_EMPTY" or (per_table and _once_key(f) in once):
                    continue
                if per_table:
                    once.add(_once_key(f))
                findings.append(f)
            for name, rows in report.row_counts.items():
                counts[name] = counts.get(name, 0) + rows
            clean, flags = clean and staged, flags | chunk_flags
        if form is not None:
            findings += _empty_tables(chunks, form, counts)
        findings.sort(key=lambda f: (f.severity is not Severity.ERROR, f.file or "", f.sheet or "",
                                     f.row if f.row is not None else -1, f.column or ""))
        report = ValidationReport(source=str(chunks.source), findings=tuple(findings), form=form, row_counts=counts)
        if clean and not report.has_errors:
            columns = {t.name: tuple(f.name for f in staged_schema(t) if not f.name.endswith("_imputed")
                                     or (t.name, f.name) in flags) for t in FORMS["study"]}
            absent = frozenset(f.table for f in findings if f.code == "TABLE_ABSENT")
            staged_study = StagedStudy(staging, str(chunks.source), counts.get("patients", 0), columns, data_cutoff,
                                       partial_dates, absent=absent)
    finally:
        if staged_study is None and new_folder:
            shutil.rmtree(staging, ignore_errors=True)
    return staged_study, report


def _empty_tables(chunks: PatientChunks, form: str, counts: dict[str, int]) -> list[Finding]:
    """TABLE_EMPTY for a required table without a row in the whole study (a chunk may hold none)."""
    return [finding("TABLE_EMPTY", _("the table '{table}' has no rows").format(table=name),
                    _("enter one row per record below the header row"), file=chunks.tables[name], table=name)
            for name in REQUIRED_TABLES[form] if name in chunks.tables and counts.get(name, 0) == 0]


__all__ = ["StagedStudy", "staged_schema", "validate_by_patient"]
