"""Time-to-event analyses: Kaplan-Meier per endpoint x censoring variant x group.

For each endpoint (domain-spec section 4) and censoring variant, overall and
per level of each grouping variable: events / N, median with its
Brookmeyer-Crowley CI (``note`` "not_reached" when S(t) never falls to 0.5,
"not_estimable" for a bound that cannot be estimated), landmark rates with
their pointwise CI and Greenwood SE ("beyond_follow_up" when follow-up does not
reach the landmark; bounds (1, 1) at S = 1, see :func:`degenerate_bounds`), the
log-rank test between the levels ("not_estimable: <reason>" when it cannot be
computed), and the median follow-up (reverse Kaplan-Meier and simple median,
domain-spec section 4).
Also the step data of every curve and the numbers at risk for the figures.

All estimates come from :mod:`blinrwe.stats`; nothing is formatted here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.derive.endpoints import T0_ORIGIN
from blinrwe.derive.post_baseline import post_baseline_event
from blinrwe.errors import StatisticalInputError
from blinrwe.stats.counts import event_counts, grouped_event_counts
from blinrwe.stats.follow_up import median_follow_up_from_counts
from blinrwe.stats.kaplan_meier import kaplan_meier_from_counts
from blinrwe.stats.logrank import logrank_from_counts

from .ard import ard_row, not_estimable
from .levels import codes_at, factor_levels, patient_positions, present_categorical
from .results import CURVE_COLUMNS, RISK_TABLE_COLUMNS

__all__ = ["survival_analyses", "split_endpoints", "subgroup_codes", "figure_ticks", "time_column", "curve_rows",
           "degenerate_bounds", "SurvivalOutput", "IMMORTAL_TIME", "immortal_time_flag", "flag_rows",
           "time_origin_row"]

SECTION = "survival"
TABLE = "survival"
#: ARD note flag of every row of a comparison by a group defined after the first infusion
#: ("immortal_time: allo-HSCT"; the variables are declared in blinrwe.derive.post_baseline).
IMMORTAL_TIME = "immortal_time"


def immortal_time_flag(group_var: str) -> str:
    """"immortal_time: <event>" when ``group_var`` (or the variable of "<variable>|<subset>") is
    defined by an event after the first infusion, else ""."""
    variable, _, subset = str(group_var).partition("|")
    if subset and subset.partition("=")[0] == variable:  # a subset alone ([survival] within): nothing is compared
        return ""
    event = post_baseline_event(variable)
    return f"{IMMORTAL_TIME}: {event}" if event else ""


def flag_rows(rows: list[dict], flag: str) -> None:
    """Add ``flag`` to the ``note`` of each ARD row of ``rows`` (flags joined by "; ")."""
    if flag:
        for r in rows:
            r["note"] = f"{r['note']}; {flag}" if r["note"] else flag


def time_origin_row(section: str, endpoint: str, variant: str, origin: str) -> dict:
    """The ARD row saying what time 0 of ``endpoint`` is (``level`` = the origin in words, no value)."""
    return ard_row(section, section, endpoint, "time_origin", None, level=origin, variant=variant)


def time_column(time_unit: str) -> str:
    """Column of ``AnalysisData.tte`` holding times in ``time_unit``."""
    return "time_months" if time_unit == "months" else "time_days"


def split_endpoints(tte: pd.DataFrame, endpoints) -> dict:
    """Rows of ``tte`` per (endpoint, variant) of ``endpoints``, split in one pass.

    When each pair's rows are one block (derive's layout: sorted by endpoint and
    variant), the blocks are found by comparing neighbouring rows and each part is a
    slice sharing ``tte``'s memory, not a copy (at a registry's size the copies were
    the analysis's largest allocation, and hashing the two text columns of ten
    million rows its costliest step). Otherwise endpoint and variant are factorised
    once and the row numbers sorted by the combined integer key; each part keeps its
    rows in table order (a slice where they are adjacent).
    """
    if tte.empty:
        return {}
    runs = _pair_runs(tte["endpoint"].to_numpy(), tte["variant"].to_numpy())
    if runs is not None:  # derive's layout: each (endpoint, variant) one block of rows, no factorising
        wanted, variants = set(endpoints), list(dict.fromkeys(v for _, v in runs))
        parts = {}
        for e in dict.fromkeys(e for e, _ in runs):
            if e in wanted:
                for v in variants:
                    if (e, v) in runs:
                        lo, hi = runs[(e, v)]
                        parts[(e, v)] = tte.iloc[lo:hi]
        return parts
    e_codes, e_labels = pd.factorize(tte["endpoint"])
    v_codes, v_labels = pd.factorize(tte["variant"])
    wanted = [i for i, e in enumerate(e_labels) if e in set(endpoints)]
    if not wanted:
        return {}
    key = e_codes.astype(np.int64) * len(v_labels) + v_codes
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    parts = {}
    for i in wanted:
        for j, variant in enumerate(v_labels):
            k = i * len(v_labels) + j
            lo, hi = np.searchsorted(sorted_key, [k, k + 1])
            if hi > lo:
                rows = order[lo:hi]  # increasing (a stable sort)
                adjacent = rows[-1] - rows[0] == hi - lo - 1
                parts[(e_labels[i], variant)] = tte.iloc[rows[0]:rows[-1] + 1] if adjacent else tte.iloc[rows]
    return parts


def _pair_runs(endpoint: np.ndarray, variant: np.ndarray, max_runs: int = 10_000) -> dict | None:
    """``{(endpoint, variant): (first row, end row)}`` in table order when each pair's rows are one block
    (found by comparing neighbours: no hashing of the long text columns); None otherwise."""
    try:
        change = np.ones(endpoint.size, dtype=bool)
        np.not_equal(endpoint[1:], endpoint[:-1], out=change[1:])
        change[1:] |= np.not_equal(variant[1:], variant[:-1])
    except (TypeError, ValueError):  # values that do not compare as true or false (pd.NA)
        return None
    starts = np.flatnonzero(change)
    if starts.size > max_runs:
        return None
    pairs = list(zip(endpoint[starts].tolist(), variant[starts].tolist()))
    if len(set(pairs)) != len(pairs) or any(not isinstance(x, str) for pair in pairs for x in pair):
        return None
    return dict(zip(pairs, zip(starts.tolist(), [*starts[1:].tolist(), endpoint.size])))


def endpoint_parts(parts: dict, endpoints, variants=("none",)):
    """(endpoint, variant, rows) for each requested pair that has rows, in request order."""
    for endpoint in endpoints:
        for variant in variants:
            sel = parts.get((endpoint, variant))
            if sel is not None and not sel.empty:
                yield endpoint, variant, sel


def figure_ticks(max_time: float, time_unit: str) -> np.ndarray:
    """Tick times of a survival figure's x axis (and its risk table): 0 to max in round steps, <= 9 ticks."""
    steps = (1, 3, 6, 12, 24, 36, 60, 120) if time_unit == "months" else (7, 14, 30, 90, 180, 365, 730, 1825, 3650)
    if not np.isfinite(max_time) or max_time <= 0:
        return np.array([0.0])
    step = next((s for s in steps if max_time / s <= 8), steps[-1])
    return np.arange(0.0, max_time + 1e-9, step)


