"""Method records: what was actually done, for the report's methods paragraph.

Records are ``(topic, text, values)``: plain statements of estimators, CI methods,
tests, definitions and software versions, in the order of the report. A text may
name a definition setting in braces (``"MRD below {mrd_threshold}"``); ``values``
maps each such name to the value actually used (from the derivation settings of
the AnalysisData, ``blinrwe.derive.DeriveSettings``), unformatted: the report
prints it (``blinrwe.report.methods_text``). Codes (variables, grading systems)
stay codes; the report labels them. Only the analyses present in the ARD are
described, and only the tests that were actually used. Nothing here is patient data.
"""

from __future__ import annotations

import platform
from dataclasses import fields
from importlib import metadata

import pandas as pd

from blinrwe.derive.drug_use import WASTAGE_RULES
from blinrwe.derive.endpoints import endpoint_definitions
from blinrwe.derive.post_baseline import post_baseline_event
from blinrwe.derive.settings import DeriveSettings
from blinrwe.model.i18n import _

from .regression import WALD_P_METHOD
from .results import METHOD_COLUMNS
from .safety import CRS_ICANS_GRADING

__all__ = ["method_records", "software_versions", "R_REFERENCE"]

#: R versions the estimators are checked against: the ``meta`` of the golden files in
#: tests/stats/golden (a test keeps the two equal; regenerate both together).
R_REFERENCE = {"R": "4.2.2", "survival": "3.5.3", "cmprsk": "2.2.11"}

_CATEGORICAL_TESTS = ("Pearson's chi-squared test", "Fisher's exact test")


