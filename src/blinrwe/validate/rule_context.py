"""The context every validation rule reads (typed tables, where they came from, the cut-off) and the
pieces the rules share: emitting findings, message fields, per-patient lookups, the clinical thresholds."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

import numpy as np
import pandas as pd

from blinrwe.model import ALL_TABLES, DType
from blinrwe.model.display import level_label
from blinrwe.model.i18n import _, current_language

from .findings import Finding, finding

REMISSION = ("CR", "CRi", "CRh")
#: Marrow blasts at or below this mean morphological remission (domain-spec 3.1, seed 001 "<= 5 %").
REMISSION_BLAST_PCT = 5.0
#: Label dosing (domain-spec 1.3 and 1.6).
WEIGHT_THRESHOLD_KG = 45.0
MAX_FIXED_DOSE_UG_DAY = 28.0
MAX_BSA_DOSE_UG_M2_DAY = 15.0
MRD_NEGATIVE_BELOW = 1e-4  # domain-spec 3.2

#: Column the rules add to their copy of every table: the patient id as an integer code
#: (-1 when missing), codes in the sorted order of the ids. Joins, group-bys and sorts use it;
#: findings quote ``patient_id`` itself.
PATIENT = "_patient"


@dataclass(frozen=True)
class RuleContext:
    """Typed tables and where each came from (file, sheet).

    :func:`run_rules` adds the :data:`PATIENT` code column to the tables before
    the rules run (:func:`with_patient_codes`); a rule called on its own needs it too.
    """

    tables: dict[str, pd.DataFrame]
    where: dict[str, tuple[str | None, str | None]]  # table -> (file, sheet); absent tables are missing
    data_cutoff: pd.Timestamp | None
    today: pd.Timestamp

    def has(self, name: str) -> bool:
        return name in self.where


def _true(mask) -> np.ndarray:
    """A row mask as plain booleans (missing = False, as pandas' boolean indexing treats it)."""
    if isinstance(mask, pd.Series):
        return mask.to_numpy() if mask.dtype == bool else mask.to_numpy(dtype=bool, na_value=False)
    return np.asarray(mask, dtype=bool)


Text = str | pd.Series | Callable[[pd.DataFrame], str | pd.Series]


def emit(ctx: RuleContext, code: str, table: str, frame: pd.DataFrame, mask, column: str | None,
         message: Text, hint: str, value: str | None = None) -> list[Finding]:
    """One finding per row of ``frame`` (rows of ``ctx.tables[table]``) where ``mask`` holds.

    ``message`` is a text, or a function of the failing rows giving one text per row:
    it is only called when a row fails, so a clean study never formats anything.
    ``value`` names the column whose cell the finding quotes (a code as the template shows it: its
    label in Chinese, as the user typed it there).
    """
    at = np.flatnonzero(_true(mask))
    if len(at) == 0:
        return []
    rows = frame.iloc[at]
    file, sheet = ctx.where.get(table, (None, None))
    text = message(rows) if callable(message) else message
    msgs = text.loc[rows.index].tolist() if isinstance(text, pd.Series) else [text] * len(at)
    values = rows[value] if value is not None else pd.Series(None, index=rows.index, dtype=object)
    if value is not None and current_language() != "en" and _is_coded(table, value):
        values = values.map(lambda c: level_label(ALL_TABLES[table].column(value), c) if isinstance(c, str) else c)
    pids = rows["patient_id"].tolist() if "patient_id" in rows else [None] * len(at)
    out = []
    for k, (msg, row, pid) in enumerate(zip(msgs, rows["source_row"].tolist(), pids)):
        v = values.iloc[k]
        v = None if (not isinstance(v, tuple) and pd.isna(v)) else v
        out.append(finding(code, msg, hint, file=file, sheet=sheet, row=int(row), column=column, value=v,
                           table=table, patient_id=pid))
    return out


def is_code(values: pd.Series, code: str) -> pd.Series:
    """``values == code`` (missing: no) for a column of codes, compared by numpy (about twice as fast)."""
    return pd.Series(values.to_numpy() == code, index=values.index)


def is_not_code(values: pd.Series, code: str) -> pd.Series:
    """``values != code`` (missing: yes), as :func:`is_code`."""
    return pd.Series(values.to_numpy() != code, index=values.index)


def _is_coded(table: str, column: str) -> bool:
    """Is ``table.column`` an enum column (its codes are quoted as the template shows them)?"""
    declared = ALL_TABLES.get(table)
    return (declared is not None and column in declared.column_names
            and declared.column(column).dtype is DType.ENUM)


def _d(ts: pd.Series) -> pd.Series:
    return ts.dt.strftime("%Y-%m-%d")


def fill(template: str, rows: pd.DataFrame, **fields) -> pd.Series:
    """One message per failing row: ``template`` (translated by the caller, ``_("...")``) with each row's fields.

    A field is a Series aligned with ``rows`` (one value per row, already text) or one value for all.
    """
    columns = {k: (v.loc[rows.index].tolist() if isinstance(v, pd.Series) else [v] * len(rows))
               for k, v in fields.items()}
    return pd.Series([template.format(**{k: c[i] for k, c in columns.items()}) for i in range(len(rows))],
                     index=rows.index, dtype=object)


def shown_codes(table: str, column: str, codes: pd.Series) -> pd.Series:
    """Codes of ``table.column`` as the template shows them (Chinese labels in Chinese; codes in English)."""
    if current_language() == "en":
        return codes.astype(str)
    col = ALL_TABLES[table].column(column)
    return codes.map(lambda c: level_label(col, c) if isinstance(c, str) else str(c))


def with_patient_codes(ctx: RuleContext) -> RuleContext:
    """The context with the :data:`PATIENT` code column added to (shallow copies of) its tables."""
    names = [name for name, frame in ctx.tables.items() if "patient_id" in frame]
    ids = [ctx.tables[name]["patient_id"].to_numpy(dtype=object) for name in names]
    codes = _sorted_codes(np.concatenate(ids) if ids else np.array([], dtype=object))
    tables = dict(ctx.tables)
    for name, part in zip(names, np.split(codes, np.cumsum([len(i) for i in ids])[:-1])):
        frame = tables[name].copy(deep=False)
        frame[PATIENT] = part
        tables[name] = frame
    return replace(ctx, tables=tables)


def _sorted_codes(ids: np.ndarray) -> np.ndarray:
    """``pd.factorize(ids, sort=True)[0]``: each id's position among the distinct ids sorted (-1: missing); by
    Arrow when every id is text (hashed in C, sorted by code point as Python sorts text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        encoded = pa.array(ids, pa.string(), from_pandas=True).dictionary_encode()
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):  # not all text (hand-made tables), a lone surrogate
        return pd.factorize(ids, sort=True)[0]
    rank = np.full(len(encoded.dictionary) + 1, -1, dtype=np.intp)  # [-1]: missing
    rank[pc.sort_indices(encoded.dictionary).to_numpy()] = np.arange(len(rank) - 1)
    return rank[encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.intp)]


def _per_patient(values: pd.Series, patients: pd.Series, how: str) -> pd.Series:
    """``values`` aggregated per patient code (missing ids and values left out)."""
    if how in ("min", "max") and values.dtype == "datetime64[ns]":
        return _dates_per_patient(values, patients, how)
    out = values.groupby(patients).agg(how)
    return out[out.index >= 0].dropna()


def _dates_per_patient(values: pd.Series, patients: pd.Series, how: str) -> pd.Series:
    """:func:`_per_patient` of dates by numpy: the earliest or latest per patient code, codes ascending."""
    codes, days = patients.to_numpy(), values.to_numpy().view("int64")
    kept = (codes >= 0) & ~np.isnat(values.to_numpy())
    codes, days = codes[kept], days[kept]
    size = int(codes.max()) + 1 if len(codes) else 0
    found = np.full(size, np.iinfo(np.int64).max if how == "min" else np.iinfo(np.int64).min, dtype=np.int64)
    (np.minimum if how == "min" else np.maximum).at(found, codes, days)
    present = np.bincount(codes, minlength=size) > 0
    index = pd.Index(np.flatnonzero(present), dtype=patients.dtype, name=patients.name)
    return pd.Series(found[present].view("datetime64[ns]"), index=index, name=values.name)


def first_infusion(ctx: RuleContext) -> pd.Series:
    """T0 per patient id: the start of the earliest infusion segment (domain-spec 4)."""
    inf = ctx.tables["infusions"]
    return inf["start_date"].groupby(inf["patient_id"]).min().dropna()


def death_date(ctx: RuleContext) -> pd.Series:
    """Death date per patient id (the earliest death row)."""
    ev = ctx.tables["events"]
    death = is_code(ev["event_type"], "death")
    return ev["event_date"][death].groupby(ev["patient_id"][death]).min().dropna()


def _first_infusion(ctx: RuleContext) -> pd.Series:
    """:func:`first_infusion` per patient code."""
    inf = ctx.tables["infusions"]
    return _per_patient(inf["start_date"], inf[PATIENT], "min")


def _death_date(ctx: RuleContext) -> pd.Series:
    """:func:`death_date` per patient code."""
    ev = ctx.tables["events"]
    death = is_code(ev["event_type"], "death")
    return _per_patient(ev["event_date"][death], ev[PATIENT][death], "min")


def _lookup(frame: pd.DataFrame, per_patient: pd.Series) -> pd.Series:
    """Each row's patient-level value (keeping its dtype), aligned with ``frame``."""
    values = frame[PATIENT].map(per_patient)
    if pd.api.types.is_datetime64_any_dtype(per_patient.dtype) and values.dtype != per_patient.dtype:
        values = pd.to_datetime(values)  # (not on dates already: pandas would look at 500 of them one by one)
    return values


def _previous_max(frame: pd.DataFrame, column: str) -> pd.Series:
    """Per patient, the largest ``column`` value on the rows before (frame sorted by patient)."""
    if frame.empty:
        return frame[column].copy()
    by_patient = frame[PATIENT]
    return frame.groupby(by_patient, sort=False)[column].cummax().groupby(by_patient, sort=False).shift()
