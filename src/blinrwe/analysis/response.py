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

When the study gives its headline rates among a population
(``DeriveSettings.response_population``, e.g. seed 000: "12 of the 15 patients
with overt marrow disease"), the rows of each population come first, with
level "<window>|<population>" (``overt_disease``, then ``in_cr_at_t0``: the
patients in CR at the start, whose CR is sustained rather than reached), and a
``population`` row per window names it (``method`` = the population in words,
value = its patients); the rows of all patients follow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.stats.proportion import proportion_ci

from .ard import ard_frame, ard_row
from .levels import factor_levels

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


def _window_arrays(adsl: pd.DataFrame, window: str, col: str) -> dict:
    """Per-patient arrays of one window, computed once (subsets are boolean masks over them)."""
    best = adsl[col].astype(object).to_numpy()
    known = pd.notna(best)
    arrays = {"known": known}
    cats = {cat: best == cat for cat in CATEGORIES}
    arrays["categories"] = cats
    arrays["show_crh"] = not (col == "best_response" and not cats["CRh"].any())
    comps = {}
    for comp in COMPOSITES:
        column = f"{comp}_{window}" if f"{comp}_{window}" in adsl.columns else comp
        comps[comp] = _flag(adsl[column]) if column in adsl.columns else np.isin(best, _COMPOSITE_MEMBERS[comp])
    arrays["composites"] = comps
    mrd_col = f"mrd_negative_{window}" if f"mrd_negative_{window}" in adsl.columns else (
        "mrd_negative" if "mrd_negative" in adsl.columns and window == "overall" else "")
    arrays["mrd"] = _flag(adsl[mrd_col]) if mrd_col else None
    denominators = {}
    for denom in MRD_DENOMINATORS:
        dcol = f"mrd_denominator_{denom}"
        if dcol in adsl.columns:
            denominators[denom] = _flag(adsl[dcol])
        elif denom == "all_treated":
            denominators[denom] = np.ones(len(adsl), dtype=bool)
    arrays["denominators"] = denominators
    return arrays


def _window_rows(arrays: dict, mask: np.ndarray, window: str, level: float, keys: dict) -> list[dict]:
    rows = []
    n = int(mask.sum())
    for cat, hit in arrays["categories"].items():
        if cat == "CRh" and not arrays["show_crh"]:
            continue  # the summary form has no CRh category
        rows.append(_proportion_rows(int((hit & mask).sum()), n, level, variable=cat, level=window, **keys))
    for comp, hit in arrays["composites"].items():
        rows.append(_proportion_rows(int((hit & mask).sum()), n, level, variable=comp, level=window, **keys))
    evaluable = int((arrays["known"] & mask).sum())
    rows.append(ard_row(SECTION, TABLE, "evaluable", "n", evaluable, level=window, n=evaluable, denominator=n,
                        method="count", **keys))
    mrd = arrays["mrd"]
    if mrd is not None:
        for denom, dmask in arrays["denominators"].items():
            if denom != "all_treated" and not dmask.any():
                continue  # denominator not derived or empty (e.g. no MRD at start recorded)
            sub = dmask & mask
            rows.append(_proportion_rows(int((mrd & sub).sum()), int(sub.sum()), level, variable="mrd_negative",
                                         level=f"{window}|{denom}", **keys))
    return rows


def _population_rows(arrays: dict, mask: np.ndarray, window: str, level: float, keys: dict,
                     code: str, description: str) -> list[dict]:
    """Categories, composites, evaluable count and MRD negativity among one population (level
    "<window>|<code>"), after the ``population`` row naming it."""
    n = int(mask.sum())
    lv = f"{window}|{code}"
    rows = [ard_row(SECTION, TABLE, code, "population", n, level=lv, n=n, method=description, **keys)]
    for cat, hit in arrays["categories"].items():
        if cat == "CRh" and not arrays["show_crh"]:
            continue
        rows.append(_proportion_rows(int((hit & mask).sum()), n, level, variable=cat, level=lv, **keys))
    for comp, hit in arrays["composites"].items():
        rows.append(_proportion_rows(int((hit & mask).sum()), n, level, variable=comp, level=lv, **keys))
    evaluable = int((arrays["known"] & mask).sum())
    rows.append(ard_row(SECTION, TABLE, "evaluable", "n", evaluable, level=lv, n=evaluable, denominator=n,
                        method="count", **keys))
    if arrays["mrd"] is not None:
        rows.append(_proportion_rows(int((arrays["mrd"] & mask).sum()), n, level, variable="mrd_negative",
                                     level=lv, **keys))
    return rows


def response_table(adsl: pd.DataFrame, subgroups=(), *, level: float = 0.95, extra_groups=(),
                   populations=()) -> pd.DataFrame:
    """ARD rows of the response table, overall and by each grouping column.

    ``level`` column of a row = the window ("2_cycles", "overall", ...); for MRD rows
    "<window>|<denominator>". ``extra_groups`` are (name, boolean mask) subsets such as
    ``("blasts_gt50", mask)`` reported like a group level (``group_var`` = name, group "yes").
    ``populations``: (code, description, boolean mask) of the populations the headline
    rates are given among, in order (module docstring); their rows come first.
    """
    rows: list[dict] = []
    everyone = np.ones(len(adsl), dtype=bool)
    groupings = []
    for gvar in subgroups:
        if gvar in adsl.columns:
            codes, labels = factor_levels(adsl[gvar])
            groupings.append((gvar, [(g, codes == j) for j, g in enumerate(labels)]))
    for window, col in _windows(adsl):
        arrays = _window_arrays(adsl, window, col)
        for code, description, pmask in populations:
            pmask = np.asarray(pmask, dtype=bool)
            rows.extend(_population_rows(arrays, pmask, window, level, {}, code, description))
            for gvar, groups in groupings:
                for g, mask in groups:
                    rows.extend(_population_rows(arrays, mask & pmask, window, level, dict(group_var=gvar, group=g),
                                                 code, description))
        rows.extend(_window_rows(arrays, everyone, window, level, {}))
        for gvar, groups in groupings:
            for g, mask in groups:
                rows.extend(_window_rows(arrays, mask, window, level, dict(group_var=gvar, group=g)))
        for name, mask in extra_groups:
            rows.extend(_window_rows(arrays, np.asarray(mask, dtype=bool), window, level,
                                     dict(group_var=name, group="yes")))
    return ard_frame(rows)
