"""What the user sees of the declared tables, in the current language: headings and code labels.

Storage stays language-neutral: column names and codes (``sex``, ``M``) are what the
typed tables hold. What a workbook shows is display text from the catalog
(:mod:`blinrwe.model.i18n`, ``locale/zh/template.toml``). The English display of a
column or a code *is* its name, so these message ids are the names, qualified so that
they never collide with an English sentence elsewhere:

- a column's short label: ``"<table>.<column>"`` (``"patients.sex"`` = ``"性别"``);
- a code's label: ``"<column>=<code>"`` (``"sex=M"`` = ``"男"``); yes/no: ``"yes/no=yes"``.

In the Chinese template a heading reads ``性别 (sex)`` and a drop-down offers ``男``;
the readers accept the column name, the label, or ``label (name)`` for a heading, and
the code, the label or ``label (code)`` for a value, in any language, whatever the
language of the run (a Chinese workbook validates in English too).
Matching ignores the width of characters and all white space (Unicode NFKC: full-width
``（）；`` read as ``();``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from .i18n import LANGUAGES, catalog, current_language, translate
from .schema import Column, DType, Table

BOOL_CODES = ("yes", "no", "unknown")
#: ``label (name)``: a heading or value that carries its name in parentheses.
_TRAILING_NAME = re.compile(r"^(.*?)\s*\(\s*([^()]+?)\s*\)$")


def N_(text: str) -> str:
    """Mark ``text`` for translation where it is declared; it is translated (``_(text)``) where it is shown."""
    return text


def table_id(table: Table | str) -> str:
    return f"table={getattr(table, 'name', table)}"


def heading_id(table: Table | str, column: Column | str) -> str:
    return f"{getattr(table, 'name', table)}.{getattr(column, 'name', column)}"


def level_id(column: Column | str, code: str) -> str:
    return f"{getattr(column, 'name', column)}={code}"


def bool_id(code: str) -> str:
    return f"yes/no={code}"


def normalise(text: str) -> str:
    """Text as compared by the readers: NFKC (full-width to ASCII), no white space at all, case-folded.

    (``KMT2A重排`` and ``性 别`` are typed as often as ``KMT2A 重排`` and ``性别``.)
    """
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def column_label(table: Table, column: Column, code: str | None = None) -> str:
    """The column's short label in ``code`` (default: the current language); English: its name."""
    code = code or current_language()
    return column.name if code == "en" else translate(heading_id(table, column), code)


def heading(table: Table, column: Column, code: str | None = None) -> str:
    """Row-1 text of the column in a workbook: ``sex`` in English, ``性别 (sex)`` in Chinese."""
    label = column_label(table, column, code)
    return column.name if label == column.name else f"{label} ({column.name})"


def level_label(column: Column, value: str, code: str | None = None) -> str:
    """What the template shows for code ``value`` of ``column`` (English: the code itself)."""
    code = code or current_language()
    return value if code == "en" else translate(level_id(column, value), code)


def bool_label(value: str, code: str | None = None) -> str:
    """``yes``/``no``/``unknown`` as shown in the template (``是``/``否``/``不详`` in Chinese)."""
    code = code or current_language()
    return value if code == "en" else translate(bool_id(value), code)


def level_with_code(column: Column, value: str, code: str | None = None) -> str:
    """``男 (M)`` for a hint naming both the label and the code (the code alone when they are the same)."""
    label = level_label(column, value, code)
    if normalise(label) == normalise(value) or f"({value})" in label.replace(" ", ""):
        return label
    return f"{label} ({value})"


#: Units written in words (the others, such as cm, kg, %, 10^9/L, are the same symbols in every language).
UNITS_IN_WORDS = ("years", "fraction")


def unit_label(unit: str | None, code: str | None = None) -> str:
    """A declared unit as shown (``years`` -> ``岁`` in Chinese); ``""`` for none."""
    if not unit:
        return ""
    code = code or current_language()
    return unit if code == "en" or unit not in UNITS_IN_WORDS else translate(f"unit={unit}", code)


def _labels(key: str) -> list[str]:
    """Every language's text for a message id (English excluded: the id is not display text)."""
    return [catalog(code)[key] for code in LANGUAGES if code != "en" and key in catalog(code)]


def _with_names(mapping: dict[str, str], text: str, name: str) -> None:
    mapping[normalise(text)] = name
    mapping[normalise(f"{text} ({name})")] = name


