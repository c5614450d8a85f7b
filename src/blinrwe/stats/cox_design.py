"""The covariates of a proportional-hazards model as R builds them: the design matrix (treatment
contrasts: one column per non-reference level of a categorical covariate) and the strata codes,
shared by :mod:`blinrwe.stats.cox` and :mod:`blinrwe.stats.fine_gray`; and the rows of a Cox model
as its fit uses them (:func:`cox_rows`: complete cases, R's timefix, sorted by stratum and time).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError

from ._inputs import as_event_codes, as_times, stable_order, tie_near_times


def _as_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    try:
        out = list(value)
    except TypeError as exc:
        raise StatisticalInputError(f"{name} must be a column name or a list of column names; got {value!r}.") from exc
    return out


def _check_columns(data: pd.DataFrame, names: Sequence[str], what: str) -> None:
    for name in names:
        if name not in data.columns:
            raise StatisticalInputError(
                f"{what} column {name!r} is not in the data (columns: {list(data.columns)}); "
                f"pass the name of an existing column."
            )


def _is_categorical(col: pd.Series) -> bool:
    return isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object or pd.api.types.is_string_dtype(col)


def _design_matrix(frame: pd.DataFrame, covariates: list[str]) -> tuple[np.ndarray, list[str], dict]:
    """Numeric columns as they are; categorical ones by treatment (dummy) coding.

    The reference category is the first level: the first category of a pandas
    Categorical, otherwise the smallest value in sorted order (R's factor default).
    Levels not present in the analysed rows are dropped (R would report NA).
    """
    cols, names, terms = [], [], {}
    for cov in covariates:
        col = frame[cov]
        if _is_categorical(col):
            if isinstance(col.dtype, pd.CategoricalDtype):
                levels = [lv for lv in col.cat.categories if (col == lv).any()]
            else:
                levels = sorted(pd.unique(col.astype(str)))
                col = col.astype(str)
            if len(levels) < 2:
                raise StatisticalInputError(
                    f"covariate {cov!r} has a single category ({levels[0] if levels else 'none'}) in the analysed "
                    "rows; it carries no information, drop it from covariates."
                )
            term_cols = []
            for lv in levels[1:]:
                cols.append((col == lv).to_numpy(dtype=float))
                names.append(f"{cov}[{lv}]")
                term_cols.append(names[-1])
            terms[cov] = term_cols
        else:
            try:
                values = col.to_numpy(dtype=float)
            except (TypeError, ValueError) as exc:
                raise StatisticalInputError(
                    f"covariate {cov!r} is neither numeric nor categorical (dtype {col.dtype}); convert it."
                ) from exc
            if not np.all(np.isfinite(values)):
                i = int(np.flatnonzero(~np.isfinite(values))[0])
                raise StatisticalInputError(f"covariate {cov!r} has an infinite value at row position {i}.")
            cols.append(values)
            names.append(cov)
            terms[cov] = [cov]
    x = np.column_stack(cols) if cols else np.zeros((len(frame), 0))
    return x, names, terms


def _strata_codes(frame: pd.DataFrame, strata: list[str]) -> np.ndarray:
    if not strata:
        return np.zeros(len(frame), dtype=np.int64)
    keys = frame[strata].astype(str).agg("\x1f".join, axis=1) if len(strata) > 1 else frame[strata[0]]
    codes, _ = pd.factorize(keys, sort=True)
    return codes.astype(np.int64)


@dataclass(frozen=True, eq=False)
class CoxRows:
    """The complete-case rows of a Cox model as the fit uses them, sorted by (stratum, time, status):
    times tied as R's timefix (``aeqSurv``), 0/1 status, the design matrix ``x`` (not centred), the
    strata codes, the entry times of ``(start, stop]`` rows (None: all at risk from 0); the model
    columns' ``names``, the covariate -> columns map ``terms`` and the rows dropped as incomplete."""

    time: np.ndarray
    status: np.ndarray
    x: np.ndarray
    strata: np.ndarray
    start: np.ndarray | None
    names: list
    terms: dict
    n_dropped: int
    strata_cols: tuple
    time_col: str
    start_col: str | None
    complete: np.ndarray | None = None  # which rows of the data are these (complete cases)
    order: np.ndarray | None = None  # the complete rows' sort order
    source: tuple = ()  # (weak reference to the data, time, event, strata and start columns)


def _same_source(like: CoxRows | None, source: tuple, complete: np.ndarray) -> bool:
    return (like is not None and like.order is not None and len(like.source) == len(source)
            and like.source[0]() is source[0]() and like.source[1:] == source[1:]
            and np.array_equal(like.complete, complete))


def cox_rows(data: pd.DataFrame, time: str, event: str, covariates, strata=None, start: str | None = None,
             like: CoxRows | None = None) -> CoxRows:
    """Check the model's columns and prepare its rows (:class:`CoxRows`), as R ``coxph`` does before
    fitting: complete cases (``na.omit``), times within sqrt(machine eps) tied, sorted.

    ``like``: the rows of another model of the same data frame (other covariates, same time, event,
    strata and start columns): when its complete cases are these, its tied and sorted times,
    statuses and strata are these rows' too and only the design matrix is built."""
    if not isinstance(data, pd.DataFrame):
        raise StatisticalInputError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    covariates = _as_list(covariates, "covariates")
    if not covariates:
        raise StatisticalInputError("covariates is empty; name at least one column to model.")
    if len(set(covariates)) != len(covariates):
        raise StatisticalInputError(f"covariates names a column twice: {covariates}.")
    strata_cols = _as_list(strata, "strata")
    _check_columns(data, [time], "time")
    _check_columns(data, [event], "event")
    if start is not None:
        _check_columns(data, [start], "start")
    _check_columns(data, covariates, "covariate")
    _check_columns(data, strata_cols, "strata")
    overlap = set(strata_cols) & set(covariates)
    if overlap:
        raise StatisticalInputError(f"column(s) {sorted(overlap)} are both covariates and strata; use one role.")

    used = ([start] if start is not None else []) + [time, event] + covariates + strata_cols
    frame = data[list(dict.fromkeys(used))]
    complete = frame.notna().all(axis=1).to_numpy()
    n_dropped = int((~complete).sum())
    frame = frame.loc[complete] if n_dropped else frame  # (no copy of a registry's rows when none is dropped)
    n = len(frame)
    if n == 0:
        raise StatisticalInputError(
            f"no complete rows: every row misses one of {used}; check the columns for missing values."
        )
    source = (weakref.ref(data), time, event, tuple(strata_cols), start)
    if _same_source(like, source, complete):
        x, names, terms = _design_matrix(frame, covariates)
        return CoxRows(time=like.time, status=like.status, x=x[like.order], strata=like.strata, start=like.start,
                       names=names, terms=terms, n_dropped=n_dropped, strata_cols=tuple(strata_cols), time_col=time,
                       start_col=start, complete=complete, order=like.order, source=source)
    t = as_times(frame[time].to_numpy(), f"column {time!r}").astype(np.float64)
    entry = None
    if start is None:
        t = tie_near_times(t)
    else:
        entry = as_times(frame[start].to_numpy(), f"column {start!r}").astype(np.float64)
        entry, t = np.split(tie_near_times(np.concatenate([entry, t])), 2)  # R's aeqSurv on both
        bad = np.flatnonzero(entry >= t)
        if bad.size:
            i = int(bad[0])
            raise StatisticalInputError(
                f"row {i}: interval ({entry[i]}, {t[i]}] of columns {start!r}, {time!r} does not start before "
                "it stops; each row must have start < stop.")
    status = as_event_codes(frame[event].to_numpy(), n, (1,), f"column {event!r}")
    if int(status.sum()) == 0:
        raise StatisticalInputError(
            f"column {event!r} has no events (all {n} analysed rows are censored); a Cox model needs events."
        )
    x, names, terms = _design_matrix(frame, covariates)
    scodes = _strata_codes(frame, strata_cols)
    order = stable_order(scodes, t, status)  # np.lexsort((status, t, scodes))
    return CoxRows(time=t[order], status=status[order], x=x[order], strata=scodes[order],
                   start=entry[order] if entry is not None else None, names=names, terms=terms,
                   n_dropped=n_dropped, strata_cols=tuple(strata_cols), time_col=time, start_col=start,
                   complete=complete, order=order, source=source)