class SurvivalOutput:
    """ARD rows, curve rows and risk-table rows collected across analyses; ``counts``: the whole cohort's
    tabulations, ``(endpoint, variant, time column, grouping or "") -> (patients with a known group,
    counts)``, kept for the summary measures of the same rows (analysis/summary_measures.py)."""

    def __init__(self):
        self.rows: list[dict] = []
        self.curves: list[pd.DataFrame] = []
        self.risk: list[pd.DataFrame] = []
        self.counts: dict[tuple, tuple] = {}

    def frames(self) -> tuple[list[dict], pd.DataFrame, pd.DataFrame]:
        curves = pd.concat(self.curves, ignore_index=True) if self.curves else pd.DataFrame(columns=CURVE_COLUMNS)
        risk = pd.concat(self.risk, ignore_index=True) if self.risk else pd.DataFrame(columns=RISK_TABLE_COLUMNS)
        return self.rows, curves, risk


def degenerate_bounds(estimate, lower, upper, at: float) -> tuple[np.ndarray, np.ndarray]:
    """Confidence bounds ``(at, at)`` wherever the estimate is exactly ``at`` and a bound is NaN.

    One convention for an estimate with no uncertainty: a Kaplan-Meier S(t) = 1 (no event
    yet, Greenwood SE 0) has bounds (1, 1), as R survival >= 3.6 gives for every CI
    transform (3.5 and the log-log formula give NaN after the first censoring, (1, 1)
    before it, so one row printed "100.0-100.0" beside "NE-NE"); a cumulative incidence
    F(t) = 0 has (0, 0) likewise (docs/statistics.md, "Pointwise CI").
    """
    estimate = np.asarray(estimate, dtype=float)
    lower, upper = np.array(lower, dtype=float), np.array(upper, dtype=float)
    fill = (estimate == at) & (np.isnan(lower) | np.isnan(upper))
    lower[fill] = at
    upper[fill] = at
    return lower, upper


