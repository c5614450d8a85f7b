"""Read and write a study as a folder of ``<table>.parquet`` files (the workbook's layout).

One file per table, named as the CSV folder's files (``patients.parquet``,
``infusions.parquet``, ...), the column names of the template's header row; a table
may also be a folder ``patients.parquet/`` of part files, as Spark writes one. A
Parquet file carries types, so cells arrive as a workbook's do: dates as dates,
numbers as numbers, yes/no as booleans (or text), everything else as text;
validation renders and checks them with the same rules, and names each bad cell
by its file, row (the first record is row 2, as the header is row 1 in a
workbook and a CSV file), column and value.

Reading is bounded by :mod:`blinrwe.intake.limits`, from the file's own footer
before any column is read: rows, columns, rows x columns, and the uncompressed
size of its column data (a dictionary-encoded file can unpack to far more than
it weighs).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from blinrwe.errors import UserError
from blinrwe.model import FORMS, DType
from blinrwe.model.i18n import _
from blinrwe.model.schema import Table

from .limits import ReadLimits, Refused, check_shape, read_limits, too_large
from .raw import RawSheet, RawStudy
from .sheet import is_empty

SUFFIX = ".parquet"
TABLE_NAMES = frozenset(t.name for tables in FORMS.values() for t in tables)
__all__ = ["read_parquet_folder", "write_study_parquet", "is_parquet_folder", "SUFFIX"]


def is_parquet_folder(path: Path) -> bool:
    """A folder holding ``.parquet`` files (and no ``.csv`` file), or one ``.parquet`` file."""
    if path.is_file():
        return path.suffix.lower() == SUFFIX
    if not path.is_dir():
        return False
    suffixes = {p.suffix.lower() for p in path.iterdir()}
    if SUFFIX in suffixes and ".csv" in suffixes:
        raise UserError(_("{path}: the folder holds both .csv and .parquet files; keep one layout per folder (one "
                          "file per table) and move the other files out").format(path=path))
    return SUFFIX in suffixes


def _cell(value):
    """One distinct Parquet value as a cell: a NaN number as the text "NaN" (as a workbook gives it),
    a time-zoned timestamp as its wall-clock time, a list as its items joined by ';'."""
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, (list, tuple)):
        return ";".join("" if v is None else str(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, dict):
        return str(value)
    return value


#: The earliest and latest day (since 1970) a Python date holds: a Parquet date past them is not converted
#: by numpy (which would give a number), but by pyarrow (which refuses it), as before.
_DATE_DAYS = (dt.date(1, 1, 1).toordinal() - dt.date(1970, 1, 1).toordinal(),
              dt.date(9999, 12, 31).toordinal() - dt.date(1970, 1, 1).toordinal())


def _plain_cells(array) -> np.ndarray | None:
    """A column of numbers, booleans or dates as the cells :func:`_cell` makes of its values (Python ints,
    floats, bools, dates; a NaN as "NaN"; nulls ``None``), by numpy over the whole column; None for other types."""
    import pyarrow as pa

    kind = array.type
    if pa.types.is_date32(kind):
        days = array.cast(pa.int32()).fill_null(0).to_numpy()
        if len(days) and (days.min() < _DATE_DAYS[0] or days.max() > _DATE_DAYS[1]):
            return None
        values = array.fill_null(0).to_numpy(zero_copy_only=False)
    elif pa.types.is_integer(kind) or pa.types.is_boolean(kind) or pa.types.is_floating(kind):
        values = array.fill_null(False if pa.types.is_boolean(kind) else 0).to_numpy(zero_copy_only=False)
    else:
        return None
    cells = values.astype(object)
    if pa.types.is_floating(kind):
        cells[np.isnan(values)] = "NaN"
    if array.null_count:
        cells[array.is_null().to_numpy(zero_copy_only=False)] = None
    return cells


def _cells(column) -> np.ndarray:
    """An Arrow column as object cells (``None`` for nulls), each distinct value converted once."""
    import pyarrow as pa

    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.to_numpy(zero_copy_only=False)
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    plain = _plain_cells(array)
    if plain is not None:
        return plain
    if not pa.types.is_dictionary(array.type):
        try:
            array = array.dictionary_encode()
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid):  # nested types: one value at a time
            out = np.empty(len(array), dtype=object)
            out[:] = [None if v is None else _cell(v) for v in array.to_pylist()]
            return out
    distinct = array.dictionary.to_pylist()
    table = np.empty(len(distinct) + 1, dtype=object)  # [-1]: null
    table[:-1] = [None if v is None else _cell(v) for v in distinct]
    table[-1] = None
    indices = array.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)
    return table[indices]


def _check_size(name: str, footers, limits: ReadLimits, total: int) -> int:
    """Refuse from the footers of a table's file(s), before any column is read; the uncompressed bytes so far."""
    rows, width = sum(m.num_rows for m in footers), max((m.num_columns for m in footers), default=0)
    check_shape(name, rows, width, limits)
    total += sum(m.row_group(i).total_byte_size for m in footers for i in range(m.num_row_groups))
    if total > limits.max_bytes:
        raise Refused(too_large(name, _("takes the Parquet data read so far to {size} MB uncompressed, more "
                                        "than {limit} MB").format(size=f"{total / 2**20:,.1f}",
                                                                 limit=f"{limits.max_uncompressed_mb:g}"),
                                "max_uncompressed_mb"))
    return total


