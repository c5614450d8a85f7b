"""Response rates: best response categories, composites and MRD negativity with exact CIs.

Domain-spec section 3: per window (within 2 cycles, overall; also 12 weeks when
derived) the number of patients whose best response is CR, CRh or CRi, the
composites CR/CRi, CR/CRh, CR/CRh/CRi and MRD negativity (< 1e-4), each as k/N
with the Clopper-Pearson exact CI (domain-spec section 5), overall and per
level of each grouping variable. The denominator is stated on every row
(``denominator``; ``level`` names it for MRD: all treated, MRD available,
responders, MRD-positive at start).

Summary-form studies (no dates) have one window, "overall", from the recorded
best response.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.stats.proportion import proportion_ci

from .ard import ard_frame, ard_row

__all__ = ["response_table", "WINDOWS", "CATEGORIES", "COMPOSITES", "MRD_DENOMINATORS"]

SECTION = "response"
TABLE = "response"
WINDOWS = ("2_cycles", "12_weeks", "overall")
CATEGORIES = ("CR", "CRh", "CRi")
COMPOSITES = ("cr_cri", "cr_crh", "cr_crh_cri")
MRD_DENOMINATORS = ("all_treated", "available", "responders", "positive_at_t0")
_COMPOSITE_MEMBERS = {"cr_cri": ("CR", "CRh", "CRi"), "cr_crh": ("CR", "CRh"), "cr_crh_cri": ("CR", "CRh", "CRi")}


def _flag(series: pd.Series) -> np.ndarray:
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _proportion_rows(k: int, n: int, conf: float, **keys) -> dict:
    if n == 0:
        return ard_row(SECTION, TABLE, statistic="proportion", value=None, n=k, denominator=0,
                       note="not_applicable: empty denominator", **keys)
    ci = proportion_ci(k, n, method="clopper-pearson", level=conf)
    return ard_row(SECTION, TABLE, statistic="proportion", value=ci.estimate, lower=ci.lower, upper=ci.upper,
                   n=ci.k, denominator=ci.n, method=f"{ci.method}, {int(round(conf * 100))}% CI", **keys)


def _windows(adsl: pd.DataFrame) -> list[tuple[str, str]]:
    """(window name, best-response column) present in ``adsl``."""
    found = [(w, f"best_response_{w}") for w in WINDOWS if f"best_response_{w}" in adsl.columns]
    if not found and "best_response" in adsl.columns:
        found = [("overall", "best_response")]
    return found


def _window_rows(sub: pd.DataFrame, window: str, col: str, level: float, keys: dict) -> list[dict]:
    rows = []
    n = len(sub)
    best = sub[col].astype(object)
    for cat in CATEGORIES:
        if cat == "CRh" and not best.eq("CRh").any() and window == "overall" and col == "best_response":
            continue  # summary form has no CRh category
        rows.append(_proportion_rows(int(best.eq(cat).sum()), n, level, variable=cat, level=window, **keys))
    for comp in COMPOSITES:
        column = f"{comp}_{window}" if f"{comp}_{window}" in sub.columns else comp
        k = int(_flag(sub[column]).sum()) if column in sub.columns else int(best.isin(_COMPOSITE_MEMBERS[comp]).sum())
        rows.append(_proportion_rows(k, n, level, variable=comp, level=window, **keys))
    evaluable = int(best.notna().sum())
    rows.append(ard_row(SECTION, TABLE, "evaluable", "n", evaluable, level=window, n=evaluable, denominator=n,
                        method="count", **keys))
    mrd_col = f"mrd_negative_{window}" if f"mrd_negative_{window}" in sub.columns else (
        "mrd_negative" if "mrd_negative" in sub.columns and window == "overall" else "")
    if mrd_col:
        mrd = _flag(sub[mrd_col])
        for denom in MRD_DENOMINATORS:
            dcol = f"mrd_denominator_{denom}"
            if denom == "all_treated":
                mask = np.ones(n, dtype=bool) if dcol not in sub.columns else _flag(sub[dcol])
            elif dcol in sub.columns and _flag(sub[dcol]).any():
                mask = _flag(sub[dcol])
            else:
                continue  # denominator not derived or empty (e.g. no MRD at start recorded)
            rows.append(_proportion_rows(int((mrd & mask).sum()), int(mask.sum()), level, variable="mrd_negative",
                                         level=f"{window}|{denom}", **keys))
    return rows


def response_table(adsl: pd.DataFrame, subgroups=(), *, level: float = 0.95, extra_groups=()) -> pd.DataFrame:
    """ARD rows of the response table, overall and by each grouping column.

    ``level`` column of a row = the window ("2_cycles", "overall", ...); for MRD rows
    "<window>|<denominator>". ``extra_groups`` are (name, boolean mask) subsets such as
    ``("blasts_gt50", mask)`` reported like a group level (``group_var`` = name, group "yes").
    """
    rows: list[dict] = []
    windows = _windows(adsl)
    for window, col in windows:
        rows.extend(_window_rows(adsl, window, col, level, {}))
        for gvar in subgroups:
            if gvar not in adsl.columns:
                continue
            values = adsl[gvar]
            if pd.api.types.is_bool_dtype(values):
                labels = values.map({True: "yes", False: "no"})
            else:
                labels = values.astype(object).map(lambda v: v if v is None or v is pd.NA else str(v))
            for g in sorted(labels.dropna().unique()):
                sub = adsl[(labels == g).to_numpy()]
                rows.extend(_window_rows(sub, window, col, level, dict(group_var=gvar, group=g)))
        for name, mask in extra_groups:
            sub = adsl[np.asarray(mask, dtype=bool)]
            rows.extend(_window_rows(sub, window, col, level, dict(group_var=name, group="yes")))
    return ard_frame(rows)
