"""The vocabulary for declaring an input table once.

A :class:`Table` is a tuple of :class:`Column` declarations. The same
declaration drives the Excel template (sheets, drop-downs, date cells), the
readers (xlsx and CSV), validation (types, allowed values, ranges), the data
dictionary and the synthetic cohort generator. Nothing here reads or writes
files.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class DType(str, Enum):
    """Storage type of a column as the user enters it."""

    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"  # entered as yes/no
    DATE = "date"  # ISO date; partial dates (YYYY-MM, YYYY) are imputed by a declared rule
    ENUM = "enum"  # one value from ``allowed``
    ENUM_LIST = "enum_list"  # several values from ``allowed``, separated by ';'


#: pandas dtype in which each declared storage type is held once typed
#: (docs/architecture.md, StudyData).
PANDAS_DTYPE = {
    DType.STR: "object",
    DType.ENUM: "object",
    DType.ENUM_LIST: "object",  # tuples of codes
    DType.INT: "Int64",
    DType.FLOAT: "float64",
    DType.BOOL: "boolean",
    DType.DATE: "datetime64[ns]",
}


@dataclass(frozen=True)
class Column:
    """One declared column.

    ``required`` means a value must be present on every row. ``minimum`` and
    ``maximum`` are inclusive bounds for numbers. ``allowed`` lists the codes of
    an enum column; ``unit`` is shown in the template header and the data
    dictionary.
    """

    name: str
    dtype: DType
    description: str
    unit: str | None = None
    allowed: tuple[str, ...] = ()
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    references: str | None = None  # "table.column" this column must match (foreign key)
    #: words a clinic types for a code ("female" for F): offered as "did you mean", never accepted
    words: tuple[tuple[str, str], ...] = ()

    def __post_init__(self):
        if self.dtype in (DType.ENUM, DType.ENUM_LIST) and not self.allowed:
            raise ValueError(f"enum column {self.name!r} declares no allowed values")
        if self.allowed and self.dtype not in (DType.ENUM, DType.ENUM_LIST):
            raise ValueError(f"column {self.name!r} has allowed values but is {self.dtype.value}")


@dataclass(frozen=True)
class Table:
    """One declared input table (one workbook sheet, one CSV file).

    ``key`` names the columns that identify a row uniquely (checked by
    validation); ``one_row_per_patient`` marks patient-level tables.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    one_row_per_patient: bool = False

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns if col.required)

    @property
    def date_columns(self) -> tuple[str, ...]:
        return tuple(col.name for col in self.columns if col.dtype is DType.DATE)

    @property
    def patient_id_reference(self) -> str | None:
        """``"patients.patient_id"`` for child tables; ``None`` for patient-level tables."""
        for col in self.columns:
            if col.references:
                return col.references
        return None


def imputed_flag(column: str) -> str:
    """Name of the boolean flag column marking imputed partial dates of ``column``."""
    return f"{column}_imputed"


@dataclass(frozen=True)
class Analysis:
    """One analysis family and the input it needs.

    ``needs_dates`` is true when the analysis measures time (time-to-event
    endpoints, exposure, event windows): it then needs the dated study form
    and cannot run on the one-row-per-patient summary.
    """

    name: str
    description: str
    needs_dates: bool
    tables: tuple[str, ...]
    reference: str  # domain-spec section defining it