def _blank(column) -> np.ndarray:
    """Which cells are empty: null, or text of white space only (Arrow compute, no Python call per cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    blank = column.is_null()
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        blank = pc.or_kleene(blank, pc.equal(pc.utf8_trim_whitespace(column), ""))
    return blank.fill_null(True).to_numpy(zero_copy_only=False).astype(bool)


@dataclass(frozen=True)
class KnownColumn:
    """What a Parquet column's type tells about its cells, so that validation need not find it out again:
    ``kind``, what ``pd.api.types.infer_dtype(cells, skipna=True)`` says; ``factors`` (text and date columns),
    what ``pd.factorize(cells, use_na_sentinel=True)`` gives: each cell's code and the distinct values in the
    order the cells first show them."""

    kind: str
    factors: tuple[np.ndarray, np.ndarray] | None = None
    numbers: np.ndarray | None = None  # a number column's cells as ``np.array(cells, dtype="float64")`` reads them


@dataclass(frozen=True)
class ParquetSheet(RawSheet):
    """A RawSheet read from Parquet, with :class:`KnownColumn` for the columns whose type says it (by position)."""

    known: dict[int, KnownColumn] = field(default_factory=dict)


def _encoded(column) -> tuple[np.ndarray, np.ndarray, np.ndarray, str] | None:
    """A text or date column as (cells, empty cells, codes, distinct values, kind): encoded by Arrow, which
    numbers distinct values in the order of their first cell as ``pd.factorize`` does; empty cells (null,
    white space only) code -1, their values left out. None for other columns (or dates past Python's)."""
    import pyarrow as pa

    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    text = pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
    if not (text or pa.types.is_date32(array.type)):
        return None
    encoded = array.dictionary_encode()
    values = encoded.dictionary.to_numpy(zero_copy_only=False) if text else _plain_cells(encoded.dictionary)
    if values is None:
        return None
    present = ~_blank(encoded.dictionary) if text else np.ones(len(values), dtype=bool)
    renumbered = np.full(len(values) + 1, -1, dtype=np.intp)  # [-1]: null
    renumbered[:-1][present] = np.arange(int(present.sum()))
    codes = renumbered[encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)]
    distinct = values[present]
    return np.append(distinct, None)[codes], codes < 0, codes, distinct, "string" if text else "date"


#: ``infer_dtype`` of the cells of a column of these Arrow types, when it has a value.
_PLAIN_KINDS = (("integer", "is_integer"), ("boolean", "is_boolean"), ("floating", "is_floating"))


