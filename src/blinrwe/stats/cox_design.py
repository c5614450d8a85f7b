"""The covariates of a proportional-hazards model as R builds them: the design matrix (treatment
contrasts: one column per non-reference level of a categorical covariate) and the strata codes.
Shared by :mod:`blinrwe.stats.cox` and :mod:`blinrwe.stats.fine_gray`.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from blinrwe.errors import StatisticalInputError


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
