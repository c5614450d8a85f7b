"""StudyData: the validated, typed study handed to the derivation layer.

Contract (docs/architecture.md, "StudyData"): one DataFrame per declared table,
exactly the declared columns in declared order plus ``source_row`` (1-based row
in the sheet or CSV file, header = row 1) and, for date columns where a partial
date was imputed, a boolean ``<column>_imputed`` flag.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from blinrwe.model import ALL_TABLES, FORMS, DType, imputed_flag
from blinrwe.model.schema import PANDAS_DTYPE, Table



def expected_columns(table: Table, frame: pd.DataFrame) -> list[str]:
    """Declared columns, the imputation flags present in ``frame``, then ``source_row``."""
    cols: list[str] = []
    for col in table.columns:
        cols.append(col.name)
        if col.dtype is DType.DATE and imputed_flag(col.name) in frame.columns:
            cols.append(imputed_flag(col.name))
    cols.append("source_row")
    return cols


def empty_table(table: Table) -> pd.DataFrame:
    """A table with the declared columns and dtypes and no rows."""
    data = {col.name: pd.Series([], dtype=PANDAS_DTYPE[col.dtype]) for col in table.columns}
    data["source_row"] = pd.Series([], dtype="int64")
    return pd.DataFrame(data)


@dataclass(frozen=True)
class StudyData:
    """A typed study, ready for derivation.

    ``form`` is ``"study"`` (dated tables) or ``"summary"`` (``patient_summary``
    only). ``source`` names where it came from (a path, or ``synthetic(...)``).
    ``data_cutoff`` is the data cut-off date the study was validated against,
    if one was given. Absent optional tables are present with no rows, and named in
    ``absent`` (an absent table is not one without records: what needs it is unavailable,
    :mod:`blinrwe.derive.absent_tables`).
    """

    tables: dict[str, pd.DataFrame]
    form: str
    source: str
    data_cutoff: dt.date | None = None
    partial_dates: str = field(default="mid")  # imputation rule used (see validate.dates)
    absent: frozenset[str] = frozenset()

    def __post_init__(self):
        # Programming errors (this object is built by blinrwe, not by users).
        if self.form not in FORMS:
            raise ValueError(f"unknown form {self.form!r}")
        declared = {t.name for t in FORMS[self.form]}
        if set(self.tables) != declared:
            raise ValueError(f"StudyData tables {sorted(self.tables)} != declared {sorted(declared)}")
        if not set(self.absent) <= declared:
            raise ValueError(f"StudyData absent tables {sorted(self.absent)} are not tables of the {self.form} form")
        for name, frame in self.tables.items():
            want = expected_columns(ALL_TABLES[name], frame)
            if list(frame.columns) != want:
                raise ValueError(f"table {name!r} has columns {list(frame.columns)}, expected {want}")

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    @property
    def patient_table(self) -> pd.DataFrame:
        """The one-row-per-patient table of the form."""
        return self.tables["patients" if self.form == "study" else "patient_summary"]

    @property
    def n_patients(self) -> int:
        return len(self.patient_table)
