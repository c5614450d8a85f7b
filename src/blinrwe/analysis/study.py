"""Analyse one study: AnalysisData + AnalysisSettings -> StudyResults.

Runs every analysis the data allow, in report order: patient flow, Table 1,
exposure, response, survival (+ follow-up), Cox, competing risks, safety,
treatment patterns. A summary-form study (no dates) gets the analyses that need
no dates; the others are listed in ``StudyResults.unavailable`` with the reason.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from blinrwe.derive.attrition import analysis_set_members
from blinrwe.derive.endpoints import endpoint_definitions
from blinrwe.derive.response import RESPONSE_POPULATION_CODES, response_population_descriptions
from blinrwe.derive.settings import DeriveSettings
from blinrwe.errors import SpecificationError

from .ard import ard_frame, ard_row, empty_ard
from .array_memo import remembering
from .baseline import baseline_table
from .competing import competing_risk_analyses
from .conventions import convention_cox_rows, convention_rows, primary_model_key
from .cost import cost_table
from .competing_regression import competing_regression
from .group_tests import group_tests
from .exposure import exposure_table
from .methods import method_records
from .levels import subset_mask, subset_variable
from .patterns import therapy_path_counts, treatment_flows
from .positions import known_positions
from .post_baseline import post_baseline_analyses, post_baseline_method_records
from .regression import SharedCoxModels, cox_models, cox_subgroup_models
from .response import response_table
from .results import FINDING_COLUMNS, UNAVAILABLE_COLUMNS, StudyResults, empty_frame
from .safety import safety_table
from .safety_outcomes import deaths_table, subsequent_therapy_table
from .settings import AnalysisSettings
from .side_by_side import SideBySide
from .summary_measures import rmst_rows, survival_difference_rows
from .survival import SurvivalOutput, split_endpoints, survival_analyses, time_column

__all__ = ["analyse_study", "TABLE1_VARIABLES"]

TABLE1_VARIABLES = (
    "age_at_t0", "age_years", "sex", "disease_setting", "disease_status", "ph_status", "intent", "rr_type",
    "relapse_number", "prior_lines", "disease_status_at_t0", "bm_blast_pct_at_t0", "mrd_status_at_t0",
    "genetic_risk_group", "wbc_at_diagnosis", "cns_involvement", "extramedullary_disease", "cd19_positive",
    "prior_allo_hsct", "prior_car_t", "prior_inotuzumab", "prior_tki", "prior_therapy", "bridging_type",
)
# Table 1 shows one of two columns holding the same value (summary form: age_years = age_at_t0).
_SAME_AS = {"age_years": "age_at_t0"}
_DATED_ONLY = (
    ("exposure", "exposure", "needs the dated infusion table"),
    ("survival", "time-to-event endpoints (Kaplan-Meier, log-rank, follow-up)", "needs dates of events"),
    ("cox", "Cox regression", "needs dates of events"),
    ("competing_risks", "cumulative incidence of relapse and NRM", "needs dates of events"),
    ("safety", "adverse events by term and grade", "needs the dated adverse-event table"),
)


def _attrition_rows(attrition: pd.DataFrame) -> list[dict]:
    """The patient flow (``AnalysisData.attrition``: patients per analysis set x included x reason) as ARD rows:
    per analysis set, in the flow's order, ``included`` and then ``excluded: <reason>`` / ``unavailable:
    <reason>`` in alphabetical order, each over the set's patients (every set starts from all of them).

    Patients whose membership cannot be determined (``included`` missing, e.g. "MRD-positive at T0" on the
    summary form) are counted in ``unavailable: <reason>`` rows, never as excluded; a set nobody can be
    placed in gets no ``included`` row (it is unknown, not empty), nor does a study without patients.
    """
    rows = []
    if attrition is None or attrition.empty:
        return rows
    sets = attrition["analysis_set"].to_numpy(dtype=object)
    flag = attrition["included"].astype("boolean")
    unknown = flag.isna().to_numpy()
    included = flag.fillna(False).to_numpy(dtype=bool)
    patients = attrition["n"].to_numpy(dtype=np.int64)
    labels = [f"{'unavailable' if u else 'excluded'}: {'unknown' if pd.isna(r) else r}"
              for u, r in zip(unknown, attrition["reason"])]
    for aset in pd.unique(sets):
        here = sets == aset
        size = int(patients[here].sum())
        if patients[here & ~unknown].sum():
            k = int(patients[here & included].sum())
            rows.append(ard_row("flow", "attrition", aset, "n", k, level="included", n=k, denominator=size,
                                method="count"))
        by_label: dict[str, int] = {}
        for i in np.flatnonzero(here & ~included):
            by_label[labels[i]] = by_label.get(labels[i], 0) + int(patients[i])
        for level, k in sorted(by_label.items()):
            if k:
                rows.append(ard_row("flow", "attrition", aset, "n", k, level=level, n=k, denominator=size,
                                    method="count"))
    return rows


def _analysis_set_mask(analysis_data, aset: str) -> np.ndarray:
    """Which ADSL rows are in analysis set ``aset`` (every row when there is no patient flow).

    The sets, and whether each can be determined, are the patient flow's (``AnalysisData.attrition``); the
    members follow the sets' declared rule (``analysis_set_members``: ADSL flags, an endpoint's ``tte`` rows),
    read only when the flow says the set holds some of the patients but not all.
    """
    flow = getattr(analysis_data, "attrition", None)
    adsl = analysis_data.adsl
    if flow is None or flow.empty:
        return np.ones(len(adsl), dtype=bool)
    sets = pd.unique(flow["analysis_set"].to_numpy(dtype=object))
    if aset not in set(sets):
        raise SpecificationError(
            f'endpoints.analysis_set = "{aset}" is not an analysis set of this study; allowed values: '
            + ", ".join(f'"{s}"' for s in sets) + "."
        )
    rows = flow.loc[flow["analysis_set"].to_numpy(dtype=object) == aset]
    flag = rows["included"].astype("boolean")
    if flag.isna().any():
        why = rows.loc[flag.isna().to_numpy(), "reason"].iloc[0]
        raise SpecificationError(
            f'endpoints.analysis_set = "{aset}" cannot be determined from these data ({why}); '
            'choose another analysis set, e.g. "treated".'
        )
    n_included = int(rows.loc[flag.fillna(False).to_numpy(dtype=bool), "n"].sum())
    if n_included in (0, len(adsl)):
        return np.full(len(adsl), n_included > 0)
    members = analysis_set_members(adsl, analysis_data.tte, aset)
    if int(members.sum()) != n_included:
        raise ValueError(f'the patient flow counts {n_included} patients in analysis set "{aset}" but the patient '
                         f'table and the endpoints give {int(members.sum())}: the analysis data are not one derivation')
    return members


def _time_origins(definitions) -> dict[str, str]:
    """Endpoint -> what its time 0 is, from the endpoint declarations of the derivation settings used
    (the defaults when the analysis data carry none); NRM shares the origin of CIR."""
    origins = {name: e.time_origin for name, e in endpoint_definitions(definitions or DeriveSettings()).items()}
    origins["NRM"] = origins["CIR"]
    return origins


def _response_populations(adsl: pd.DataFrame, definitions) -> list[tuple[str, str, np.ndarray]]:
    """(code, description, mask) of the populations the headline response rates are given among
    (``DeriveSettings.response_population``): none for all treated; else overt disease first, then the
    patients in CR at the first infusion (shown separately: their CR is sustained, not reached)."""
    if definitions is None or definitions.response_population == "all_treated":
        return []
    described = response_population_descriptions(definitions)
    out = []
    for code in RESPONSE_POPULATION_CODES:
        column = f"response_population_{code}"
        if column in adsl.columns:
            out.append((code, described[code], adsl[column].astype("boolean").fillna(False).to_numpy(dtype=bool)))
    return out


def _within_comparisons(tte, adsl, s: AnalysisSettings, km_endpoints, competing, origins, out, split,
                        group_test=None) -> None:
    """Survival and competing risks by ``variable`` among the patients with ``subset`` = yes, for each
    (subset, variable) of ``s.within_pairs()``; group_var "<variable>|<subset>" (no whole-cohort rows)."""
    for subset, variable in s.within_pairs():
        column = subset_variable(subset)
        if column not in adsl.columns or variable not in adsl.columns:
            if s.within is None:
                continue  # offered automatically, but these data do not have the subset
            raise SpecificationError(
                f'survival.within = "{subset} by {variable}": the derived patient table has no '
                f'{"variable " + repr(variable) if column in adsl.columns else "subset " + repr(column)}; '
                'give a yes/no variable (or "<variable>=<level>") of the patients to compare within, "by", and a '
                'grouping variable.')
        members = subset_mask(adsl, subset)
        group_var = f"{variable}|{subset}"
        sub = pd.DataFrame({"patient_id": adsl["patient_id"].to_numpy()[members],
                            group_var: adsl[variable].to_numpy()[members]})
        keep = {key: rows[rows["patient_id"].isin(sub["patient_id"])] for key, rows in split.items()}
        if variable in s.subgroups:  # an endpoint of the subset only (RFS, CIR: responders) is compared already
            keep = {key: rows for key, rows in keep.items() if len(rows) < len(split[key])}
        common = dict(variants=s.variants, subgroups=(group_var,), time_unit=s.time_unit, landmarks=s.landmarks,
                      level=s.confidence_level, out=out, parts=keep, origins=origins, overall=False)
        survival_analyses(tte, sub, endpoints=km_endpoints, ci_transform=s.ci_transform, group_test=group_test,
                          **common)
        competing_risk_analyses(tte, sub, endpoints=[e for e in s.endpoints if e in competing], **common)


def _summary_form_unavailable(unavailable: list, s: AnalysisSettings, gone: dict) -> list:
    """What a summary-form study (no dates) cannot give: one line per analysis (what derive could not
    derive is said again, more fully)."""
    endpoints = [e for e in s.endpoints if e in gone]
    covered = {*endpoints, "exposure", "adverse events"}
    unavailable = [u for u in unavailable if u[1] not in covered]
    for section, what, why in _DATED_ONLY:
        if section == "survival" and endpoints:
            what = what.replace("endpoints", f"endpoints {', '.join(endpoints)}", 1)
        unavailable.append((section, what, f"the study uses the patient summary form (no dates); {why}"))
    return unavailable


def _survival(parts: list, tte, adsl, s: AnalysisSettings, split, competing, definitions):
    """Kaplan-Meier, log-rank, cumulative incidence (also within subsets), post-baseline analyses, RMST and
    survival differences: their ARD parts appended to ``parts``; returns (curves, risk tables)."""
    km_endpoints = [e for e in s.endpoints if e not in competing]
    origins = _time_origins(definitions)
    test = group_tests(adsl, rho=s.logrank_rho, strata=s.logrank_strata, trend=s.trend)
    out = survival_analyses(tte, adsl, endpoints=km_endpoints, variants=s.variants, subgroups=s.subgroups,
                            time_unit=s.time_unit, landmarks=s.landmarks, level=s.confidence_level,
                            ci_transform=s.ci_transform, out=SurvivalOutput(), parts=split, origins=origins,
                            group_test=test)
    competing_risk_analyses(tte, adsl, endpoints=[e for e in s.endpoints if e in competing], variants=s.variants,
                            subgroups=s.subgroups, time_unit=s.time_unit, landmarks=s.landmarks,
                            level=s.confidence_level, out=out, parts=split, origins=origins)
    _within_comparisons(tte, adsl, s, km_endpoints, competing, origins, out, split, test)
    post_baseline_analyses(split, adsl, s, endpoints=km_endpoints, out=out, origins=origins)
    rows, curves, risk = out.frames()
    parts.append(ard_frame(rows))
    summary = dict(endpoints=km_endpoints, variants=s.variants, subgroups=s.subgroups, time_unit=s.time_unit,
                   level=s.confidence_level, parts=split, counts=out.counts)  # the curves' tabulations
    parts.append(ard_frame(rmst_rows(tte, adsl, tau=s.rmst_tau, **summary)))
    parts.append(ard_frame(survival_difference_rows(tte, adsl, landmarks=s.landmarks, **summary)))
    return curves, risk


def _regressions_and_safety(tte, adsl, s: AnalysisSettings, split, competing, ae) -> tuple[list[pd.DataFrame], object]:
    """The Cox models (the table; the R-versus-SAS appendix's refits of its primary model; the forest's
    subgroups), the competing-risk regressions and the adverse events: their ARD parts in report order,
    and the appendix's Cox rows. At a registry's size they run beside the other analyses (SideBySide)."""
    appendix = s.conventions_appendix and primary_model_key(adsl, s)  # the appendix refits the Cox table's model
    shared = SharedCoxModels([appendix] if appendix else [])
    tcol = time_column(s.time_unit)
    parts = [cox_models(tte, adsl, endpoints=s.cox_endpoints, covariates=s.cox_covariates, variant=s.variants[0],
                        time_column=tcol, ties=s.cox_ties, level=s.confidence_level, parts=split,
                        strata=s.cox_strata, convergence=s.cox_convergence, shared=shared)]
    cox_conventions = convention_cox_rows(split, adsl, s, shared) if s.conventions_appendix else None
    del shared  # the model's rows are not held through the analyses below
    parts.append(competing_regression(
        tte, adsl, endpoints=[e for e in s.endpoints if e in competing], variant=s.variants[0],
        covariates=s.cox_covariates if s.competing_covariates is None else s.competing_covariates,
        time_column=tcol, ties=s.cox_ties, level=s.confidence_level, strata=s.cox_strata, parts=split))
    parts.append(cox_subgroup_models(tte, adsl, endpoints=s.cox_endpoints, subgroups=s.forest_subgroups,
                                     variant=s.variants[0], time_column=tcol, ties=s.cox_ties,
                                     level=s.confidence_level, parts=split, strata=s.cox_strata,
                                     convergence=s.cox_convergence))
    if ae is not None:
        parts.append(safety_table(ae, adsl["patient_id"], grading=s.grading, window=s.ae_window,
                                  populations=_gvhd_population(adsl)))
    return parts, cox_conventions


def _gvhd_population(adsl: pd.DataFrame) -> dict:
    """GVHD is counted among the patients transplanted before blinatumomab (seed 002: all 64 had relapsed
    after allo-HSCT), when the data record one; else among all treated."""
    if "prior_allo_hsct" not in adsl.columns:
        return {}
    prior = adsl["prior_allo_hsct"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    if not prior.any():
        return {}
    return {"GVHD": (adsl["patient_id"].to_numpy()[prior], "prior_allo_hsct",
                     "the patients with an allo-HSCT before blinatumomab")}


def _check_subgroups(adsl: pd.DataFrame, settings: AnalysisSettings) -> None:
    missing = [g for g in (*settings.subgroups, *settings.forest_subgroups) if g not in adsl.columns]
    if settings.table1_by and settings.table1_by not in adsl.columns:
        missing.append(settings.table1_by)
    if missing:
        allowed = sorted(c for c in adsl.columns if c != "patient_id" and adsl[c].dtype == object or
                         pd.api.types.is_bool_dtype(adsl[c]))
        raise SpecificationError(
            f"subgroups names {sorted(set(missing))}, which the derived patient table does not have; "
            f"grouping variables available: {', '.join(allowed)}."
        )


def analyse_study(analysis_data, settings: AnalysisSettings | None = None, *, form: str = "study",
                  findings: pd.DataFrame | None = None, synthetic: bool = False, title: str = "") -> StudyResults:
    """Compute everything the report shows (unformatted) from derived analysis datasets."""
    with remembering():  # columns factorised and patient ids looked up once per study (analysis/array_memo.py)
        return _analyse_study(analysis_data, settings, form=form, findings=findings, synthetic=synthetic,
                              title=title)


def _analyse_study(analysis_data, settings: AnalysisSettings | None, *, form: str, findings: pd.DataFrame | None,
                   synthetic: bool, title: str) -> StudyResults:
    s = settings or AnalysisSettings()
    gone = getattr(analysis_data, "unavailable", {})
    if form != "summary":  # an absent optional table: what needs it is not computed (derive/absent_tables.py)
        s = replace(s, endpoints=tuple(e for e in s.endpoints if e not in gone),
                    cox_endpoints=tuple(e for e in s.cox_endpoints if e not in gone),
                    variants=("none",) if "censoring variants" in gone else s.variants)
    adsl_all = analysis_data.adsl
    _check_subgroups(adsl_all, s)
    in_set = _analysis_set_mask(analysis_data, s.analysis_set)
    everyone = bool(in_set.all())
    adsl = adsl_all if everyone else adsl_all[in_set].reset_index(drop=True)
    parts = [ard_frame(_attrition_rows(getattr(analysis_data, "attrition", None)))]
    unavailable = [("derive", name, reason) for name, reason in gone.items()]

    dated = form != "summary"
    definitions = getattr(analysis_data, "settings", None)
    tte = split = ae = None
    competing: set = set()
    if dated:
        tte = analysis_data.tte
        if not everyone:
            tte = tte[tte["patient_id"].isin(adsl["patient_id"])]
        else:  # each row's patient by position where derive gives it (its patient codes)
            for name, rows in getattr(analysis_data, "adsl_rows", {}).items():
                known_positions(adsl["patient_id"].to_numpy(), getattr(analysis_data, name)["patient_id"].to_numpy(),
                                rows)
        split = split_endpoints(tte, (*s.endpoints, *s.cox_endpoints))  # once for every analysis below
        competing = {endpoint for (endpoint, _), rows in split.items()
                     if "event_type" in rows.columns and rows["event_type"].notna().any()}
        ae = None if "adverse events" in gone else getattr(analysis_data, "adverse_events", None)
    # the regressions and the adverse events are computed beside the rest at a registry's size
    with SideBySide(_regressions_and_safety, tte, adsl, s, split, competing, ae,
                    rows=len(tte) if dated else 0) as worker:
        table1_vars = s.table1_variables or tuple(v for v in TABLE1_VARIABLES if v in adsl.columns
                                                  and not (v in _SAME_AS and _SAME_AS[v] in adsl.columns))
        for v in table1_vars:
            if v not in adsl.columns:
                unavailable.append(("baseline", v, "not in the data"))
        parts.append(baseline_table(adsl, [v for v in table1_vars if v in adsl.columns], s.table1_by))
        if "response" not in gone:
            parts.append(response_table(adsl, s.subgroups, level=s.response_confidence_level,
                                        populations=_response_populations(adsl, definitions)))
        therapies = "subsequent therapy" not in gone
        curves = risk = cox_conventions = None
        flows = treatment_flows(adsl if therapies else adsl.iloc[:0], split_by="disease_setting")
        if dated:
            parts.append(exposure_table(adsl, s.table1_by))
            if s.cost is not None:  # drug cost (analysis/cost.py), only when a price per vial is given
                ds = definitions or DeriveSettings()
                parts.append(cost_table(adsl, getattr(analysis_data, "exposure_cycles", pd.DataFrame()), s.cost,
                                        vial_strength_ug=ds.vial_strength_ug, window=ds.primary_response_window))
            curves, risk = _survival(parts, tte, adsl, s, split, competing, definitions)
            regression_parts, cox_conventions = worker.result()
            parts += regression_parts
        else:
            unavailable = _summary_form_unavailable(unavailable, s, gone)
        if "deaths" not in gone:
            parts.append(deaths_table(adsl, ae, cutoff=getattr(definitions, "data_cutoff", None), window=s.ae_window))
        if therapies:
            parts.append(subsequent_therapy_table(adsl))
            parts.append(therapy_path_counts(adsl))
        ard = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else empty_ard()
        if s.conventions_appendix and dated:  # R versus SAS appendix (analysis/conventions.py)
            extra = convention_rows(ard, tte, adsl, s, parts=split, cox=cox_conventions)
            if len(extra):
                ard = pd.concat([ard, extra], ignore_index=True)
    kwargs = {}
    if curves is not None:
        kwargs.update(curves=curves, risk_tables=risk)
    return StudyResults(
        ard=ard,
        flows=flows,
        methods=method_records(s, ard, form=form, definitions=definitions,
                               extra=post_baseline_method_records(s, ard)),
        unavailable=pd.DataFrame(unavailable, columns=list(UNAVAILABLE_COLUMNS)),
        findings=findings if findings is not None else empty_frame(FINDING_COLUMNS),
        analysis_data=analysis_data,
        form=form,
        time_unit=s.time_unit,
        synthetic=synthetic,
        title=title,
        **kwargs,
    )
