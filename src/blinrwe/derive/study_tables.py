"""Read the declared tables out of a StudyData (or a plain mapping) for derivation.

The derivations accept ``blinrwe.validate.StudyData`` or any mapping of table
name -> DataFrame (tests build small frames inline). Each frame is conformed to
its declaration in :mod:`blinrwe.model.tables`: absent optional columns are
added as missing values with the declared dtype, so derivations can rely on
every declared column being present. Validation proper is the validate
layer's job; here only what derivation cannot work without is checked.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from blinrwe.errors import InputDataError
from blinrwe.model.schema import PANDAS_DTYPE, DType
from blinrwe.model.tables import ALL_TABLES, STUDY_TABLES


def study_form(study) -> str:
    """'study' (dated tables) or 'summary' (``patient_summary`` only)."""
    form = getattr(study, "form", None)
    if form in ("study", "summary"):
        return form
    tables = _mapping(study)
    return "summary" if "patient_summary" in tables and "patients" not in tables else "study"


def _mapping(study) -> Mapping[str, pd.DataFrame]:
    tables = getattr(study, "tables", study)
    if not isinstance(tables, Mapping):
        raise TypeError(f"expected StudyData or a mapping of table name -> DataFrame, got {type(study).__name__}")
    return tables


def conform(name: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """Return ``frame`` with every declared column of table ``name`` in its declared dtype."""
    table = ALL_TABLES[name]
    frame = pd.DataFrame() if frame is None else frame.copy()
    for col in table.columns:
        dtype = PANDAS_DTYPE[col.dtype]
        if col.name not in frame.columns:
            frame[col.name] = pd.Series([None] * len(frame), index=frame.index, dtype="object").astype(dtype)
        elif frame[col.name].dtype == dtype:
            continue  # already declared (StudyData from validate): nothing to convert
        elif col.dtype == DType.DATE:
            frame[col.name] = pd.to_datetime(frame[col.name]).astype("datetime64[ns]")
        elif col.dtype in (DType.INT, DType.FLOAT, DType.BOOL):
            frame[col.name] = frame[col.name].astype(dtype)
    if len(frame) and "patient_id" in frame.columns:
        missing = frame["patient_id"].isna()
        if missing.any():
            row = _row_label(frame, missing)
            raise InputDataError(f"table {name!r}, {row}: patient_id is empty; every row needs the patient it belongs to.")
        if pd.api.types.infer_dtype(frame["patient_id"], skipna=False) != "string":
            frame["patient_id"] = frame["patient_id"].astype(str)
    return frame


def _row_label(frame: pd.DataFrame, mask: pd.Series) -> str:
    first = frame.loc[mask].iloc[0]
    if "source_row" in frame.columns and pd.notna(first.get("source_row")):
        return f"row {int(first['source_row'])}"
    return f"row {int(mask.to_numpy().nonzero()[0][0]) + 2} (header = row 1)"


def study_tables(study) -> dict[str, pd.DataFrame]:
    """The dated study tables, conformed (absent tables become empty frames)."""
    tables = _mapping(study)
    if "patients" not in tables:
        raise InputDataError(
            "the study has no 'patients' table; the dated study form needs one row per patient "
            "(or use the patient_summary form)."
        )
    return {t.name: conform(t.name, tables.get(t.name)) for t in STUDY_TABLES}


def summary_table(study) -> pd.DataFrame:
    """The ``patient_summary`` table, conformed."""
    tables = _mapping(study)
    if "patient_summary" not in tables:
        raise InputDataError("the study has no 'patient_summary' table; the summary form needs it.")
    return conform("patient_summary", tables["patient_summary"])
