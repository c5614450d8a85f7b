"""Summary measures of time-to-event endpoints beside the Kaplan-Meier medians (issue 9).

* Restricted mean survival time (RMST) to ``[survival] rmst_tau`` (table "rmst"): the
  mean time event-free within the first tau, per endpoint x censoring variant, overall and
  per level of each grouping variable (:func:`blinrwe.stats.rmst.rmst_from_counts`, equal to
  R ``summary(survfit(...), rmean = tau)``); for a grouping with two levels, the first level
  minus the second with a normal CI and Wald p (statistics ``rmst_diff``, ``rmst_diff_p``).
* The difference in Kaplan-Meier survival between the two levels of a grouping at each
  landmark (table "survival_difference"; :func:`blinrwe.stats.survival_difference.survival_difference_from_counts`,
  Greenwood SEs, normal CI, Wald p; statistics ``surv_diff`` as a fraction, ``surv_diff_p``).

Tau beyond follow-up: R carries the curve flat from the last observed time to tau, which
extrapolates when that time is a censoring. Here the RMST of a group whose follow-up ends
before tau with its curve above 0 is not estimable ("not_estimable: tau ... beyond the
follow-up ..."), and so is a difference involving it; a curve that reached 0 is exact to
any tau (docs/statistics.md, "RMST"). A landmark beyond either group's follow-up gives a
survival difference NE likewise.

ARD rows (analysis/ard.py): ``variable`` = endpoint, ``time`` = tau or the landmark;
``rmst`` / ``rmst_se`` per group (n = events, denominator = patients); difference rows have
``group`` "" and ``level`` "<first>|<second>" (the two levels compared, in that order),
denominator = patients of both. Comparisons by a group defined after the first infusion
carry the ``immortal_time`` flag.
"""

from __future__ import annotations

import numpy as np

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.counts import EventCounts, event_counts, grouped_event_counts
from blinrwe.stats.kaplan_meier import kaplan_meier_from_counts
from blinrwe.stats.rmst import rmst_from_counts
from blinrwe.stats.survival_difference import survival_difference_from_counts

from .ard import ard_row, not_estimable
from .levels import codes_at, patient_positions, present_categorical
from .survival import endpoint_parts, flag_rows, immortal_time_flag, split_endpoints, subgroup_codes, time_column

__all__ = ["rmst_rows", "survival_difference_rows", "SECTION"]

SECTION = "summary_measures"


def _beyond(counts: EventCounts, tau: float) -> str:
    """Why the RMST of one curve to ``tau`` is not estimable ("" when it is)."""
    if counts.n == 0:
        return "no patients in the group"
    last = float(counts.time[-1]) if counts.time.size else 0.0
    if tau <= last:
        return ""
    km = kaplan_meier_from_counts(counts)
    if km.surv.size and km.surv[-1] == 0:
        return ""  # every patient had the event: the curve is 0 to any tau, the area exact
    return (f"tau = {tau:g} is beyond the follow-up (last observed time {last:g}); the restricted mean would "
            "extrapolate the curve flat as R survfit(rmean = ) does")


def _rmst_block(by_group: dict, tau: float, level: float, keys: dict, time_unit: str, compare: bool) -> list[dict]:
    res = rmst_from_counts(by_group, tau, level)
    rows, why_of = [], {}
    for label, rec in zip(by_group, res.table.itertuples(index=False)):
        why = _beyond(by_group[label], tau)
        why_of[label] = why
        value, lower, upper, se = (None,) * 4 if why else (rec.rmst, rec.lower, rec.upper, rec.se)
        common = dict(n=rec.n_events, denominator=rec.n, time=tau, time_unit=time_unit, method=res.method,
                      note=not_estimable(why) if why else "", **{**keys, "group": label if compare else "Overall"})
        rows.append(ard_row(SECTION, "rmst", statistic="rmst", value=value, lower=lower, upper=upper, **common))
        rows.append(ard_row(SECTION, "rmst", statistic="rmst_se", value=se, **common))
    if compare and res.difference is not None:
        first, second = list(by_group)
        d = res.difference.iloc[0]
        why = next((f"the restricted mean of a group is not estimable: {w}" for w in why_of.values() if w), "")
        est = [None] * 4 if why else [d["estimate"], d["lower"], d["upper"], d["p"]]
        common = dict(level=f"{first}|{second}", denominator=int(res.table["n"].sum()),
                      n=int(res.table["n_events"].sum()), time=tau, time_unit=time_unit,
                      note=not_estimable(why) if why else "", **{**keys, "group": ""})
        rows.append(ard_row(SECTION, "rmst", statistic="rmst_diff", value=est[0], lower=est[1], upper=est[2],
                            method=f"difference in restricted mean ({first} minus {second}), normal "
                                   f"{res.level:.0%} CI", **common))
        rows.append(ard_row(SECTION, "rmst", statistic="rmst_diff_p", value=est[3],
                            method="Wald test of the difference in restricted mean (two-sided)", **common))
    return rows