def curve_rows(km, *, endpoint, variant, group_var, group, kind="km", time_origin=T0_ORIGIN) -> pd.DataFrame:
    """Step data of one KM curve, starting at time 0 with S = 1 (bounds (1, 1) while S = 1)."""
    c = km.counts
    lower, upper = degenerate_bounds(km.surv, km.lower, km.upper, 1.0)
    analysis = f"{endpoint}:{variant}:{group_var}"
    n = int(c.time.size)
    start_at_zero = n == 0 or c.time[0] > 0

    def col(first, values):
        return np.concatenate([[first], values]) if start_at_zero else np.asarray(values)

    frame = pd.DataFrame({
        "analysis": analysis,
        "endpoint": endpoint,
        "variant": variant,
        "group_var": group_var,
        "group": group,
        "kind": kind,
        "time": col(0.0, c.time),
        "estimate": col(1.0, km.surv),
        "lower": col(1.0, lower),
        "upper": col(1.0, upper),
        "n_risk": col(c.n, c.n_risk),
        "n_event": col(0, c.n_event),
        "n_censor": col(0, c.n_censor),
        "time_origin": time_origin,
    })
    return frame[list(CURVE_COLUMNS)]


def _rate_method(km_method: str, level: float) -> str:
    """Method of landmark rates: the KM method without its quantile-CI part (which is about medians)."""
    parts = [p for p in km_method.split("; ") if "quantile" not in p]
    return "; ".join(parts) + f"; {int(round(level * 100))}% CI"


def _km_rows(km, landmarks, time_unit, method, keys: dict) -> list[dict]:
    rows = [
        ard_row(SECTION, TABLE, statistic="events", value=km.n_events, n=km.n_events, denominator=km.n,
                method="count", **keys),
    ]
    med = km.median()
    note = "not_reached" if not med.reached else ""
    if med.reached and (med.lower is None or med.upper is None):
        note = "not_estimable"
    if not med.reached and med.lower is None:
        note = "not_reached"
    rows.append(ard_row(SECTION, TABLE, statistic="km_median", value=med.estimate, lower=med.lower, upper=med.upper,
                        n=km.n_events, denominator=km.n, time_unit=time_unit, method=med.method, note=note, **keys))
    if landmarks:
        at = km.at(list(landmarks))
        at["lower"], at["upper"] = degenerate_bounds(at["survival"], at["lower"], at["upper"], 1.0)
        for rec in at.itertuples(index=False):
            flag = "" if rec.estimable else "beyond_follow_up"
            rows.append(ard_row(SECTION, TABLE, statistic="km_rate", value=rec.survival, lower=rec.lower,
                                upper=rec.upper, n=rec.n_risk, denominator=km.n, time=rec.time,
                                time_unit=time_unit, method=method, note=flag, **keys))
            rows.append(ard_row(SECTION, TABLE, statistic="km_se", value=rec.std_err, n=rec.n_risk,
                                denominator=km.n, time=rec.time, time_unit=time_unit,
                                method="Greenwood standard error of S(t)", note=flag, **keys))
    return rows