@cache
def heading_words(text: str) -> str:
    """A heading's words before a trailing ``(name)``: ``患者编号`` of ``患者编号 (patient_id)``."""
    match = _TRAILING_NAME.match(text.strip())
    return match.group(1) if match else text.strip()


def header_names(table: Table) -> dict[str, str]:
    """Normalised heading text -> column name: the name, every label, ``label (name)``."""
    mapping: dict[str, str] = {}
    for col in table.columns:
        for label in _labels(heading_id(table, col)):
            _with_names(mapping, label, col.name)
    for col in table.columns:  # a name always wins over a label
        mapping[normalise(col.name)] = col.name
    return mapping


def column_of_header(table: Table, text: str) -> str:
    """The declared column a header cell names (see :func:`header_names`), else the text as typed."""
    key = normalise(text)
    found = header_names(table).get(key)
    if found is not None:
        return found
    match = _TRAILING_NAME.match(key)
    if match:  # a label of our own words followed by the name in parentheses
        found = header_names(table).get(match.group(2))
        if found is not None:
            return found
    return text


def table_label(table: Table, code: str | None = None) -> str:
    """A table's name in words (``患者`` for ``patients``); English: its name. Sheets keep the name."""
    code = code or current_language()
    return table.name if code == "en" else translate(table_id(table), code)


@cache
def _sheet_names() -> dict[str, str]:
    from .tables import ALL_TABLES

    mapping: dict[str, str] = {}
    for table in ALL_TABLES.values():
        for label in _labels(table_id(table)):
            _with_names(mapping, label, table.name)
    for table in ALL_TABLES.values():
        mapping[normalise(table.name)] = table.name
    return mapping


def table_of_sheet(title: str) -> str | None:
    """The declared table a sheet (or CSV file stem) is: its name in any case, its label, or ``label (name)``."""
    key = normalise(title)
    found = _sheet_names().get(key)
    if found is None:
        match = _TRAILING_NAME.match(key)
        found = _sheet_names().get(match.group(2)) if match else None
    return found


@cache
def value_codes(column: Column) -> dict[str, str]:
    """Normalised display label (or ``label (code)``, or the words of a label ``words (code)``
    without the bracket) -> code, for the codes of ``column``.

    Codes themselves are not in it: the caller checks them exactly first (as before, so
    that ``cr`` is still reported with the suggestion ``CR``).
    """
    mapping: dict[str, str] = {}
    words: dict[str, set[str]] = {}
    for value in column.allowed:
        for label in _labels(level_id(column, value)):
            _with_names(mapping, label, value)
            bracketed = _TRAILING_NAME.match(label)  # 完全缓解 (CR): a label that ends in its code
            if bracketed and bracketed.group(1).strip():
                words.setdefault(normalise(bracketed.group(1)), set()).add(value)
        mapping[normalise(f"{value} ({value})")] = value
    for key, values in words.items():  # 完全缓解 alone, as a clinician types it, when no other code reads so
        if len(values) == 1 and key not in mapping:
            mapping[key] = next(iter(values))
    return mapping


def code_of_label(column: Column, text: str) -> str | None:
    """The code whose display label ``text`` is (``男`` -> ``M``), ``label (code)`` too; else None."""
    mapping = value_codes(column)
    key = normalise(text)
    found = mapping.get(key)
    if found is not None:
        return found
    match = _TRAILING_NAME.match(key)
    if match:
        for value in column.allowed:
            if normalise(value) == match.group(2):
                return value
    return None


@cache
def bool_words() -> dict[str, str]:
    """Normalised yes/no/unknown labels of every language -> ``yes``/``no``/``unknown``."""
    mapping = {}
    for value in BOOL_CODES:
        for label in _labels(bool_id(value)):
            mapping[normalise(label)] = value
    return mapping


def display_ids(tables: tuple[Table, ...]) -> list[str]:
    """Every heading and code-label message id of ``tables`` (for the translation tests)."""
    ids = [bool_id(v) for v in BOOL_CODES] + [f"unit={u}" for u in UNITS_IN_WORDS]
    for table in tables:
        ids.append(table_id(table))
        for col in table.columns:
            ids.append(heading_id(table, col))
            if col.dtype in (DType.ENUM, DType.ENUM_LIST):
                ids += [level_id(col, v) for v in col.allowed]
    return list(dict.fromkeys(ids))
