"""read_omop: an OMOP CDM v5.4 source -> RawStudy in the workbook's table layout.

Validation, derivation and the report then run unchanged. Each RawSheet names the CDM
table its rows came from (``file``: the Parquet file or database, ``sheet``: the table) and
each row is numbered by its record: ``person_id`` (patients), ``drug_exposure_id``
(infusions), the first ``measurement_id`` of the day (assessments). Events and therapies
gather records of several tables (condition_occurrence, death, observation_period;
procedure_occurrence, drug_exposure): their sheet lists those tables and their rows are
numbered 2, 3, ... in patient and date order, as the workbook would number them. Cells are
what a reader gives: numbers, codes and texts as read, dates as ISO text (as in a CSV file).

A CLI calls ``read_omop(source, mapping)`` where it would call ``read_study(path)``, then
``validate_study`` as for any study.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from blinrwe.engines import EngineSettings
from blinrwe.model import ALL_TABLES

from ..raw import RawSheet, RawStudy
from .convert import study_tables
from .mapping import OmopMapping, load_mapping
from .notes import unmapped_notes
from .source import read_cdm

#: Study table -> the CDM tables it is read from (the RawSheet's ``sheet``).
FROM_TABLES = {
    "patients": ("person",),
    "infusions": ("drug_exposure",),
    "assessments": ("measurement",),
    "events": ("condition_occurrence", "death", "observation_period"),
    "therapies": ("procedure_occurrence", "drug_exposure"),
}


def _cells(column: pd.Series) -> np.ndarray:
    """Cells as a reader gives them: Python floats, ints, bools, text; dates as ISO text (as a CSV holds them:
    validation parses each distinct date once); None when missing."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        values = np.datetime_as_string(column.to_numpy(dtype="datetime64[ns]"), unit="D").astype(object)
    elif column.dtype == object:
        values = column.to_numpy(dtype=object, copy=True)
    elif pd.api.types.is_integer_dtype(column.dtype) and not column.isna().any():
        values = np.asarray(column.astype("int64").tolist(), dtype=object)
    else:
        values = column.astype(object).to_numpy(dtype=object, copy=True)
    values[pd.isna(column).to_numpy()] = None
    return values


def _sheet(name: str, frame: pd.DataFrame, files: dict[str, str]) -> RawSheet:
    tables = FROM_TABLES[name]
    header = tuple(c.name for c in ALL_TABLES[name].columns if c.name in frame.columns)
    if "row" in frame:
        rows = pd.Index(frame["row"].astype("int64").to_numpy(), dtype="int64")
    else:
        rows = pd.Index(np.arange(2, len(frame) + 2), dtype="int64")
    cells = pd.DataFrame({i: pd.Series(_cells(frame[c]), index=rows, dtype=object) for i, c in enumerate(header)},
                         index=rows, columns=range(len(header)), dtype=object)
    file = files[tables[0]] if len(tables) == 1 else ", ".join(dict.fromkeys(files[t] for t in tables))
    return RawSheet(name=name, file=file, sheet=" + ".join(tables), header=header, cells=cells)


def read_omop(source, mapping: str | Path | OmopMapping | None = None, *, settings: EngineSettings | None = None,
              schema: str = "") -> RawStudy:
    """Read the blinatumomab cohort of an OMOP CDM v5.4 source as a RawStudy (dated study form).

    ``source``: a folder of Parquet files (``person.parquet``, ...), a DuckDB database file, or
    an Ibis backend connected to a warehouse (tables in ``schema``). ``mapping``: an edited copy
    of the shipped ``concepts.toml`` (None: the shipped one). ``settings``: the DuckDB engine
    (memory limit, threads). Patients are the persons with a blinatumomab exposure (its RxNorm
    ingredient or any descendant in ``concept_ancestor``). What OMOP does not carry is left
    empty (``blinrwe.intake.omop.convert``). Adverse events are not read: the table is absent.
    """
    chosen = mapping if isinstance(mapping, OmopMapping) else load_mapping(mapping)
    cdm = read_cdm(source, chosen, settings=settings, schema=schema)
    tables, notes = study_tables(cdm, chosen)
    for table in ("measurement", "drug_exposure"):
        if table in cdm.unmapped:
            notes += unmapped_notes(cdm.unmapped[table], table, cdm.files[table], chosen.source)
    sheets = {name: _sheet(name, frame, cdm.files) for name, frame in tables.items()}
    return RawStudy(source=cdm.source, kind="omop", sheets=sheets, notes=tuple(notes))
