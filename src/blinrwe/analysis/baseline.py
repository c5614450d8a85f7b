"""Table 1: baseline characteristics, overall and by group, with tests between groups.

Descriptive statistics as the seeds print them (domain-spec section 5,
"Descriptive: median (range), mean (SD), n (%)"): for a categorical variable
n and % per level among patients with a known value, plus the number missing;
for a continuous variable n, mean, SD, median, quartiles (R ``quantile`` type 7),
min, max and missing.

Tests between groups (patients with a known value only, as R drops ``NA``):

* categorical: Pearson's chi-square (R ``chisq.test``; Yates' continuity
  correction on 2x2 tables, as R's default) when every expected count is >= 5,
  otherwise Fisher's exact test (R ``fisher.test``, :func:`blinrwe.stats.fisher_exact`).
  For a table too large even for its exact network algorithm the chi-square test is
  kept, its method names the fallback and the row notes the small expected counts.
* continuous, two groups: Wilcoxon rank-sum (R ``wilcox.test``: exact p when both
  groups have < 50 values and there are no ties, otherwise the normal
  approximation with continuity and tie correction).
* continuous, three or more groups: Kruskal-Wallis (R ``kruskal.test``).

Not applicable (``NOT_APPLICABLE``): some variables do not apply to some
patients by definition (the relapse type and number of a newly diagnosed
patient; relapse after blinatumomab of a patient who never responded; the
cause of death of a patient who is alive). Their missing values are not "missing": the ``missing`` row counts only
patients to whom the variable applies (``denominator`` = those patients), a
``not_applicable`` row counts the others, and in a group where the variable
applies to nobody (e.g. the newly diagnosed column) the ``missing`` row carries
the note "not_applicable" so the report prints NA.

Whole numbers (``INTEGER_VARIABLES`` and integer dtypes): descriptive rows of
such variables carry the note "integer" (ard.py), so the report prints whole
values without decimals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats as sps

from blinrwe.stats.fisher import fisher_exact

from .ard import ard_frame, ard_row
from .levels import factor_levels, level_labels

__all__ = ["baseline_table", "categorical_test", "continuous_test", "NotApplicableWhen", "NOT_APPLICABLE",
           "INTEGER_VARIABLES", "not_applicable_mask"]

SECTION = "baseline"
TABLE = "table1"


@dataclass(frozen=True)
class NotApplicableWhen:
    """A variable does not apply to patients whose ``column`` is one of ``values`` (``reason`` says why).

    ``values`` are ARD level labels of ``column`` (:func:`blinrwe.analysis.levels.level_labels`): the text
    of a category, "yes"/"no" for a yes/no column. A missing ``column`` value never matches.
    """

    column: str
    values: tuple[str, ...]
    reason: str


_NEWLY_DIAGNOSED = (
    NotApplicableWhen("disease_setting", ("newly_diagnosed",), "newly diagnosed patients have had no relapse"),
    NotApplicableWhen("setting", ("frontline",), "frontline patients have had no relapse"),  # summary form
)
# variable -> conditions tried in order; the first whose column is in the data applies.
NOT_APPLICABLE: dict[str, tuple[NotApplicableWhen, ...]] = {
    "rr_type": _NEWLY_DIAGNOSED,
    "relapse_number": _NEWLY_DIAGNOSED,
    # relapse after blinatumomab presupposes a response (domain-spec 4: relapse from CR/CRi); seed 003
    # leaves it blank for non-responders
    "relapse": (NotApplicableWhen("responder", ("no",), "relapse requires a prior response"),),
    "cause_of_death": (NotApplicableWhen("death", ("no",), "patients alive have no cause of death"),),
    "first_next_therapy_intent": (NotApplicableWhen("further_treatment", ("no",),
                                                    "patients without further therapy have no intent of it"),),
}
# Whole-number variables whose derived column may be float (e.g. relapse number with missing values).
INTEGER_VARIABLES = frozenset({
    "relapse_number", "prior_lines", "blina_line", "cycles_started", "infusion_days_total", "infusion_days_cycle1",
    "full_dose_days", "step_up_days", "vials_min", "n_subsequent_therapies",
})


def not_applicable_mask(adsl: pd.DataFrame, variable: str) -> tuple[np.ndarray | None, str]:
    """Boolean mask of patients to whom ``variable`` does not apply (None when every patient) and the reason."""
    for rule in NOT_APPLICABLE.get(variable, ()):
        if rule.column in adsl.columns:
            labels = level_labels(adsl[rule.column])  # None when missing: never matches
            return labels.isin(rule.values).to_numpy(dtype=bool), rule.reason
    return None, ""


def _join(*notes: str) -> str:
    return "; ".join(n for n in notes if n)


def _is_categorical(series: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def categorical_test(table: np.ndarray) -> tuple[float, str, str]:
    """p-value, method and note for a groups x levels contingency table (rows or columns of zeros dropped)."""
    t = np.asarray(table, dtype=np.int64)
    t = t[t.sum(axis=1) > 0][:, t.sum(axis=0) > 0]
    if t.shape[0] < 2 or t.shape[1] < 2:
        return float("nan"), "", "not_estimable: fewer than two groups or levels with patients"
    expected = sps.contingency.expected_freq(t)
    small = bool((expected < 5).any())
    fallback = ""
    if small:
        fisher = fisher_exact(t)
        if not fisher.note:
            return fisher.p, fisher.method, ""
        fallback = f" ({fisher.method} not computed: {fisher.note})"
    res = sps.chi2_contingency(t, correction=True)
    method = "Pearson's chi-squared test"
    if t.shape == (2, 2):
        method += " with Yates' continuity correction"
    method += fallback
    note = "expected counts < 5" if small else ""
    return float(res.pvalue), method, note


def continuous_test(samples: list[np.ndarray]) -> tuple[float, str, str]:
    """p-value, method and note comparing a continuous variable between groups."""
    samples = [np.asarray(s, dtype=float) for s in samples if len(s) > 0]
    if len(samples) < 2:
        return float("nan"), "", "not_estimable: fewer than two groups with values"
    if len(samples) == 2:
        x, y = samples
        small = len(x) < 50 and len(y) < 50
        exact = small and pd.unique(np.concatenate([x, y])).size == len(x) + len(y)  # no ties
        # Same rule as R wilcox.test(exact = NULL, correct = TRUE).
        res = sps.mannwhitneyu(x, y, alternative="two-sided", use_continuity=True,
                               method="exact" if exact else "asymptotic")
        method = "Wilcoxon rank-sum test" + (" (exact)" if exact else " (normal approximation, continuity correction)")
        return float(res.pvalue), method, ""
    if all(pd.unique(s).size == 1 for s in samples) and np.unique(np.concatenate(samples)).size == 1:
        return float("nan"), "", "not_estimable: all values equal"
    res = sps.kruskal(*samples)
    return float(res.pvalue), "Kruskal-Wallis rank-sum test", ""


def _missing_rows(is_missing: np.ndarray, na: np.ndarray | None, reason: str, rows: list, section, table,
                  note: str, **keys) -> None:
    """The ``missing`` row (patients to whom the variable applies) and, with a rule, the ``not_applicable`` row."""
    size = int(is_missing.size)
    if na is None:
        rows.append(ard_row(section, table, statistic="missing", value=int(is_missing.sum()), denominator=size,
                            note=note, **keys))
        return
    applies = ~na
    flag = "not_applicable" if size and not applies.any() else ""
    rows.append(ard_row(section, table, statistic="missing", value=int((is_missing & applies).sum()),
                        denominator=int(applies.sum()), note=_join(flag, note), **keys))
    rows.append(ard_row(section, table, statistic="not_applicable", value=int((is_missing & na).sum()),
                        denominator=size, method=f"not applicable: {reason}", note=note, **keys))


def _describe_continuous(values: np.ndarray, rows: list, section=SECTION, table=TABLE, *, na=None, reason="",
                         integer=False, **keys) -> None:
    """Descriptive rows of float64 ``values`` (NaN = missing)."""
    is_missing = np.isnan(values)
    v = values[~is_missing]
    n = v.size
    stats = {"n": n}
    if n:
        q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75])  # type 7, as R's default
        stats.update(mean=v.mean(), sd=v.std(ddof=1) if n > 1 else np.nan, median=med, q1=q1, q3=q3,
                     min=v.min(), max=v.max())
    whole = "integer" if integer else ""
    for name, value in stats.items():
        note = _join("not_estimable" if name == "sd" and n < 2 else "", whole)
        rows.append(ard_row(section, table, statistic=name, value=value, denominator=int(is_missing.size),
                            method="" if name == "n" else "sample statistic", note=note, **keys))
    _missing_rows(is_missing, na, reason, rows, section, table, whole, **keys)


def _describe_categorical(codes: np.ndarray, order: list[str], rows: list, section=SECTION, table=TABLE, *,
                          na=None, reason="", **keys) -> None:
    known = codes[codes >= 0]
    denom = int(known.size)
    counts = np.bincount(known, minlength=len(order))
    for j, level in enumerate(order):
        k = int(counts[j])
        rows.append(ard_row(section, table, statistic="n", value=k, level=level, n=k, denominator=denom, **keys))
        rows.append(ard_row(section, table, statistic="pct", value=100.0 * k / denom if denom else np.nan,
                            level=level, n=k, denominator=denom,
                            note="" if denom else "not_applicable: no known values", **keys))
    _missing_rows(codes < 0, na, reason, rows, section, table, "", **keys)


def baseline_table(adsl: pd.DataFrame, variables, group_var: str = "", *, section: str = SECTION,
                   table: str = TABLE) -> pd.DataFrame:
    """ARD rows of Table 1 for ``variables`` (columns of ``adsl``), overall and by ``group_var``.

    Variables absent from ``adsl`` are skipped (the caller records them as unavailable).
    Patients with a missing ``group_var`` count in the overall column only.
    """
    rows: list[dict] = []
    groups: list[tuple[str, pd.Series]] = []
    if group_var:
        gcodes, glabels = factor_levels(adsl[group_var])
        for j, g in enumerate(glabels):
            groups.append((g, gcodes == j))
    rows.append(ard_row(section, table, "patients", "N", len(adsl), n=len(adsl)))
    for g, mask in groups:
        rows.append(ard_row(section, table, "patients", "N", int(mask.sum()), n=int(mask.sum()),
                            group_var=group_var, group=g))
    for var in variables:
        if var not in adsl.columns or var == group_var:
            continue
        col = adsl[var]
        na, reason = not_applicable_mask(adsl, var)

        def sub(mask):
            return None if na is None else na[mask]

        if _is_categorical(col):
            codes, order = factor_levels(col)
            _describe_categorical(codes, order, rows, section, table, na=na, reason=reason, variable=var)
            for g, mask in groups:
                _describe_categorical(codes[mask], order, rows, section, table, na=sub(mask), reason=reason,
                                      variable=var, group_var=group_var, group=g)
            if len(groups) >= 2:
                known = codes >= 0
                counts = np.array([np.bincount(codes[mask & known], minlength=len(order)) for _, mask in groups])
                p, method, note = categorical_test(counts)
                rows.append(ard_row(section, table, var, "test_p", p, group_var=group_var, group="",
                                    denominator=int(counts.sum()), method=method, note=note))
        else:
            values = pd.to_numeric(col, errors="coerce").astype("float64").to_numpy()  # NaN = missing
            integer = var in INTEGER_VARIABLES or pd.api.types.is_integer_dtype(col)
            _describe_continuous(values, rows, section, table, na=na, reason=reason, integer=integer, variable=var)
            for g, mask in groups:
                _describe_continuous(values[mask], rows, section, table, na=sub(mask), reason=reason, integer=integer,
                                     variable=var, group_var=group_var, group=g)
            if len(groups) >= 2:
                samples = [v[~np.isnan(v)] for v in (values[mask] for _, mask in groups)]
                p, method, note = continuous_test(samples)
                rows.append(ard_row(section, table, var, "test_p", p, group_var=group_var, group="",
                                    denominator=int(sum(len(s) for s in samples)), method=method, note=note))
    return ard_frame(rows)
