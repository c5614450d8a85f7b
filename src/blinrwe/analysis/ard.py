"""The analysis results dataset (ARD): one row per statistic, unformatted.

This is the contract between ``analysis`` (which fills it) and ``report``
(which only renders it). Every number in every output is a row here, with
the method that produced it, so each printed value is traceable.

Columns
-------
section      baseline | exposure | response | survival | followup | cox |
             competing_risks | safety | patterns | post_baseline | cost (analysis/cost.py) |
             conventions (R versus SAS appendix, analysis/conventions.py)
table        display-table id the row belongs to (e.g. "table1", "response",
             "survival", "cox_univariable", "safety")
variable     the analysed variable, endpoint or AE term (e.g. "age_at_t0",
             "CR", "OS", "CRS")
level        category level for categorical variables ("" otherwise)
group_var    grouping variable ("" for the whole cohort)
group        group level ("Overall" for the whole cohort)
variant      endpoint censoring variant ("" where not applicable)
statistic    n, N, pct, mean, sd, median, q1, q3, min, max, missing,
             proportion, events, km_median, km_quantile, km_rate, km_se,
             followup_median, logrank_chisq, logrank_p, trend_p, hr, coef,
             cox_p, cox_lr_p, zph_p, cif, gray_stat, gray_p, test_p,
             grade_any, grade_1_2, grade_3plus, flow,
             time_origin (survival / competing_risks, one per endpoint x variant: ``level`` = what
             time 0 is, in words, from the endpoint's declaration; no value),
             population (response: the patients a block of rates is among; ``level`` =
             "<window>|<population>", ``method`` = the population in words, value = its patients),
             section post_baseline (landmark and time-dependent analyses of groups defined after the
             start; documented in ``analysis/post_baseline.py``): n_switched, sm_events,
             mantel_byar_chisq, mantel_byar_p, td_hr, td_cox_p, landmark_n, landmark_excluded,
             landmark_events, landmark_median, landmark_logrank_chisq, landmark_logrank_p ...
value        float (NaN when not estimable)
lower, upper confidence limits (NaN when not applicable/estimable)
n            numerator / events (NaN when not applicable)
denominator  N the statistic is computed on
time         landmark time for km_rate / cif rows (in ``time_unit``), NaN otherwise
time_unit    "days" | "months" | ""
method       what produced the value (estimator, CI, test)
note         flags: "not_reached", "not_estimable", "beyond_follow_up", warnings, and:
             "not_estimable: <reason>"  the statistic could not be estimated (value and/or
                              bounds NaN), with the reason in words for the report's
                              footnote ("no events in level yes of cns_involvement (hazard
                              ratio not estimable)"); built by :func:`not_estimable`, read by
                              :func:`not_estimable_reason`; always the last flag of a note.
                              No ARD number is ever infinite: :func:`ard_row` stores an
                              infinite value or bound as NaN with such a reason;
             "reference"      hr row of a reference level (value 1, no CI): print "1 (reference)";
             "not_applicable" the variable does not apply to any patient of this group
                              (e.g. relapse number in newly diagnosed patients): print NA,
                              not a count (``missing`` rows of Table 1, see baseline.py).
                              For such variables ``missing`` counts only patients to whom
                              the variable applies (its ``denominator``), and a row with
                              statistic ``not_applicable`` counts the others;
             "integer"        descriptive rows (n, missing, mean, sd, median, q1, q3, min,
                              max) of a variable whose values are whole numbers (relapse
                              number, prior lines, cycles, infusion days): print values that
                              are whole (min, max, most medians) without decimals.
             "immortal_time: <event>"  every row of a comparison by a group defined by an event
                              after the first infusion (blinrwe.derive.post_baseline), e.g.
                              "immortal_time: allo-HSCT": the report warns of immortal-time bias.
             "bootstrap_left_out: <k>"  a cost-per-responder row whose bootstrap left out k resamples
                              without a responder (analysis/cost.py).
             Several flags are joined by "; " (test with ``flag in note``).

Cox tables
----------
cox_univariable, cox_multivariable
             variable = endpoint, level = model term: "age_at_t0" (numeric) or
             "covariate[level]" (categorical, dummy-coded against the first sorted level);
             statistics hr (value, lower, upper), coef, cox_p per term; the reference level
             of each categorical covariate has its own hr row "covariate[reference]" with
             value 1 and note "reference", placed before that covariate's other levels;
             cox_lr_p, missing and zph_p per model (level = "a + b" or the covariate,
             "GLOBAL" for the global PH test). n = events, denominator = patients of the model.
cox_subgroups
             subgroup hazard ratios for the forest plot (see regression.py): variable =
             endpoint, group_var = subgroup variable, group = the level compared, level =
             the reference level; statistics hr (value, lower, upper) and cox_p; the
             reference level itself has an hr row with group = level = reference, value 1,
             note "reference". n = events, denominator = patients of the level in ``group``
             (events/N per forest row; their sum over levels = the model's); method = the
             Cox method string on hr rows.
             Methods of the p-value rows name the test, not the model: cox_p = Wald test of
             one coefficient (``regression.WALD_P_METHOD``), cox_lr_p = likelihood-ratio test
             of the model (``regression.LR_P_METHOD``), zph_p = the cox.zph score test.

Issue 9 tables (competing_regression.py, summary_measures.py, group_tests.py)
-----------------------------------------------------------------------------
cause_specific_cox, fine_gray  (section competing_regression)
             as cox_multivariable for the CIR endpoint: level = term, reference rows;
             statistics hr / coef / cox_p (cause-specific) and shr / coef / fg_p (Fine-Gray,
             subdistribution HR, robust Wald p); n = relapses, denominator = patients; one
             ``events`` row with level "competing" (deaths without relapse) per model.
rmst, survival_difference  (section summary_measures; ``time`` = tau or the landmark)
             rmst / rmst_se per group (n = events, denominator = N); rmst_diff (value,
             lower, upper), rmst_diff_p, surv_diff (fraction), surv_diff_p with group "" and
             level "<first>|<second>" (first minus second).
survival     trend_chisq / trend_p (group "") beside logrank_chisq / logrank_p when
             ``[survival] trend`` names the grouping; the method of logrank_p names the test
             used (weighted, stratified).
"""