def _logrank_rows(grouped, keys: dict) -> list[dict]:
    """Log-rank test between the levels (chi-square and p).

    A test that cannot be computed (fewer than two groups with expected events, a singular
    variance, a statistic or p that is not a finite number) gives NaN with the reason in
    the note, printed NE with a footnote; it never raises.
    """
    try:
        res = logrank_from_counts(grouped)
    except StatisticalInputError as err:
        return [ard_row(SECTION, TABLE, statistic="logrank_p", value=None, note=not_estimable(str(err)), **keys)]
    common = dict(denominator=int(grouped.n.sum()), n=int(grouped.n_event.sum()), method=res.method, **keys)
    if not (np.isfinite(res.chisq) and np.isfinite(res.p)):
        reason = res.note or ("fewer than two groups with events expected (log-rank test not estimable)" if res.df < 1 else
                  "the variance of observed minus expected events is zero (log-rank test not estimable)")
        common["note"] = not_estimable(reason)
        return [ard_row(SECTION, TABLE, statistic="logrank_chisq", value=None, **common),
                ard_row(SECTION, TABLE, statistic="logrank_p", value=None, **common)]
    return [ard_row(SECTION, TABLE, statistic="logrank_chisq", value=res.chisq, **common),
            ard_row(SECTION, TABLE, statistic="logrank_p", value=res.p, **common)]


def subgroup_codes(adsl: pd.DataFrame, subgroups) -> dict[str, tuple[np.ndarray, list[str]]]:
    """``factor_levels`` of each grouping column present in ``adsl``, computed once per analysis."""
    return {g: factor_levels(adsl[g]) for g in dict.fromkeys(subgroups) if g in adsl.columns}