def software_versions() -> dict[str, str]:
    """Versions of Python, blinrwe and the libraries computing the statistics."""
    out = {"Python": platform.python_version()}
    for name in ("blinrwe", "numpy", "scipy", "pandas"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            if name == "blinrwe":
                from blinrwe import __version__

                out[name] = __version__
            else:
                out[name] = "unknown"
    return out


def _tests_used(ard: pd.DataFrame) -> tuple[set[str], str]:
    """Methods of the between-group tests of Table 1 and exposure, and their grouping variable."""
    tests = ard[(ard["statistic"] == "test_p") & ard["section"].isin(["baseline", "exposure"])]
    methods = {m for m in tests["method"] if isinstance(m, str) and m}
    group_vars = [g for g in dict.fromkeys(tests["group_var"]) if isinstance(g, str) and g]
    return methods, (group_vars[0] if len(group_vars) == 1 else "")


def _comparison_sentence(ard: pd.DataFrame) -> str:
    """How groups were compared, naming only the tests that were used."""
    used, group_var = _tests_used(ard)
    if not used:
        return ""
    chi = any(m.startswith(_CATEGORICAL_TESTS[0]) for m in used)
    yates = any("Yates" in m for m in used)
    fisher = any(m.startswith(_CATEGORICAL_TESTS[1]) for m in used)
    parts = []
    if chi or fisher:
        cat = []
        if chi:
            cat.append("Pearson's chi-squared test" + (" (Yates' continuity correction for 2x2 tables)" if yates else ""))
        if fisher:
            cat.append("Fisher's exact test when an expected count was below 5")
        parts.append("for categorical variables, with " + ", or ".join(cat))
    wilcoxon = {m for m in used if m.startswith("Wilcoxon rank-sum test")}
    if wilcoxon:
        ways = []
        if any("exact" in m and "normal" not in m for m in wilcoxon):
            ways.append("exact p when both groups had fewer than 50 values and no ties")
        if any("normal approximation" in m for m in wilcoxon):
            ways.append("otherwise normal approximation with continuity correction" if ways
                        else "normal approximation with continuity correction")
        parts.append("for continuous variables, with the Wilcoxon rank-sum test (" + ", ".join(ways) + ")")
    if any(m.startswith("Kruskal-Wallis") for m in used):
        parts.append("the Kruskal-Wallis test for continuous variables across more than two groups")
    small = ard[(ard["statistic"] == "test_p") & ard["note"].astype(str).str.contains("expected counts < 5")]
    fallback = (" (the chi-squared test was kept for tables too large for exact enumeration, with expected counts "
                "below 5)") if len(small) else ""
    by = f" defined by {group_var}" if group_var else ""
    return (f"Groups{by} are compared, " + "; ".join(parts) + fallback
            + ". Tests are two-sided, without adjustment for multiple comparisons.")


def _windows(ard: pd.DataFrame) -> list[str]:
    levels = ard.loc[(ard["section"] == "response") & (ard["table"] == "response"), "level"]
    return list(dict.fromkeys(str(lv).partition("|")[0] for lv in levels if isinstance(lv, str) and lv))


def _response_records(settings, ard, d, form: str) -> list[tuple[str, str, dict]]:
    level = int(round(settings.response_confidence_level * 100))
    recs = []
    if form == "summary":
        text = ("Best response and MRD negativity are taken as recorded in the patient summary (not re-derived from "
                "marrow and blood values)")
        values = {}
        if d is not None:
            text += "; responders are patients with {responder_definition}"
            values["responder_definition"] = d.responder_definition
        recs.append(("response", text + ".", values))
    elif d is not None:
        comparator = "\u2264" if d.cr_blast_inclusive else "<"
        recs.append(("response", (
            f"Response is derived per marrow assessment after the first infusion (the recorded category wins when "
            f"given): CR, marrow blasts {comparator} {{cr_blast_max_pct}}% without circulating blasts or "
            "extramedullary disease, with ANC \u2265 {anc_full} \u00d7 10\u2079/L and platelets \u2265 "
            "{platelets_full} \u00d7 10\u2079/L; CRh, the same blast criteria with ANC > {anc_partial} \u00d7 "
            "10\u2079/L and platelets > {platelets_partial} \u00d7 10\u2079/L; CRi, the blast criteria without "
            "these counts."),
            dict(cr_blast_max_pct=d.cr_blast_max_pct, anc_full=d.anc_full, platelets_full=d.platelets_full,
                 anc_partial=d.anc_partial, platelets_partial=d.platelets_partial)))
        windows = _windows(ard)
        described = {
            "2_cycles": "within 2 cycles (before cycle 3, at most {response_window_cycles} \u00d7 {cycle_days} days "
                        "after the first infusion)",
            "12_weeks": "within 12 weeks ({response_window_days} days after the first infusion)",
            "overall": "at any time after the first infusion",
        }
        shown = [described[w] for w in windows if w in described]
        if shown:
            text = "Best response is given " + (", ".join(shown[:-1]) + " and " if len(shown) > 1 else "") + shown[-1]
            if d.response_before_next_therapy:
                text += "; assessments after the start of the next therapy are not attributed to blinatumomab"
            text += "; responders are patients with {responder_definition}"
            if d.crh_counts_as_cri:
                text += " (CRh counted as CRi)"
            values = dict(response_window_cycles=d.response_window_cycles, cycle_days=d.cycle_days,
                          response_window_days=d.response_window_days, responder_definition=d.responder_definition)
            recs.append(("response", text + ".", {k: v for k, v in values.items() if "{" + k + "}" in text}))
        recs.append(("response", "MRD negativity is MRD below {mrd_threshold} (MRD status at the first infusion: "
                     "positive at or above it).", dict(mrd_threshold=d.mrd_threshold)))
    recs.append(("response", f"Response rates are given with exact (Clopper-Pearson) {level}% confidence intervals; "
                 "the denominator of each rate is stated.", {}))
    return recs


#: DeriveSettings fields stated by other records (endpoints, variants, cut-off, AE window) or bookkeeping
_STATED_ELSEWHERE = ("endpoints", "censoring_variants", "data_cutoff", "ae_days_after_last_infusion", "preset")


def _definition_records(d) -> list[tuple[str, str, dict]]:
    """The preset (if any) and every definition setting that differs from the defaults, as used.

    Generated from the settings, never retyped: a preset's rules are exactly the
    fields it changes (with any [definitions] of the study on top).
    """
    if d is None:
        return []
    default = DeriveSettings()
    changed = tuple((f.name, getattr(d, f.name)) for f in fields(d)
                    if f.name not in _STATED_ELSEWHERE and getattr(d, f.name) != getattr(default, f.name))
    if not d.preset and not changed:
        return []
    text = "Definitions follow preset {preset}" if d.preset else "Definitions are the blinrwe defaults"
    values: dict = {"preset": d.preset} if d.preset else {}
    if changed:
        text += "; settings that differ from the defaults: {changed_settings}"
        values["changed_settings"] = changed
    return [("definitions", text + ".", values)]


def _endpoint_sentence(endpoints, d) -> str:
    """"Endpoints: <rule>; <rule>", each rule generated from the endpoint's declaration (origin, events,
    who enters) under the derivation settings used."""
    declared = endpoint_definitions(d)
    rules = [declared[e].rule for e in endpoints if e in declared]
    return "Endpoints: " + "; ".join(rules) if rules else ""


def _survival_records(settings, ard, d) -> list[tuple[str, str, dict]]:
    level = int(round(settings.confidence_level * 100))
    recs = []
    surv = ard[ard["section"].isin(["survival", "competing_risks"])]
    endpoints = [e for e in dict.fromkeys(surv["variable"]) if isinstance(e, str) and e]
    sentence = _endpoint_sentence(endpoints, d) if d is not None else (
        "Endpoints: " + ", ".join(e for e in endpoints if e != "NRM") if endpoints else "")
    if sentence:
        values = {}
        sentence += ". Patients without an event are censored at their last follow-up"
        if d is not None and d.data_cutoff is not None:
            sentence += " or at the data cut-off ({data_cutoff})"
            values["data_cutoff"] = d.data_cutoff
        variants = [v for v in dict.fromkeys(surv["variant"]) if isinstance(v, str) and v not in ("", "none")]
        if variants:
            sentence += "; sensitivity analyses: {variants}"
            values["variants"] = tuple(variants)
        recs.append(("survival", sentence + ".", values))
    if (ard["section"] == "survival").any():
        text = (f"Time-to-event endpoints are estimated by the Kaplan-Meier method with Greenwood variance and "
                f"{level}% pointwise confidence intervals on the {settings.ci_transform} scale; median times with "
                f"Brookmeyer-Crowley confidence intervals (same scale)")
        tests = ard.loc[ard["statistic"] == "logrank_p", "method"].dropna()
        if len(tests):  # a weighted test ([survival] logrank) is named in the report's own paragraph
            text += ("; groups compared with the log-rank test" if not tests.astype(str).str.contains("Peto-Peto|Fleming-Harrington").any()
                     else _("; groups compared with the weighted test named below"))
        text += f". Times in {settings.time_unit}"
        values = {}
        if settings.time_unit == "months" and d is not None:
            text += " (1 month = {days_per_month} days)"
            values["days_per_month"] = d.days_per_month
        recs.append(("survival", text + ".", values))
    if (ard["section"] == "followup").any():
        primary, other = (("the reverse Kaplan-Meier method", "the median observation time of all patients (events "
                           "and censorings)") if settings.followup == "reverse_km" else
                          ("the median observation time of all patients (events and censorings)",
                           "the reverse Kaplan-Meier method"))
        recs.append(("followup", f"Median follow-up is estimated by {primary}; {other} is also given.", {}))
    return recs


def _cox_records(settings, ard) -> list[tuple[str, str, dict]]:
    level = int(round(settings.confidence_level * 100))
    recs = []
    tables = set(ard.loc[ard["section"] == "cox", "table"])
    models = [name for table, name in (("cox_univariable", "univariable (one covariate at a time)"),
                                       ("cox_multivariable", "multivariable (all covariates; complete cases)"))
              if table in tables]
    if models:
        models_fitted = ard.loc[(ard["statistic"] == "cox_lr_p") & ard["table"].isin(tables), ["table", "level"]]
        multi = models_fitted.loc[models_fitted["table"] == "cox_multivariable", "level"]
        covariates = (str(multi.iloc[0]).split(" + ") if len(multi) else
                      list(dict.fromkeys(models_fitted.loc[models_fitted["table"] == "cox_univariable", "level"])))
        text = (f"Hazard ratios with {level}% Wald confidence intervals are from Cox proportional hazards models "
                f"({settings.cox_ties} method for ties), " + " and ".join(models)
                + (" with covariates " + ", ".join(covariates) if covariates else "")
                + f"; p values of the coefficients are from the {WALD_P_METHOD.split(' (')[0]}")
        if (ard["statistic"] == "cox_lr_p").any():
            text += ", and each model's likelihood-ratio test is given in the results workbook"
        if (ard["statistic"] == "zph_p").any():
            text += (". Proportional hazards are checked with the Grambsch-Therneau score test on scaled Schoenfeld "
                     "residuals (R cox.zph, Kaplan-Meier transformed time; results in the workbook)")
        recs.append(("cox", text + ".", {}))
    if "cox_subgroups" in tables:
        recs.append(("cox", "Subgroup hazard ratios (forest plot): for each subgroup variable a univariable Cox model "
                     "of the endpoint on that variable, each level compared with the reference (first) level, among "
                     "patients with a known value.", {}))
    return recs


#: the definitions behind the deaths table and the AE grade groups (analysis/safety_outcomes.py, safety.py)
AE_GROUPS_METHOD = ("Neurologic events (ICANS or another neurologic event) are counted once per patient at the "
                    "worst grade; graft-versus-host disease among patients with an allo-HSCT before blinatumomab when "
                    "there are any. Fatal adverse events are those recorded fatal or of grade 5, and treatment-related "
                    "deaths those recorded as related to blinatumomab.")
DEATHS_METHOD = ("Vital status and deaths from any cause, by recorded cause, are given as numbers and percentages "
                 "of all treated patients.")


def _safety_record(settings, d) -> tuple[str, str, dict]:
    text = (f"Adverse events graded by {settings.grading} (CRS and ICANS by {CRS_ICANS_GRADING}); each patient is "
            "counted once per term at the worst grade, among events with onset ")
    if d is None:
        return ("safety", text + f"in the adverse-event window ({settings.ae_window}).", {})
    if d.ae_days_after_last_infusion:
        text += "from the first infusion to {ae_days_after_last_infusion} days after the last infusion day."
    else:
        text += "from the first infusion to the last infusion day (during blinatumomab)."
    return ("safety", text, dict(ae_days_after_last_infusion=d.ae_days_after_last_infusion))


def _immortal_time_records(ard: pd.DataFrame) -> list[tuple[str, str, dict]]:
    """The warning for comparisons by groups defined after the first infusion (rows flagged
    ``immortal_time`` by the analysis), naming the variables, and the comparisons within a subset made."""
    flagged = ard.loc[ard["note"].astype(str).str.contains("immortal_time", regex=False), "group_var"]
    group_vars = [g for g in dict.fromkeys(flagged) if isinstance(g, str) and g]
    if not group_vars:
        return []
    variables = list(dict.fromkeys(g.partition("|")[0] for g in group_vars))
    events = list(dict.fromkeys(post_baseline_event(v) for v in variables))
    values: dict = {"post_baseline_variables": tuple(variables)}
    text = ("Groups defined by an event after the first infusion (" + ", ".join(events) + "; by "
            "{post_baseline_variables}) are compared from the endpoint's time 0: a patient had to be alive and "
            "event-free until that event to join its group, so these comparisons carry immortal-time bias in "
            "favour of the group with the event, and their p values do not test its effect")
    applied = bool(len(ard)) and (ard["section"] == "post_baseline").any()  # analysis/post_baseline.py
    text += (" (the landmark or time-dependent analyses below are not)" if applied else
             ". Time-dependent methods (landmark, Simon-Makuch, Mantel-Byar) were not applied")
    within = tuple((v, subset) for v, _, subset in (g.partition("|") for g in group_vars if "|" in g))
    if within:
        text += "; the comparisons are also given within the patients they apply to ({within})"
        values["within"] = within
    return [("survival", text + ".", values)]


def _population_record(ard: pd.DataFrame) -> list[tuple[str, str, dict]]:
    """Which populations the headline response rates are of (the ``population`` rows of the response table)."""
    rows = ard.loc[(ard["section"] == "response") & (ard["statistic"] == "population") & (ard["group_var"] == "")]
    described = list(dict.fromkeys(rows["method"]))
    if not described:
        return []
    text = ("Response rates are given first among " + described[0]
            + (", then separately among " + ", ".join(described[1:]) + " (whose remission is sustained, not "
               "reached)" if len(described) > 1 else "")
            + ", and among all patients analysed; each row names its denominator")
    return [("response", text + ".", {})]


def method_records(settings, ard: pd.DataFrame, *, form: str, extra=(), definitions=None) -> pd.DataFrame:
    """Ordered method records for the analyses present in ``ard``.

    ``definitions``: the DeriveSettings the analysis data were derived with
    (``AnalysisData.settings``); their values go into the records so the methods
    paragraph quotes what was actually done (None: definitions not described).
    """
    recs: list[tuple[str, str, dict]] = []
    d = definitions
    sections = set(ard["section"]) if len(ard) else set()
    if "baseline" in sections:
        recs.append(("baseline", "Categorical variables are summarised as n (%) of patients with a known value and "
                     "continuous variables as median (range) and mean (SD).", {}))
    comparison = _comparison_sentence(ard) if len(ard) else ""
    if comparison:
        recs.append(("baseline", comparison, {}))
    if len(ard) and (ard["statistic"] == "not_applicable").any():
        rules = ard.loc[ard["statistic"] == "not_applicable", ["variable", "method"]].drop_duplicates("variable")
        recs.append(("baseline", "Not counted as missing where not applicable by definition: "
                     + "; ".join(f"{v} ({m.removeprefix('not applicable: ')})" for v, m in rules.itertuples(index=False))
                     + ".", {}))
    recs.extend(_definition_records(d))
    if "response" in sections:
        recs.extend(_response_records(settings, ard, d, form))
        recs.extend(_population_record(ard))
    if sections & {"survival", "competing_risks", "followup"}:
        recs.extend(_survival_records(settings, ard, d))
        recs.extend(_immortal_time_records(ard))
    if "cox" in sections:
        recs.extend(_cox_records(settings, ard))
    if "competing_risks" in sections:
        level = int(round(settings.confidence_level * 100))
        text = ("Cumulative incidence of relapse (from the RFS origin, in responders) with death without relapse "
                "(non-relapse mortality) as the competing event is estimated by the Aalen-Johansen estimator with "
                f"delta-method variance and {level}% pointwise confidence intervals on the log(-log) scale (as R "
                "cmprsk cuminc)")
        if (ard["statistic"] == "gray_p").any():
            text += "; groups compared with Gray's test"
        recs.append(("competing_risks", text + ".", {}))
    if "safety" in sections:
        recs.append(_safety_record(settings, d))
        recs.append(("safety", AE_GROUPS_METHOD, {}))
    if "deaths" in sections:
        recs.append(("safety", DEATHS_METHOD, {}))
    cost = getattr(settings, "cost", None)
    if "cost" in sections and cost is not None:  # analysis/cost.py
        recs.append(("cost", f"Drug use counts {WASTAGE_RULES[cost.wastage]} from the infusion records, priced at "
                     f"{cost.price_per_vial:g} {cost.currency} per vial; the drug cost per CR/CRi and per "
                     "MRD-negative patient is the group's total drug cost divided by its responders, with "
                     f"{int(round(cost.confidence_level * 100))}% percentile bootstrap confidence intervals "
                     f"({cost.bootstrap_replicates} resamples of the group's patients, seed {cost.bootstrap_seed}).",
                     {}))
    if "conventions" in sections:
        recs.append(("conventions", "Where R and SAS defaults differ, the appendix gives each number under the other "
                     "convention as well.", {}))
    if form == "summary":
        recs.append(("data", "The data are a per-patient summary without dates: only counts, proportions and "
                     "their confidence intervals are computed; the analyses that need dates are listed as not "
                     "available, with the reason.", {}))
    recs.extend((t[0], t[1], t[2] if len(t) > 2 else {}) for t in extra)
    versions = software_versions()
    text = "Computed with " + ", ".join(f"{k} {v}" for k, v in versions.items())
    if sections & {"survival", "competing_risks", "cox"}:
        text += (f"; the estimators reproduce R {R_REFERENCE['R']} (survival {R_REFERENCE['survival']}, cmprsk "
                 f"{R_REFERENCE['cmprsk']}), against which they are tested")
    recs.append(("software", text + ".", {}))
    return pd.DataFrame(recs, columns=list(METHOD_COLUMNS))
