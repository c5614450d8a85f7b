"""The data dictionary: one row per declared column, in a form any writer can print.

It is generated from the table declarations (never written by hand), so the
template's ``data_dictionary`` sheet, the documentation and the report appendix
always agree with what the readers and validation accept.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import DType, Table
from .tables import FORMS

#: How each storage type is entered by the user (shown in the dictionary).
ENTRY_FORMAT = {
    DType.STR: "text",
    DType.INT: "whole number",
    DType.FLOAT: "number",
    DType.BOOL: "yes / no",
    DType.DATE: "date YYYY-MM-DD (partial YYYY-MM or YYYY is imputed and flagged)",
    DType.ENUM: "one code from the list",
    DType.ENUM_LIST: "codes from the list separated by ';'",
}


@dataclass(frozen=True)
class DictionaryEntry:
    """One column of one table, as documented for the user."""

    table: str
    column: str
    type: str
    entry_format: str
    unit: str
    allowed_values: str
    required: bool
    minimum: float | None
    maximum: float | None
    references: str
    description: str


def _entry(table: Table, col) -> DictionaryEntry:
    return DictionaryEntry(
        table=table.name,
        column=col.name,
        type=col.dtype.value,
        entry_format=ENTRY_FORMAT[col.dtype],
        unit=col.unit or "",
        allowed_values=", ".join(col.allowed),
        required=col.required,
        minimum=col.minimum,
        maximum=col.maximum,
        references=col.references or "",
        description=col.description,
    )


def data_dictionary(form: str | None = None) -> list[DictionaryEntry]:
    """Every declared column of the ``form`` ("study", "summary", or ``None`` for both)."""
    forms = FORMS if form is None else {form: FORMS[form]}
    return [_entry(table, col) for tables in forms.values() for table in tables for col in table.columns]