def _plain_kind(column, empty: np.ndarray) -> str | None:
    """``infer_dtype`` of a number or boolean column's cells (``empty``: which of them are None); None for
    another column, or a NaN among the numbers (it reads as the text "NaN")."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = next((k for k, test in _PLAIN_KINDS if getattr(pa.types, test)(column.type)), None)
    if kind is None or empty.all():
        return "empty" if kind is not None else None
    if kind == "floating":
        if pc.any(pc.is_nan(column)).as_py():
            return None
        return "mixed-integer-float" if empty.any() else kind  # (pandas' word for floats beside a None)
    return kind


def _numbers(column, kind: str) -> np.ndarray | None:
    """A number column's values as float64, NaN for nulls: what ``np.array(cells, dtype="float64")`` makes of
    its cells (Python's float() of each, correctly rounded as numpy's cast is); None for other columns (and
    unsigned 64-bit integers)."""
    import pyarrow as pa

    kind_of = column.type
    if kind not in ("integer", "floating", "mixed-integer-float") or (
            pa.types.is_uint64(kind_of) or not (pa.types.is_integer(kind_of) or pa.types.is_floating(kind_of))):
        return None
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    values = array.fill_null(0).to_numpy(zero_copy_only=False).astype(np.float64)
    if array.null_count:
        values[array.is_null().to_numpy(zero_copy_only=False)] = np.nan
    return values


def _sheet(name: str, file: str, table, numbers: np.ndarray | None = None) -> RawSheet:
    """A RawSheet of one Parquet table, as :func:`blinrwe.intake.sheet.raw_sheet` builds one from a grid:
    header = the column names; entirely empty records dropped; each kept record keeps its row number
    (``numbers``; default: the first record is row 2)."""
    header = tuple("" if is_empty(n) else str(n).strip() for n in table.column_names)
    read = [_encoded(c) for c in table.columns]
    blank = [_blank(c) if r is None else r[1] for c, r in zip(table.columns, read)]
    keep = ~np.logical_and.reduce(blank) if blank else np.zeros(table.num_rows, dtype=bool)
    if numbers is None:
        numbers = np.arange(2, table.num_rows + 2, dtype="int64")
    every = keep.all()
    numbers = numbers if every else numbers[keep]
    columns, known = {}, {}
    for i, (column, empty, encoded) in enumerate(zip(table.columns, blank, read)):
        if encoded is not None:
            cells, _empty, codes, distinct, kind = encoded
            codes = codes if every else codes[keep]
            known[i] = KnownColumn("empty" if not (codes >= 0).any() else kind, (codes, distinct))
        else:
            cells = _cells(column)
            if empty.any():
                cells = np.where(empty, None, cells)
            kind = _plain_kind(column, empty if every else empty[keep])
            if kind is not None:
                values = _numbers(column, kind)
                known[i] = KnownColumn(kind, numbers=values if values is None or every else values[keep])
        columns[i] = cells if every else cells[keep]
    cells = pd.DataFrame(columns, index=pd.Index(numbers, dtype="int64"), columns=range(len(header)), dtype=object,
                         copy=False)  # each column its own block: nothing copied into one 2-D block
    return ParquetSheet(name, file, None, header, cells, known)


def _parts(entry: Path) -> list[Path]:
    """The files of one table: the file itself, or the part files of a folder named ``<table>.parquet``
    (as Spark and other engines write a table), in name order."""
    if entry.is_file():
        return [entry]
    return sorted(p for p in entry.rglob("*") if p.is_file() and p.suffix.lower() == SUFFIX
                  and not p.name.startswith(("_", ".")))


def _read_table(entry: Path, limits: ReadLimits, total: int):
    """One table's Arrow table (after the size checks) and the uncompressed bytes read so far."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    parts = _parts(entry)
    file = entry
    try:
        handles = []
        for file in parts:
            handles.append(pq.ParquetFile(file))
        total = _check_size(entry.name, [h.metadata for h in handles], limits, total)
        tables = []
        for file, handle in zip(parts, handles):
            tables.append(handle.read())
        table = pa.concat_tables(tables, promote_options="permissive") if len(tables) != 1 else tables[0]
        return table, total
    except (pa.ArrowException, OSError) as err:
        raise UserError(_("{file}: cannot be read as Parquet ({error}); write it again (e.g. pandas "
                          "DataFrame.to_parquet, or blinrwe template --parquet for the layout)").format(
                              file=file, error=str(err).splitlines()[0][:200] if str(err) else type(err).__name__)
                        ) from None