def survival_analyses(tte: pd.DataFrame, adsl: pd.DataFrame, *, endpoints, variants, subgroups, time_unit,
                      landmarks, level=0.95, ci_transform="log-log", out: SurvivalOutput | None = None,
                      parts: dict | None = None, origins=None, overall: bool = True,
                      group_test=None) -> SurvivalOutput:
    """KM analyses of every endpoint x variant, overall and by each subgroup column of ``adsl``.

    ``tte`` is ``AnalysisData.tte`` restricted to the analysis set; competing-risk
    endpoints (with ``event_type``) are analysed in :mod:`.competing` instead.
    ``parts``: :func:`split_endpoints` of ``tte`` when the caller already has it.
    ``origins``: endpoint -> what its time 0 is, in words (default: the first
    infusion); ``overall=False`` gives only the comparisons by the subgroups (a
    comparison within a subset, whose whole-cohort rows are given elsewhere).
    Every row of a comparison by a variable defined after the first infusion
    carries the note flag :data:`IMMORTAL_TIME`. ``group_test``: the test between groups
    chosen by the specification (:func:`.group_tests.group_tests`; None = log-rank).
    """
    out = out or SurvivalOutput()
    origins = origins or {}
    tcol = time_column(time_unit)
    parts = split_endpoints(tte, endpoints) if parts is None else parts
    groupings = subgroup_codes(adsl, subgroups)
    for endpoint, variant, sel in endpoint_parts(parts, endpoints, variants):
        origin = origins.get(endpoint, T0_ORIGIN)
        time = sel[tcol].to_numpy(dtype=float)
        event = sel["event"].to_numpy(dtype=np.int64)
        positions = patient_positions(adsl, sel["patient_id"]) if groupings else None
        tabulated = _grouped_counts(groupings, positions, time, event)
        if overall:
            out.counts.update({(endpoint, variant, tcol, gvar): (int(known.sum()), grouped)
                               for gvar, (known, _, grouped) in tabulated.items()})
        # one tabulation per analysis: the overall counts are a grouping's pooled counts when it covers everyone
        whole = next((grouped for known, _, grouped in tabulated.values() if known.all()), None)
        counts = event_counts(time, event) if whole is None else whole.pooled()
        if overall:
            out.counts[(endpoint, variant, tcol, "")] = (int(time.size), counts)
        km = kaplan_meier_from_counts(counts, conf_type=ci_transform, level=level)
        method = _rate_method(km.method, level)
        ticks = figure_ticks(float(time.max()) if time.size else 0.0, time_unit)
        if overall:
            keys = dict(variable=endpoint, variant=variant)
            out.rows.append(time_origin_row(SECTION, endpoint, variant, origin))
            out.rows.extend(_km_rows(km, landmarks, time_unit, method, keys))
            fu = median_follow_up_from_counts(counts, float(np.median(time)) if time.size else float("nan"),
                                              conf_type=ci_transform, level=level)
            rk = fu.reverse_km
            out.rows.append(ard_row("followup", "survival", endpoint, "followup_median", rk.estimate, lower=rk.lower,
                                    upper=rk.upper, denominator=fu.n, time_unit=time_unit,
                                    method="reverse Kaplan-Meier median follow-up",
                                    note="" if rk.reached else "not_reached", variant=variant))
            out.rows.append(ard_row("followup", "survival", endpoint, "followup_simple_median", fu.simple_median,
                                    denominator=fu.n, time_unit=time_unit,
                                    method="median of observation times (events and censorings)", variant=variant))
            out.curves.append(curve_rows(km, endpoint=endpoint, variant=variant, group_var="", group="Overall",
                                         time_origin=origin))
            out.risk.append(_risk_rows(km, ticks, endpoint, variant, "", "Overall", origin))
        for gvar, (known, g, grouped) in tabulated.items():
            labels = groupings[gvar][1]
            first_row = len(out.rows)
            for label in grouped.groups:
                gkm = kaplan_meier_from_counts(grouped.group(label), conf_type=ci_transform, level=level)
                gkeys = dict(variable=endpoint, variant=variant, group_var=gvar, group=label)
                out.rows.extend(_km_rows(gkm, landmarks, time_unit, method, gkeys))
                out.curves.append(curve_rows(gkm, endpoint=endpoint, variant=variant, group_var=gvar, group=label,
                                             time_origin=origin))
                out.risk.append(_risk_rows(gkm, ticks, endpoint, variant, gvar, label, origin))
            if len(grouped.groups) >= 2:
                tkeys = dict(variable=endpoint, variant=variant, group_var=gvar, group="")
                out.rows.extend(_logrank_rows(grouped, tkeys) if group_test is None else group_test(
                    time[known], event[known], present_categorical(g, labels),
                    sel["patient_id"].to_numpy()[known], tkeys))
            flag_rows(out.rows[first_row:], immortal_time_flag(gvar))
    return out


def _grouped_counts(groupings, positions, time, event) -> dict:
    """Subgroup variable -> (who has a known group, group codes, counts by group), one
    tabulation each; variables nobody has a value of are left out."""
    out = {}
    for gvar, (codes, labels) in groupings.items():
        g = codes_at(codes, positions)
        known = g >= 0
        if known.any():
            out[gvar] = (known, g, grouped_event_counts(time[known], event[known], present_categorical(g, labels)))
    return out


def _risk_rows(km, ticks, endpoint, variant, group_var, group, time_origin=T0_ORIGIN) -> pd.DataFrame:
    c = km.counts
    idx = np.searchsorted(c.time, ticks, side="left")
    n_risk = np.where(idx < c.time.size, c.n_risk[np.minimum(idx, max(c.time.size - 1, 0))], 0) if c.time.size \
        else np.zeros(ticks.size, dtype=np.int64)
    return pd.DataFrame({"analysis": f"{endpoint}:{variant}:{group_var}", "endpoint": endpoint, "variant": variant,
                         "group_var": group_var, "group": group, "time": ticks,
                         "n_risk": n_risk.astype(np.int64), "time_origin": time_origin})[list(RISK_TABLE_COLUMNS)]