from __future__ import annotations

import re

import math

import pandas as pd

ARD_COLUMNS = (
    "section",
    "table",
    "variable",
    "level",
    "group_var",
    "group",
    "variant",
    "statistic",
    "value",
    "lower",
    "upper",
    "n",
    "denominator",
    "time",
    "time_unit",
    "method",
    "note",
)


def empty_ard() -> pd.DataFrame:
    """An ARD with the declared columns and no rows."""
    return pd.DataFrame({name: pd.Series(dtype="float64" if name in _NUMERIC else "object") for name in ARD_COLUMNS})


_NUMERIC = {"value", "lower", "upper", "n", "denominator", "time"}
#: Flag of a statistic that could not be estimated (see the ``note`` column above).
NOT_ESTIMABLE = "not_estimable"
_NOT_ESTIMABLE_PREFIX = NOT_ESTIMABLE + ": "


def not_estimable(reason: str, note: str = "") -> str:
    """``note`` with the flag "not_estimable: <reason>" appended."""
    flag = _NOT_ESTIMABLE_PREFIX + reason
    return f"{note}; {flag}" if note else flag


def not_estimable_reason(note) -> str | None:
    """The reason of a "not_estimable: <reason>" flag in ``note`` (None without one)."""
    if not isinstance(note, str):
        return None
    found = re.search(re.escape(_NOT_ESTIMABLE_PREFIX) + r"(.*?)(?=; [a-z_]+: |$)", note)
    return (found.group(1).strip() or None) if found else None  # up to the next flag (e.g. immortal_time)


def ard_row(section: str, table: str, variable: str, statistic: str, value, **extra) -> dict:
    """One ARD row as a dict; unspecified columns get their empty value ("" or NaN).

    An infinite value or bound (a hazard ratio whose coefficient diverged, a statistic
    divided by a zero variance) is not a number a reader can use: it is stored as NaN and
    the note says "not_estimable: infinite <column>" unless it already gives a reason.
    """
    unknown = set(extra) - set(ARD_COLUMNS)
    if unknown:
        raise TypeError(f"ard_row got unknown columns {sorted(unknown)}")
    row = {name: (float("nan") if name in _NUMERIC else "") for name in ARD_COLUMNS}
    row.update(section=section, table=table, variable=variable, statistic=statistic, group="Overall")
    row["value"] = float("nan") if value is None else float(value)
    for name, v in extra.items():
        row[name] = (float("nan") if v is None else float(v)) if name in _NUMERIC else ("" if v is None else str(v))
    infinite = [name for name in ARD_COLUMNS if name in _NUMERIC and math.isinf(row[name])]
    if infinite:
        for name in infinite:
            row[name] = float("nan")
        if not_estimable_reason(row["note"]) is None:
            row["note"] = not_estimable(f"infinite {' and '.join(infinite)} ({statistic} not estimable)", row["note"])
    return row


def ard_frame(rows) -> pd.DataFrame:
    """ARD rows (dicts from :func:`ard_row`) as a DataFrame with the declared columns and dtypes."""
    rows = list(rows)
    if not rows:
        return empty_ard()
    frame = pd.DataFrame.from_records(rows, columns=list(ARD_COLUMNS))
    for name in ARD_COLUMNS:
        frame[name] = frame[name].astype("float64" if name in _NUMERIC else "object")
    return frame