def read_parquet_folder(path: str | Path, **limits) -> RawStudy:
    """Read every ``<table>.parquet`` of a folder (or one Parquet file) as typed cells, within the read limits."""
    path = Path(path)
    bounds = read_limits(**limits)
    if not path.exists():
        raise UserError(_("{path}: folder not found; give a folder of <table>.parquet files").format(path=path))
    one = path.is_file() or (path.suffix.lower() == SUFFIX and not any(  # a file, or one table's part files
        p.stem in TABLE_NAMES for p in path.iterdir()))
    entries = [path] if one else sorted(p for p in path.iterdir() if p.suffix.lower() == SUFFIX)
    ignored = () if one else tuple(sorted(p.name for p in path.iterdir() if p.suffix.lower() != SUFFIX))
    sheets, total = {}, 0
    try:
        for entry in entries:
            table, total = _read_table(entry, bounds, total)
            name = entry.stem.strip()
            sheets[name] = _sheet(name, entry.name, table)
    except Refused as stop:
        return RawStudy(source=str(path), kind="parquet", sheets={}, ignored=ignored, notes=(stop.note,))
    return RawStudy(source=str(path), kind="parquet", sheets=sheets, ignored=ignored)


# --- writing -------------------------------------------------------------------


def _arrow_type(dtype: DType):
    import pyarrow as pa

    return {DType.DATE: pa.date32(), DType.BOOL: pa.bool_(), DType.INT: pa.int64(),
            DType.FLOAT: pa.float64()}.get(dtype, pa.string())


def _column(dtype: DType, series: pd.Series | None):
    """One typed column as Arrow: dates as dates, yes/no as booleans, lists of codes as 'a;b' text."""
    import pyarrow as pa

    kind = _arrow_type(dtype)
    if series is None:
        return pa.array([], type=kind)
    if dtype is DType.DATE:
        return pa.array(pd.to_datetime(series).dt.date, type=kind, from_pandas=True)
    if dtype is DType.ENUM_LIST:
        series = series.map(lambda v: ";".join(v) if isinstance(v, tuple) and v else None)
    elif dtype in (DType.STR, DType.ENUM):
        series = series.map(lambda v: None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v))
    return pa.array(series, type=kind, from_pandas=True)


def _table(table: Table, frame: pd.DataFrame | None):
    import pyarrow as pa

    from .workbook import _output_columns  # the columns written: declared ones, and imputation flags present

    columns = {c.name: c for c in table.columns}
    names = _output_columns(table, frame)
    arrays = [_column(columns[n].dtype if n in columns else DType.BOOL, None if frame is None else frame[n])
              for n in names]
    return pa.table(arrays, names=names)


def write_study_parquet(tables: Mapping[str, pd.DataFrame], folder: str | Path, form: str,
                        readme_lines: Iterable[str] = ()) -> Path:
    """Write typed tables as a folder of ``<table>.parquet`` files (no tables: the empty, typed layout).

    Column names and codes are the template's (language-independent); dates are Parquet dates,
    yes/no booleans, several codes one 'a;b' text, as the CSV folder writes them.
    """
    import pyarrow.parquet as pq

    if form not in FORMS:
        raise UserError(f"form must be one of {', '.join(FORMS)}, not {form!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table in FORMS[form]:
        try:
            pq.write_table(_table(table, tables.get(table.name)), folder / f"{table.name}{SUFFIX}")
        except OSError as err:
            raise UserError(_("{path}: cannot be written ({error})").format(
                path=folder / f"{table.name}{SUFFIX}", error=err.strerror or err)) from None
    lines = list(readme_lines)
    if lines:
        (folder / "README.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
