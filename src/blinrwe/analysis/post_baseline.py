"""Groupings by an event after the start, analysed without immortal time (landmark and time-dependent).

A comparison by allo-HSCT, CAR-T, response or MRD negativity from the first infusion credits the
group with the event with the time its patients had to survive to reach it (immortal-time bias;
``blinrwe.derive.post_baseline`` declares these variables and their date columns). For every
such grouping of the survival analyses (a ``[subgroups]`` variable, or a ``[survival] within``
comparison "<variable>|<subset>" among a subset), with ``[postbaseline] method``:

* ``time_dependent``: each patient is in the "no" state until the day of the event and in the
  "yes" state after it (``blinrwe.derive.time_dependent``, as R ``tmerge``): the Mantel-Byar
  test, Simon-Makuch Kaplan-Meier curves by current state (number at risk moving between the
  states), and the Cox hazard ratio of the state as a time-dependent covariate (counting-process
  form, ``[cox] ties``), with Wald CI and p;
* ``landmark``: at each ``[postbaseline] landmarks`` time, the patients still event-free under
  follow-up, grouped by their state then, Kaplan-Meier and log-rank from the landmark, with the
  number at the landmark (``blinrwe.stats.landmark``);
* ``both``; ``none``.

ARD (section ``post_baseline``; variable = endpoint, group_var = the grouping, group = "yes"/"no"
for per-state rows, "" for tests): table ``post_baseline_td``: ``n_switched`` (patients entering
the state before their last time), ``sm_events`` per state (events while in that state; denominator
= patients ever in it), ``mantel_byar_chisq``/``mantel_byar_p``, ``td_hr`` (value, lower, upper;
group "yes" against "no") and ``td_cox_p``; table ``post_baseline_landmark`` (``time`` = the
landmark): ``landmark_n`` per state (patients at risk at the landmark, denominator = the grouping's
patients), ``landmark_excluded`` (followed no further than the landmark; n = with the event),
``landmark_events`` and ``landmark_median`` per state, ``landmark_logrank_chisq``/``_p``. A
statistic that cannot be estimated has NaN and "not_estimable: <reason>" (nobody or everybody
switches, no event after the landmark, a landmark beyond follow-up). Curves: kind
``simon_makuch`` (time from the endpoint's origin) and ``landmark`` (time from the landmark; the
``analysis`` key ends ``:landmark=<time>``), with their risk tables. Nothing is formatted here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from blinrwe.derive.endpoints import T0_ORIGIN
from blinrwe.derive.post_baseline import POST_BASELINE
from blinrwe.derive.time_dependent import derive_counting_process
from blinrwe.errors import StatisticalInputError
from blinrwe.stats.cox import cox_ph
from blinrwe.stats.landmark import landmark
from blinrwe.stats.mantel_byar import mantel_byar
from blinrwe.stats.simon_makuch import simon_makuch

from .ard import ard_row, not_estimable
from .levels import subset_mask, subset_variable
from .results import CURVE_COLUMNS, RISK_TABLE_COLUMNS
from .survival import SurvivalOutput, endpoint_parts, figure_ticks, time_column

__all__ = ["METHODS", "post_baseline_groupings", "post_baseline_analyses", "post_baseline_method_records",
           "switch_times"]

SECTION = "post_baseline"
TD_TABLE = "post_baseline_td"
LANDMARK_TABLE = "post_baseline_landmark"
METHODS = ("both", "landmark", "time_dependent", "none")
STATES = {0: "no", 1: "yes"}
DAYS_PER_MONTH = 30.4375
#: a state that cannot come before the event of the endpoints it would group (death ends OS)
_NOT_A_STATE = {"death"}
#: ARD method of the time-dependent Cox rows
TD_COX_METHOD = "Cox model with the state as a time-dependent covariate (counting process, intervals start < t ≤ stop); Wald CI and p"


def _is_yes_no(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values):
        return True
    known = values.dropna()
    return len(known) > 0 and all(isinstance(v, (bool, np.bool_)) for v in known.unique())


def _dated(variable: str, adsl: pd.DataFrame) -> bool:
    declared = POST_BASELINE.get(variable)
    return (declared is not None and bool(declared.date) and variable not in _NOT_A_STATE
            and variable in adsl.columns and declared.date in adsl.columns and _is_yes_no(adsl[variable]))


def post_baseline_groupings(adsl: pd.DataFrame, settings) -> list[tuple[str, str, np.ndarray]]:
    """(group_var, variable, members) of each grouping of the survival analyses defined by a dated
    event after the first infusion: ``[subgroups]`` variables (all patients) and the ``within``
    comparisons ("<variable>|<subset>", the patients with subset = yes)."""
    if settings.postbaseline_method == "none":
        return []
    out = []
    for g in dict.fromkeys(settings.subgroups):
        if _dated(g, adsl):
            out.append((g, g, np.ones(len(adsl), dtype=bool)))
    for subset, variable in settings.within_pairs():
        column = subset_variable(subset)
        if column in adsl.columns and column != variable and _dated(variable, adsl):
            out.append((f"{variable}|{subset}", variable, subset_mask(adsl, subset)))
    return out


def switch_times(rows: pd.DataFrame, adsl: pd.DataFrame, variable: str, time_unit: str) -> np.ndarray:
    """Time from the endpoint's origin to the day ``variable`` became yes, in ``time_unit`` (NaN = never;
    0 for an event before the origin, e.g. the response that starts DOR: in the state from the start).
    A "yes" without its date is NaN too (the caller drops those patients)."""
    date_col = POST_BASELINE[variable].date
    ad = adsl.set_index("patient_id")
    flag = ad[variable].reindex(rows["patient_id"]).astype("boolean").fillna(False).to_numpy(dtype=bool)
    date = pd.to_datetime(ad[date_col].reindex(rows["patient_id"]).to_numpy())
    days = (date - pd.to_datetime(rows["origin_date"].to_numpy())).days.to_numpy(dtype=float)
    days = np.where(flag, np.maximum(days, 0.0), np.nan)
    return days / DAYS_PER_MONTH if time_unit == "months" else days


def _ne(note_reason: str) -> str:
    return not_estimable(note_reason)


def _curve_frame(km, *, analysis, endpoint, variant, group_var, group, kind, origin, n_start) -> pd.DataFrame:
    """Step data of one curve from time 0 (S = 1; ``n_risk`` of that first row = ``n_start``, the
    patients the curve stands for: ever in the state, or at the landmark)."""
    c = km.counts
    lower = np.where(km.surv == 1.0, 1.0, km.lower)
    upper = np.where(km.surv == 1.0, 1.0, km.upper)
    frame = pd.DataFrame({
        "analysis": analysis, "endpoint": endpoint, "variant": variant, "group_var": group_var, "group": group,
        "kind": kind, "time": np.concatenate([[0.0], c.time]), "estimate": np.concatenate([[1.0], km.surv]),
        "lower": np.concatenate([[1.0], lower]), "upper": np.concatenate([[1.0], upper]),
        "n_risk": np.concatenate([[n_start], c.n_risk]), "n_event": np.concatenate([[0], c.n_event]),
        "n_censor": np.concatenate([[0], c.n_censor]), "time_origin": origin})
    return frame[list(CURVE_COLUMNS)]


def _risk_frame(n_risk, ticks, *, analysis, endpoint, variant, group_var, group, origin) -> pd.DataFrame:
    return pd.DataFrame({"analysis": analysis, "endpoint": endpoint, "variant": variant, "group_var": group_var,
                         "group": group, "time": ticks, "n_risk": np.asarray(n_risk, dtype=np.int64),
                         "time_origin": origin})[list(RISK_TABLE_COLUMNS)]


def _time_dependent(time, event, switch, ids, keys, *, ties, level, ci_transform, time_unit, out, origin):
    """Mantel-Byar, Simon-Makuch curves and the time-dependent Cox hazard ratio of one grouping x endpoint."""
    n = int(time.size)
    mb = mantel_byar(time, event, switch)
    common = dict(denominator=n, **keys)
    out.rows.append(ard_row(SECTION, TD_TABLE, statistic="n_switched", value=mb.n_switched, n=mb.n_switched,
                            method="count", group="", **common))
    note = _ne(mb.note.removeprefix("not estimable: ")) if mb.note else ""
    for stat, value in (("mantel_byar_chisq", mb.chisq), ("mantel_byar_p", mb.p)):
        out.rows.append(ard_row(SECTION, TD_TABLE, statistic=stat, value=value, n=int(np.sum(event)),
                                method=mb.method, note=note, group="", **common))
    frame = pd.DataFrame({"id": ids, "time": time, "event": event, "sw": switch})
    iv = derive_counting_process(frame, id="id", time="time", event="event", switches={"state": "sw"})
    iv = iv[iv["tstop"] > iv["tstart"]]  # a follow-up of length 0 is at risk at no time
    if iv.empty:
        return
    _simon_makuch_curves(iv, keys, level=level, ci_transform=ci_transform, out=out, origin=origin,
                         ticks=figure_ticks(float(time.max()), time_unit))
    out.rows.extend(_hazard_ratio_rows(iv, mb.n_switched, dict(group="yes", level="no", **common), ties=ties,
                                       level=level))


def _simon_makuch_curves(iv, keys, *, level, ci_transform, out, origin, ticks) -> None:
    """Curves, risk tables and events per state from the ``(tstart, tstop]`` rows ``iv``."""
    try:
        sm = simon_makuch(iv["tstart"], iv["tstop"], iv["event"], iv["state"], conf_type=ci_transform, level=level)
    except StatisticalInputError:  # an interval of length 0 after near ties (not seen with whole days): no curves
        return
    analysis = f"{keys['variable']}:{keys['variant']}:{keys['group_var']}:simon_makuch"
    start, stop, state = iv["tstart"].to_numpy(float), iv["tstop"].to_numpy(float), iv["state"].to_numpy()
    # an interval ending at a switch is censored in the state it leaves, but it is no censoring to mark
    censored = (iv.groupby("id", sort=False)["tstop"].transform("max").to_numpy(float) == stop) & (
        iv["event"].to_numpy() == 0)
    where = dict(endpoint=keys["variable"], variant=keys["variant"], group_var=keys["group_var"])
    for code, km in sm.curves.items():
        label = STATES[int(code)]
        in_state = state == code
        ever = int(iv.loc[in_state, "id"].nunique())
        k = int(iv.loc[in_state, "event"].sum())
        out.rows.append(ard_row(SECTION, TD_TABLE, statistic="sm_events", value=k, n=k, denominator=ever,
                                method="count", group=label, **keys))
        curve = _curve_frame(km, analysis=analysis, group=label, kind="simon_makuch", origin=origin, n_start=ever,
                             **where)
        marks = np.searchsorted(km.counts.time, stop[in_state & censored])
        curve["n_censor"] = np.concatenate([[0], np.bincount(marks, minlength=km.counts.time.size)])
        out.curves.append(curve)
        s, e = start[in_state], stop[in_state]
        at = [int(np.sum((s < t) & (t <= e))) if t > 0 else int(np.sum((s <= 0) & (e > 0))) for t in ticks]
        out.risk.append(_risk_frame(at, ticks, analysis=analysis, group=label, origin=origin, **where))


def _hazard_ratio_rows(iv, n_switched: int, keys: dict, *, ties, level) -> list[dict]:
    """``td_hr`` and ``td_cox_p``: Cox with the state as a time-dependent covariate, or NE with the reason."""
    events = int(iv["event"].sum())
    by_state = iv.groupby("state")["event"].sum().reindex([0, 1], fill_value=0)
    method = TD_COX_METHOD + f" ({ties} ties)"
    why = ""
    if n_switched == 0:
        why = "nobody enters the state before their last time"
    elif not (iv["state"] == 0).any():
        why = "every patient is in the state from the start"
    elif (by_state == 0).any():
        why = f"no event while in state {STATES[int(by_state.index[by_state.to_numpy() == 0][0])]!r}"
    value = lower = upper = p = None
    if why:
        note = _ne(f"{why} (time-dependent hazard ratio not estimable)")
    else:
        try:
            with warnings.catch_warnings(record=True) as caught, np.errstate(over="ignore"):
                warnings.simplefilter("always")
                fit = cox_ph(iv, "tstop", "event", ["state"], ties=ties, level=level, start="tstart")
            term = fit.table.iloc[0]
            note = ""
            if any("infinite" in str(w.message) for w in caught) or "infinite" in " ".join(fit.warnings):
                note = _ne("the events are ordered completely by the state (monotone likelihood, infinite "
                           "coefficient; time-dependent hazard ratio not estimable)")
            elif not fit.converged or not all(np.isfinite(float(term[c])) for c in ("hr", "lower", "upper", "p")):
                note = _ne("the Cox model did not converge (time-dependent hazard ratio not estimable)")
            else:
                value, lower, upper, p = term["hr"], term["lower"], term["upper"], term["p"]
        except (StatisticalInputError, np.linalg.LinAlgError, FloatingPointError) as err:
            note = _ne(f"{err} (time-dependent hazard ratio not estimable)")
    return [ard_row(SECTION, TD_TABLE, statistic="td_hr", value=value, lower=lower, upper=upper, n=events,
                    method=method, note=note, **keys),
            ard_row(SECTION, TD_TABLE, statistic="td_cox_p", value=p, n=events, method=method, note=note, **keys)]


def _landmarks(time, event, switch, keys, *, landmarks, level, ci_transform, time_unit, out, origin):
    rows = out.rows
    n = int(time.size)
    for at in landmarks:
        lm = landmark(time, event, switch, at, conf_type=ci_transform, level=level)
        common = dict(time=at, time_unit=time_unit, **keys)
        rows.append(ard_row(SECTION, LANDMARK_TABLE, statistic="landmark_excluded", value=lm.n_excluded,
                            n=lm.n_events_before, denominator=n, method="count", group="", **common))
        reason = _ne(lm.note) if lm.note else ""
        analysis = f"{keys['variable']}:{keys['variant']}:{keys['group_var']}:landmark={at:g}"
        horizon = float(time.max()) - at if time.size else 0.0
        ticks = figure_ticks(horizon, time_unit) if horizon > 0 else np.array([0.0])
        for code, label in STATES.items():
            rows.append(ard_row(SECTION, LANDMARK_TABLE, statistic="landmark_n", value=lm.n_at_risk[code],
                                n=lm.n_at_risk[code], denominator=n, method="count", group=label, **common))
            km = lm.curves.get(code)
            if km is None:
                continue
            rows.append(ard_row(SECTION, LANDMARK_TABLE, statistic="landmark_events", value=km.n_events,
                                n=km.n_events, denominator=km.n, method="count", group=label, **common))
            med = km.median()
            note = "not_reached" if not med.reached else ("not_estimable" if med.lower is None or med.upper is None
                                                           else "")
            rows.append(ard_row(SECTION, LANDMARK_TABLE, statistic="landmark_median", value=med.estimate,
                                lower=med.lower, upper=med.upper, n=km.n_events, denominator=km.n,
                                method=med.method + "; time from the landmark", note=note, group=label, **common))
            out.curves.append(_curve_frame(km, analysis=analysis, endpoint=keys["variable"], variant=keys["variant"],
                                           group_var=keys["group_var"], group=label, kind="landmark", origin=origin,
                                           n_start=km.n))
            c = km.counts
            idx = np.searchsorted(c.time, ticks, side="left")
            at_risk = np.where(idx < c.time.size, c.n_risk[np.minimum(idx, c.time.size - 1)], 0)
            out.risk.append(_risk_frame(at_risk, ticks, analysis=analysis, endpoint=keys["variable"],
                                        variant=keys["variant"], group_var=keys["group_var"], group=label,
                                        origin=origin))
        test = lm.test
        chisq, p = (test.chisq, test.p) if test is not None and not lm.note else (None, None)
        method = test.method if test is not None else "log-rank test (Mantel-Cox; R survdiff rho = 0)"
        for stat, value in (("landmark_logrank_chisq", chisq), ("landmark_logrank_p", p)):
            rows.append(ard_row(SECTION, LANDMARK_TABLE, statistic=stat, value=value, n=int(sum(
                km.n_events for km in lm.curves.values())), denominator=lm.n, method=method + "; from the landmark",
                note=reason, group="", **common))


def post_baseline_analyses(parts: dict, adsl: pd.DataFrame, settings, *, endpoints, out: SurvivalOutput,
                           origins=None) -> SurvivalOutput:
    """Landmark and/or time-dependent analyses of every post-baseline grouping (module docstring)
    for each Kaplan-Meier endpoint of ``endpoints`` (primary censoring variant) into ``out``."""
    method = settings.postbaseline_method
    groupings = post_baseline_groupings(adsl, settings)
    if method == "none" or not groupings:
        return out
    origins = origins or {}
    tcol = time_column(settings.time_unit)
    variant = settings.variants[0]
    for endpoint, variant, sel in endpoint_parts(parts, endpoints, (variant,)):
        origin = origins.get(endpoint, T0_ORIGIN)
        done = set()
        for group_var, variable, members in groupings:
            member_ids = adsl["patient_id"][members]
            rows = sel[sel["patient_id"].isin(member_ids)]
            same = (variable, len(rows), tuple(rows["patient_id"]) if len(rows) < len(sel) else ())
            if rows.empty or same in done:  # DOR by HSCT among responders is DOR by HSCT: given once
                continue
            done.add(same)
            switch = switch_times(rows, adsl, variable, settings.time_unit)
            flag = rows["patient_id"].map(adsl.set_index("patient_id")[variable]).astype("boolean").fillna(False)
            known = ~(flag.to_numpy(dtype=bool) & np.isnan(switch))  # "yes" without its date: state unknown
            time = rows[tcol].to_numpy(dtype=float)[known]
            event = rows["event"].to_numpy(dtype=np.int64)[known]
            switch, ids = switch[known], rows["patient_id"].to_numpy()[known]
            if not time.size:
                continue
            keys = dict(variable=endpoint, variant=variant, group_var=group_var)
            common = dict(level=settings.confidence_level, ci_transform=settings.ci_transform,
                          time_unit=settings.time_unit, out=out, origin=origin)
            if method in ("time_dependent", "both"):
                _time_dependent(time, event, switch, ids, keys, ties=settings.cox_ties, **common)
            if method in ("landmark", "both"):
                _landmarks(time, event, switch, keys, landmarks=settings.postbaseline_landmarks, **common)
    return out


def post_baseline_method_records(settings, ard: pd.DataFrame) -> list[tuple[str, str, dict]]:
    """What was done for the groupings defined after the first infusion, and why (the methods paragraph)."""
    mine = ard[ard["section"] == SECTION] if len(ard) else ard
    if not len(mine):
        return []
    variables = tuple(dict.fromkeys(str(g) for g in mine["group_var"]))
    values = {"post_baseline_groupings": variables}
    recs = [("post_baseline", (
        "Groups defined by an event after the first infusion ({post_baseline_groupings}) were also analysed "
        "without immortal time: a patient must survive event-free until the event to join its group, so "
        "comparing the groups from the first infusion favours the group with the event"), values)]
    tables = set(mine["table"])
    if TD_TABLE in tables:
        recs.append(("post_baseline", (
            "In the time-dependent analysis each patient counted in the group without the event until the day "
            "of the event and in the group with it from then on (a change on the day of the patient's last "
            "follow-up or event does not count): the groups were compared by the Mantel-Byar test, shown as "
            "Simon-Makuch Kaplan-Meier curves by current state, whose numbers at risk move between the groups, "
            "and summarised by the hazard ratio of a Cox model with the state as a time-dependent covariate "
            "({ties} ties), with Wald confidence interval and p value"), {"ties": settings.cox_ties}))
    if LANDMARK_TABLE in tables:
        text = (("In the landmark analysis, at each landmark ({postbaseline_landmarks} months after the endpoint's "
                  "time 0) the patients still event-free and under follow-up were grouped by whether the event had "
                  "happened by then, and Kaplan-Meier curves and the log-rank test were computed from the landmark; "
                  "patients whose event happens after the landmark stay in the group they were in at it")
                if settings.time_unit == "months" else
                ("In the landmark analysis, at each landmark ({postbaseline_landmarks} days after the endpoint's "
                  "time 0) the patients still event-free and under follow-up were grouped by whether the event had "
                  "happened by then, and Kaplan-Meier curves and the log-rank test were computed from the landmark; "
                  "patients whose event happens after the landmark stay in the group they were in at it"))
        recs.append(("post_baseline", text, {"postbaseline_landmarks": tuple(settings.postbaseline_landmarks)}))
    return recs
