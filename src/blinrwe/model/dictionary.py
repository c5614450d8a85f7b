"""The data dictionary: one row per declared column, in a form any writer can print.

It is generated from the table declarations (never written by hand), so the
template's ``data_dictionary`` sheet, the documentation and the report appendix
always agree with what the readers and validation accept. Descriptions, entry
formats and the labels of the codes are in the current language
(:mod:`blinrwe.model.i18n`); table, column and code names stay as declared.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from .display import column_label, level_with_code, unit_label
from .i18n import _, current_language
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
    label: str  # the column's short label in the current language (English: its name)


def dictionary_fields() -> list[str]:
    """The fields a printed dictionary shows: all, less ``label`` in English (there it is the column name)."""
    names = [f.name for f in fields(DictionaryEntry)]
    return names[:-1] if current_language() == "en" else names


def dictionary_headings() -> list[str]:
    """Headings of :func:`dictionary_fields` in the current language (English: the field names)."""
    names = dictionary_fields()
    if current_language() == "en":
        return names
    return [_(f"dictionary.{name}") for name in names]


def _entry(table: Table, col) -> DictionaryEntry:
    english = current_language() == "en"
    return DictionaryEntry(
        table=table.name,
        column=col.name,
        type=col.dtype.value,
        entry_format=_(ENTRY_FORMAT[col.dtype]),
        unit=unit_label(col.unit),
        allowed_values=", ".join(col.allowed if english else (level_with_code(col, v) for v in col.allowed)),
        required=col.required,
        minimum=col.minimum,
        maximum=col.maximum,
        references=col.references or "",
        description=_(col.description),
        label=column_label(table, col),
    )


def data_dictionary(form: str | None = None) -> list[DictionaryEntry]:
    """Every declared column of the ``form`` ("study", "summary", or ``None`` for both)."""
    forms = FORMS if form is None else {form: FORMS[form]}
    return [_entry(table, col) for tables in forms.values() for table in tables for col in table.columns]