def _counts_by(sel, adsl, tcol: str, gvar: str, codes, labels, positions):
    """(patients with a known ``gvar``, their counts by group; None when nobody has one), tabulated here."""
    g = codes_at(codes, positions)
    known = g >= 0
    if not known.any():
        return None
    time = sel[tcol].to_numpy(dtype=float)[known]
    event = sel["event"].to_numpy(dtype=np.int64)[known]
    return int(known.sum()), grouped_event_counts(time, event, present_categorical(g, labels))


def _tabulations(sel, adsl, tcol, groupings, kept: dict | None, endpoint: str, variant: str):
    """Grouping -> (patients with a known group, counts by group) of one endpoint x variant: the survival
    analyses' tabulations (``kept``: :attr:`~.survival.SurvivalOutput.counts`) when they made them."""
    out, positions = {}, None
    for gvar, (codes, labels) in groupings.items():
        found = kept.get((endpoint, variant, tcol, gvar)) if kept is not None else None
        if found is None:
            if positions is None:
                positions = patient_positions(adsl, sel["patient_id"])
            found = _counts_by(sel, adsl, tcol, gvar, codes, labels, positions)
        if found is not None:
            out[gvar] = found
    return out


def rmst_rows(tte, adsl, *, endpoints, variants, subgroups, time_unit, tau, level=0.95, parts=None,
              counts: dict | None = None) -> list[dict]:
    """RMST rows of every endpoint x variant, overall and by each grouping (module docstring); ``counts``:
    the survival analyses' tabulations of the same ``parts`` (:attr:`~.survival.SurvivalOutput.counts`),
    not made again."""
    if tau is None:
        return []
    tcol = time_column(time_unit)
    parts = split_endpoints(tte, endpoints) if parts is None else parts
    groupings = subgroup_codes(adsl, subgroups)
    rows: list[dict] = []
    for endpoint, variant, sel in endpoint_parts(parts, endpoints, variants):
        keys = dict(variable=endpoint, variant=variant)
        whole = counts.get((endpoint, variant, tcol, "")) if counts is not None else None
        overall = whole[1] if whole is not None else event_counts(sel[tcol].to_numpy(dtype=float),
                                                                  sel["event"].to_numpy(dtype=np.int64))
        rows.extend(_rmst_block({"Overall": overall}, tau, level, keys, time_unit, False))
        for gvar, (_, grouped) in _tabulations(sel, adsl, tcol, groupings, counts, endpoint, variant).items():
            block = _rmst_block({lab: grouped.group(lab) for lab in grouped.groups}, tau, level,
                                {**keys, "group_var": gvar}, time_unit, True)
            flag_rows(block, immortal_time_flag(gvar))
            rows.extend(block)
    return rows


def survival_difference_rows(tte, adsl, *, endpoints, variants, subgroups, time_unit, landmarks, level=0.95,
                             parts=None, counts: dict | None = None) -> list[dict]:
    """S1(t) - S2(t) at each landmark for every grouping with exactly two levels (module docstring);
    ``counts`` as in :func:`rmst_rows`."""
    if not landmarks:
        return []
    tcol = time_column(time_unit)
    parts = split_endpoints(tte, endpoints) if parts is None else parts
    groupings = subgroup_codes(adsl, subgroups)
    rows: list[dict] = []
    for endpoint, variant, sel in endpoint_parts(parts, endpoints, variants):
        if not groupings:
            break
        for gvar, (n_known, grouped) in _tabulations(sel, adsl, tcol, groupings, counts, endpoint, variant).items():
            if len(grouped.groups) != 2:
                continue
            try:
                res = survival_difference_from_counts(grouped, list(landmarks), level)
            except StatisticalInputError:
                continue
            first, second = res.groups
            block = []
            common = dict(variable=endpoint, variant=variant, group_var=gvar, group="", level=f"{first}|{second}",
                          denominator=n_known, time_unit=time_unit)
            for rec in res.table.itertuples(index=False):
                note = "" if rec.estimable else not_estimable(
                    f"landmark {rec.time:g} is beyond the follow-up of one of the two groups, or a curve has no "
                    "variance there")
                block.append(ard_row(SECTION, "survival_difference", statistic="surv_diff", value=rec.difference,
                                     lower=rec.lower, upper=rec.upper, time=rec.time, method=res.method, note=note,
                                     **common))
                block.append(ard_row(SECTION, "survival_difference", statistic="surv_diff_p", value=rec.p,
                                     time=rec.time, method="Wald test of the difference in survival (two-sided)",
                                     note=note, **common))
            flag_rows(block, immortal_time_flag(gvar))
            rows.extend(block)
    return rows
