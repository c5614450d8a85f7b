"""What the analysis layer is asked to compute (built by the app from the study specification).

Kept here, not in ``app``, because a lower layer never imports a higher one.
"""

from __future__ import annotations

from dataclasses import dataclass

from blinrwe.derive.post_baseline import applies_among

from .levels import subset_variable

__all__ = ["AnalysisSettings", "CostSettings"]


@dataclass(frozen=True)
class CostSettings:
    """Drug-cost analysis (``blinrwe.analysis.cost``): price per vial in ``currency``, the wastage rule
    ("per_bag" or "shared", ``blinrwe.derive.drug_use``), the course grouping compared side by side
    (an ADSL column, "" = whole cohort), and the seeded percentile bootstrap of cost per responder."""

    price_per_vial: float
    currency: str = ""
    wastage: str = "per_bag"
    by: str = "regimen_class"
    confidence_level: float = 0.95
    bootstrap_replicates: int = 2000
    bootstrap_seed: int = 1


@dataclass(frozen=True)
class AnalysisSettings:
    """Choices of the analysis layer (all unformatted; the report does the rounding).

    endpoints, variants : time-to-event endpoints and censoring variants to analyse
        (rows of ``AnalysisData.tte``).
    subgroups : ADSL grouping columns; survival and response are also given per level,
        with a log-rank test between levels.
    table1_by : grouping column of Table 1 ("" = overall only).
    table1_variables : ADSL columns of Table 1 (empty = the standard list present in the data).
    time_unit : "months" or "days" (times of curves, landmarks and medians).
    landmarks : landmark times in ``time_unit`` for KM rates and cumulative incidences.
    confidence_level, ci_transform : KM pointwise CI (log-log by default, domain-spec 5).
    followup : "reverse_km" or "simple_median" (the one marked primary in the methods).
    response_confidence_level : Clopper-Pearson level of response rates.
    cox_endpoints, cox_covariates, cox_ties : Cox regression.
    cox_convergence : stopping rule of the Cox fits, "r" (R coxph) or "phreg_gconv" (SAS PHREG GCONV).
    cost : drug-cost analysis (None = none: no price per vial was given).
    conventions_appendix : compute the numbers under the other (R or SAS) convention for the appendix
        (``blinrwe.analysis.conventions``).
    cox_subgroups : grouping columns whose levels get a hazard ratio against the reference
        level per Cox endpoint (forest plot; table "cox_subgroups"); None = ``subgroups``.
    analysis_set : attrition set whose included patients are analysed.
    within : comparisons within a subset, as (subset, variable) pairs: survival and competing risks by
        ``variable`` among the patients with ``subset`` = yes (e.g. ("responder", "allo_hsct_after"):
        OS by HSCT vs no HSCT among responders, seed 004); ``subset`` is a yes/no column or
        "<column>=<level>" ("best_response=CR"), and a 1-tuple ``(subset,)`` (variable = the subset's own
        column) gives the endpoints among the subset alone (DOR among CR patients). None = offered automatically for each
        subgroup defined after the first infusion that declares the patients it applies to
        (``blinrwe.derive.post_baseline``); () = none.
    postbaseline_method, postbaseline_landmarks : how groupings by a dated event after the first
        infusion are also analysed ("time_dependent", "landmark", "both", "none"; see
        ``blinrwe.analysis.post_baseline``) and the landmark times in ``time_unit``.
    rmst_tau : horizon of the restricted mean survival time (``time_unit``; None = not computed).
    logrank_rho, logrank_strata, trend : the test between groups: Fleming-Harrington weight
        S(t-)^rho (0 = log-rank, 1 = Peto-Peto, R ``survdiff(rho = )``), stratified by the
        ``logrank_strata`` columns; ``trend``: grouping columns with ordered levels that get the
        log-rank test for trend too (analysis/group_tests.py).
    cox_strata : columns with their own baseline hazard in every Cox model (stratified Cox).
    competing_covariates : covariates of the cause-specific Cox and Fine-Gray models of CIR
        (analysis/competing_regression.py); None = ``cox_covariates``.
    """

    endpoints: tuple[str, ...] = ("OS", "EFS", "RFS", "PFS", "CIR")
    variants: tuple[str, ...] = ("none",)
    subgroups: tuple[str, ...] = ("disease_setting", "ph_status", "intent")
    table1_by: str = "disease_setting"
    table1_variables: tuple[str, ...] = ()
    time_unit: str = "months"
    landmarks: tuple[float, ...] = (6.0, 12.0, 24.0)
    confidence_level: float = 0.95
    ci_transform: str = "log-log"
    followup: str = "reverse_km"
    response_confidence_level: float = 0.95
    cox_endpoints: tuple[str, ...] = ("OS",)
    cox_covariates: tuple[str, ...] = ("age_at_t0", "disease_setting", "ph_status")
    cox_ties: str = "efron"
    cox_subgroups: tuple[str, ...] | None = None
    analysis_set: str = "treated"
    within: tuple[tuple[str, str], ...] | None = None
    ae_window: str = "during blinatumomab"
    grading: str = "CTCAE_v5"
    postbaseline_method: str = "both"
    postbaseline_landmarks: tuple[float, ...] = (6.0,)
    cox_convergence: str = "r"
    cost: CostSettings | None = None
    conventions_appendix: bool = False
    rmst_tau: float | None = None
    logrank_rho: float = 0.0
    logrank_strata: tuple[str, ...] = ()
    trend: tuple[str, ...] = ()
    cox_strata: tuple[str, ...] = ()
    competing_covariates: tuple[str, ...] | None = None

    @property
    def forest_subgroups(self) -> tuple[str, ...]:
        """Grouping columns of the subgroup hazard ratios (``cox_subgroups``, else ``subgroups``)."""
        return self.subgroups if self.cox_subgroups is None else self.cox_subgroups

    def within_pairs(self) -> tuple[tuple[str, str], ...]:
        """The (subset, variable) comparisons to make: ``within``, or the declared ones for the subgroups."""
        if self.within is not None:  # "<subset>" alone: the endpoints among the subset (variable = the subset's)
            return tuple((w[0], w[1] if len(w) > 1 and w[1] else subset_variable(w[0])) for w in self.within)
        return tuple((applies_among(g), g) for g in dict.fromkeys(self.subgroups) if applies_among(g))
