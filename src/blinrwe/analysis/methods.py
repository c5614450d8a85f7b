"""Method records: what was actually done, for the report's methods paragraph.

Records are ``(topic, text)``: plain statements of estimators, CI methods,
tests, definitions and software versions. The report layer words them into a
paragraph; nothing here is patient data.
"""

from __future__ import annotations

import platform
from importlib import metadata

import pandas as pd

from .results import METHOD_COLUMNS
from .safety import CRS_ICANS_GRADING

__all__ = ["method_records", "software_versions"]


def software_versions() -> dict[str, str]:
    """Versions of blinrwe and the libraries computing the statistics."""
    out = {"python": platform.python_version()}
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


def method_records(settings, ard: pd.DataFrame, *, form: str, extra=()) -> pd.DataFrame:
    """Ordered method records for the analyses present in ``ard``."""
    recs: list[tuple[str, str]] = []
    sections = set(ard["section"]) if len(ard) else set()
    level = int(round(settings.confidence_level * 100))
    if "baseline" in sections:
        recs.append(("baseline", "Categorical variables are summarised as n (%) of patients with a known value and "
                     "continuous variables as median (range) and mean (SD). Groups are compared with Pearson's "
                     "chi-squared test (Yates' correction for 2x2 tables) or Fisher's exact test when an expected "
                     "count is below 5, and with the Wilcoxon rank-sum or Kruskal-Wallis test."))
    if len(ard) and (ard["statistic"] == "not_applicable").any():
        rules = ard.loc[ard["statistic"] == "not_applicable", ["variable", "method"]].drop_duplicates("variable")
        recs.append(("baseline", "Not counted as missing where not applicable by definition: "
                     + "; ".join(f"{v} ({m.removeprefix('not applicable: ')})" for v, m in rules.itertuples(index=False))
                     + "."))
    if "response" in sections:
        recs.append(("response", f"Response rates are given with exact (Clopper-Pearson) "
                     f"{int(round(settings.response_confidence_level * 100))}% confidence intervals; the denominator "
                     "of each rate is stated. MRD negativity is MRD below 1e-4."))
    if "survival" in sections:
        recs.append(("survival", f"Time-to-event endpoints are estimated by the Kaplan-Meier method with Greenwood "
                     f"variance and {level}% pointwise confidence intervals on the {settings.ci_transform} scale; "
                     "median times with Brookmeyer-Crowley confidence intervals; groups compared with the "
                     f"log-rank test. Times in {settings.time_unit} (1 month = 30.4375 days)."))
        primary = "reverse Kaplan-Meier" if settings.followup == "reverse_km" else "simple median of observation times"
        recs.append(("followup", f"Median follow-up is reported by the {primary} method (both methods are given)."))
    if "cox" in sections:
        recs.append(("cox", f"Hazard ratios from Cox proportional hazards models ({settings.cox_ties} ties), "
                     "univariable and multivariable (complete cases), with Wald confidence intervals; proportional "
                     "hazards checked by scaled Schoenfeld residuals (cox.zph, KM transform)."))
    if len(ard) and (ard["table"] == "cox_subgroups").any():
        recs.append(("cox", "Subgroup hazard ratios (forest plot): for each subgroup variable a univariable Cox model "
                     "of the endpoint on that variable, each level compared with the reference (first) level, among "
                     "patients with a known value."))
    if "competing_risks" in sections:
        recs.append(("competing_risks", "Cumulative incidence of relapse and non-relapse mortality as competing "
                     "risks (Aalen-Johansen estimator), groups compared with Gray's test."))
    if "safety" in sections:
        recs.append(("safety", f"Adverse events graded by {settings.grading} (CRS and ICANS by {CRS_ICANS_GRADING}); each "
                     f"patient is counted once per term at the worst grade ({settings.ae_window})."))
    if form == "summary":
        recs.append(("data", "The data are a patient summary without dates: only counts and proportions are "
                     "computed."))
    recs.extend(extra)
    versions = software_versions()
    recs.append(("software", "Computed with " + ", ".join(f"{k} {v}" for k, v in versions.items()) + "."))
    return pd.DataFrame(recs, columns=list(METHOD_COLUMNS))
