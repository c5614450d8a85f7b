"""Display labels for the codes in the ARD (variables, levels, endpoints, variants, AE terms).

Codes come from the declared tables (blinrwe.model.tables) and the ARD vocabulary
(blinrwe.analysis.ard); the words are those of the seed papers. A study's own
labels (ReportContext.variable_labels / group_labels) win over these.

The dictionaries hold the English; every function returns its label in the language
of the run (:mod:`blinrwe.model.i18n`): each English word and each way labels are put
together ("No {label}", "{label} among {subset}", "by {label}") is translated where it
is produced, its Chinese in ``locale/zh/report.toml``. A study's own labels are printed
as written, and a free-text value that is no declared code is not translated.
"""

from __future__ import annotations

import ast
import re
from typing import Mapping

from blinrwe.model import tables as model_tables
from blinrwe.model.i18n import _, catalog, current_language

VARIABLE_LABELS = {
    "age_at_t0": "Age at first infusion",
    "age_group": "Age group",
    "sex": "Sex",
    "ph_status": "Philadelphia chromosome",
    "ph_like": "Ph-like signature",
    "disease_setting": "Disease setting",
    "intent": "Intent of blinatumomab",
    "rr_type": "Relapsed/refractory type",
    "relapse_number": "Relapse number",
    "prior_lines": "Previous treatment lines",
    "wbc_at_diagnosis": "WBC at diagnosis",
    "hemoglobin_at_diagnosis": "Haemoglobin at diagnosis",
    "platelets_at_diagnosis": "Platelets at diagnosis",
    "bm_blast_pct_at_diagnosis": "Marrow blasts at diagnosis",
    "bm_blast_pct_at_t0": "Marrow blasts before blinatumomab",
    "burden_class": "Leukaemic burden before blinatumomab",
    "burden_t0_ge5": "Burden at first infusion (marrow blasts < 5% / \u2265 5%)",
    "burden_t0_gt15": "Burden at first infusion (marrow blasts \u2264 15% / > 15%)",
    "burden_t0_ge50": "Burden at first infusion (marrow blasts < 50% / \u2265 50%)",
    "burden_t0_gt50": "Burden at first infusion (marrow blasts \u2264 50% / > 50%)",
    "burden_t0_pooled": "Burden at first infusion (marrow blast classes)",
    "burden_dx_ge5": "Burden at diagnosis (marrow blasts < 5% / \u2265 5%)",
    "burden_dx_gt15": "Burden at diagnosis (marrow blasts \u2264 15% / > 15%)",
    "burden_dx_ge50": "Burden at diagnosis (marrow blasts < 50% / \u2265 50%)",
    "burden_dx_gt50": "Burden at diagnosis (marrow blasts \u2264 50% / > 50%)",
    "burden_dx_pooled": "Burden at diagnosis (marrow blast classes)",
    "cns_involvement": "CNS involvement",
    "extramedullary_disease": "Extramedullary disease",
    "refractory_to_last_treatment": "Refractory to last treatment",
    "chemo_intolerant": "Chemotherapy intolerant",
    "prior_allo_hsct": "Prior allo-HSCT",
    "prior_car_t": "Prior CAR-T",
    "prior_inotuzumab": "Prior inotuzumab",
    "prior_tki": "Prior TKI",
    "bridging_type": "Therapy before blinatumomab",
    "disease_status_at_t0": "Disease status at first infusion",
    "mrd_status_at_t0": "MRD status at first infusion",
    "genetic_abnormalities": "Genetic abnormalities",
    "genetic_risk_group": "Genetic risk group",
    "cycles": "Blinatumomab cycles",
    "cycles_started": "Blinatumomab cycles started",
    "cycles_class": "Blinatumomab cycles",
    "infusion_days_total": "Infusion days, all cycles",
    "infusion_days_cycle1": "Infusion days, cycle 1",
    "duration_class_cycle1": "Blinatumomab duration, cycle 1",
    "duration_class_total": "Blinatumomab duration, all cycles",
    "regimen_class": "Dosing regimen",
    "cumulative_dose_ug": "Cumulative dose, µg",
    "first_next_therapy": "First therapy after blinatumomab",
    "further_treatment_group": "Further treatment",
    "therapy_path": "Therapy path",
    "cr_cri": "CR/CRi",
    "cr_crh": "CR/CRh",
    "cr_crh_cri": "CR/CRh/CRi",
    "mrd_negative": "MRD negativity",
    "responder": "Responders",
    "evaluable": "Evaluable patients",
    "CR": "CR",
    "CRi": "CRi",
    "CRh": "CRh",
    "CIR": "Cumulative incidence of relapse",
    "NRM": "Non-relapse mortality",
    "vials_min": "Vials, minimum",
    "vials_per_bag": "Vials opened per bag",
    "vials_shared": "Vials shared across days",
    "full_dose_days": "Days at full dose",
    "patients": "Patients",
    "n_cycles": "Blinatumomab cycles",
    "infusion_days": "Infusion days",
    "exposure_days": "Infusion days",
    "exposure_class": "Blinatumomab exposure",
    "duration_class": "Blinatumomab duration",
    "stop_reason": "Reason for stopping blinatumomab",
    "best_response": "Best response",
    "next_therapy": "First subsequent therapy",
    "any_subsequent_therapy": "Any subsequent therapy",
    "allo_hsct_after": "Allo-HSCT after blinatumomab",
    "car_t_after": "CAR-T after blinatumomab",
    "cd19_positive": "CD19-positive",
    "dose_per_label": "Dosed per label",
    "treated": "All treated patients",
    "efficacy": "Efficacy analysis set",
    "safety": "Safety analysis set",
    # the other ADSL columns (docs/architecture.md), so no title ever prints a column code
    "site": "Site",
    "age_years": "Age",
    "prior_therapy": "Prior therapy",
    "setting": "Treatment setting",
    "in_cr_at_t0": "In CR at first infusion",
    "response_population_overt_disease": "Overt marrow disease at first infusion",
    "response_population_in_cr_at_t0": "In CR at first infusion (response population)",
    "intent_derived": "Intent of blinatumomab (derived)",
    "intent_source": "Source of the intent",
    "relapse_number_source": "Source of the relapse number",
    "disease_status": "Disease status",
    "disease_status_class": "Disease status (setting and relapse number)",
    "mrd_status_at_t0_source": "Source of the MRD status at first infusion",
    "mrd_method_at_t0": "MRD method at first infusion",
    "bsa_m2_computed": "Body surface area (computed)",
    "bsa_m2_used": "Body surface area",
    "bsa_source": "Source of the body surface area",
    "dose_source": "Source of the dose",
    "step_up_days": "Days at step-up dose",
    "post_baseline_assessment": "Response assessed after the first infusion",
    "second_next_therapy": "Second therapy after blinatumomab",
    "first_next_therapy_intent": "Recorded intent of the first therapy after blinatumomab",
    "n_subsequent_therapies": "Therapies after blinatumomab",
    "further_treatment": "Any further treatment",
    "any_ae": "Any adverse event",
    "any_ae_ge3": "Grade \u2265 3 adverse event",
    "crs_any": "Cytokine release syndrome",
    "icans_any": "ICANS",
    "crs_ge3": "Grade \u2265 3 CRS",
    "any_ae_worst_grade": "Worst adverse-event grade",
    "crs_worst_grade": "Worst CRS grade",
    "icans_worst_grade": "Worst ICANS grade",
    "relapse": "Relapse",
    "progression": "Progression",
    "death": "Death",
    "cause_of_death": "Cause of death",
    # deaths and fatal adverse events (analysis/safety_outcomes.py)
    "fatal_ae": "Fatal adverse event",
    "fatal_ae_term": "Fatal adverse event by term",
    "fatal_ae_related": "Fatal adverse event related to blinatumomab (treatment-related death)",
    "vital_status": "Vital status",
}

#: Response assessment windows of ``derive.response`` (``RESPONSE_WINDOWS``), as row headings.
RESPONSE_WINDOW_LABELS = {"2_cycles": "Within 2 cycles", "12_weeks": "Within 12 weeks",
                          "overall": "At any time after blinatumomab"}
#: The MRD-response denominators of the ADSL (``mrd_denominator_<code>``).
MRD_DENOMINATOR_LABELS = {"all_treated": "all treated patients", "available": "patients with MRD assessed",
                          "responders": "responders", "positive_at_t0": "MRD-positive at first infusion"}
#: Per-window response flags of the ADSL (``<flag>_<window>``, derive/response.py).
_RESPONSE_FLAGS = {"best_response": "Best response", "cr_cri": "CR/CRi", "cr_crh": "CR/CRh", "cr_crh_cri": "CR/CRh/CRi",
                   "mrd_assessed": "MRD assessed", "mrd_negative": "MRD negativity",
                   "complete_mrd_response": "Complete MRD response"}
VARIABLE_LABELS.update({f"{flag}_{window}": f"{label} {heading[:1].lower()}{heading[1:]}"
                        for flag, label in _RESPONSE_FLAGS.items() for window, heading in RESPONSE_WINDOW_LABELS.items()})
VARIABLE_LABELS.update({f"mrd_denominator_{code}": f"MRD denominator: {label}" for code, label in MRD_DENOMINATOR_LABELS.items()})

_BEST_RESPONSE = {"NR": "No response", "PD": "Progressive disease", "hypoplastic": "Hypoplastic marrow", "relapse": "Relapse"}

#: Levels of one variable as a reader names them, in legends, column headers and row labels;
#: a yes/no variable never reads "Yes" / "No". A yes/no variable not listed here reads
#: "<its label>" / "No <its label>" ("CNS involvement" / "No CNS involvement"). The
#: specification overrides any of them: ``[group_labels.cr_cri] yes = "CR"`` (or the key
#: ``"cr_cri.yes"``), see :func:`level_label`.
VARIABLE_LEVEL_LABELS: dict[str, dict[str, str]] = {
    # summary form: "no" is MRD measured and not negative (not assessed is missing)
    "mrd_negative": {"yes": "MRD-negative", "no": "MRD-positive"},
    "allo_hsct_after": {"yes": "Allo-HSCT", "no": "No allo-HSCT"},
    "car_t_after": {"yes": "CAR-T", "no": "No CAR-T"},
    "responder": {"yes": "Responder", "no": "Non-responder"},
    "death": {"yes": "Died", "no": "Alive"},
    "refractory_to_last_treatment": {"yes": "Refractory to last treatment", "no": "Not refractory to last treatment"},
    "chemo_intolerant": {"yes": "Chemotherapy intolerant", "no": "Not chemotherapy intolerant"},
    "cd19_positive": {"yes": "CD19-positive", "no": "CD19-negative"},
    "in_cr_at_t0": {"yes": "In CR at first infusion", "no": "Not in CR at first infusion"},
    "response_population_overt_disease": {"yes": "Overt marrow disease", "no": "No overt marrow disease"},
    "dose_per_label": {"yes": "Dosed per label", "no": "Not dosed per label"},
    "treated": {"yes": "Treated", "no": "Not treated"},
    "post_baseline_assessment": {"yes": "Response assessed", "no": "Response not assessed"},
    "further_treatment": {"yes": "Further treatment", "no": "No further treatment"},
    "any_ae": {"yes": "Any adverse event", "no": "No adverse event"},
    "crs_any": {"yes": "CRS", "no": "No CRS"},
    "icans_any": {"yes": "ICANS", "no": "No ICANS"},
    "mrd_denominator_all_treated": {"yes": "Treated", "no": "Not treated"},
    "mrd_denominator_available": {"yes": "MRD assessed", "no": "MRD not assessed"},
    "mrd_denominator_responders": {"yes": "Responder", "no": "Non-responder"},
    "mrd_denominator_positive_at_t0": {"yes": "MRD-positive at first infusion", "no": "Not MRD-positive at first infusion"},
    "mrd_method_at_t0": {"flow": "Flow cytometry"},
    "best_response": _BEST_RESPONSE,
    "vital_status": {"alive": "Alive at the end of follow-up", "died": "Died", "unknown": "Vital status unknown"},
}
for _window in RESPONSE_WINDOW_LABELS:
    VARIABLE_LEVEL_LABELS.update({
        # a per-window flag is False when the window had no such assessment: "not reached", not "positive"
        f"mrd_negative_{_window}": {"yes": "MRD-negative", "no": "Not MRD-negative"},
        f"mrd_assessed_{_window}": {"yes": "MRD assessed", "no": "MRD not assessed"},
        f"best_response_{_window}": _BEST_RESPONSE,
        **{f"{flag}_{_window}": {"yes": _RESPONSE_FLAGS[flag], "no": f"No {_RESPONSE_FLAGS[flag]}"}
           for flag in ("cr_cri", "cr_crh", "cr_crh_cri")},
    })

ENDPOINT_LABELS = {
    "OS": "Overall survival",
    "EFS": "Event-free survival",
    "RFS": "Relapse-free survival",
    "PFS": "Progression-free survival",
    "DFS": "Disease-free survival",
    "DOR": "Duration of response",
    "CIR": "Cumulative incidence of relapse",
    "NRM": "Non-relapse mortality",
    "relapse": "Relapse",
}

ABBREVIATIONS = {
    "OS": "overall survival",
    "EFS": "event-free survival",
    "RFS": "relapse-free survival",
    "PFS": "progression-free survival",
    "DFS": "disease-free survival",
    "DOR": "duration of response",
    "CR": "complete remission",
    "CRi": "complete remission with incomplete blood count recovery",
    "CRh": "complete remission with partial haematological recovery",
    "MRD": "measurable residual disease",
    "HSCT": "haematopoietic stem cell transplantation",
    "CAR-T": "chimeric antigen receptor T-cell therapy",
    "CRS": "cytokine release syndrome",
    "ICANS": "immune effector cell-associated neurotoxicity syndrome",
    "HR": "hazard ratio",
    "CI": "confidence interval",
    "SD": "standard deviation",
    "SE": "standard error",
    "NR": "not reached",
    "NE": "not estimable",
    "NA": "not applicable",
}

#: Codes the analysis layer names in its method texts (grading systems: ``safety.grading`` of
#: the specification, CRS/ICANS grading; Cox ties), as a journal prints them.
METHOD_CODE_LABELS = {
    "CTCAE_v5": "CTCAE v5.0",
    "CTCAE_v6": "CTCAE v6.0",
    "ASTCT_2019": "ASTCT 2019 consensus grading",
    "efron": "Efron",  # Cox ties (``cox.ties``)
    "breslow": "Breslow",
}
_METHOD_CODE = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, METHOD_CODE_LABELS)) + r")(?![A-Za-z0-9_])")

VARIANT_LABELS = {
    "": "",
    "none": "",
    "primary": "",
    "default": "",
    "uncensored": "not censored at HSCT/CAR-T",
    "no_censoring": "not censored at HSCT/CAR-T",
    "censor_hsct_cart": "censored at HSCT/CAR-T",
    "censored_at_hsct_cart": "censored at HSCT/CAR-T",
    "censor_hsct": "censored at allo-HSCT",
    "censor_new_therapy": "censored at new therapy",
}

LEVEL_LABELS = {
    "M": "Male",
    "F": "Female",
    "positive": "Positive",
    "negative": "Negative",
    "unknown": "Unknown",
    "yes": "Yes",
    "no": "No",
    "True": "Yes",
    "False": "No",
    "true": "Yes",
    "false": "No",
    "newly_diagnosed": "Newly diagnosed",
    "relapsed_refractory": "Relapsed/refractory",
    "primary_refractory": "Primary refractory",
    "relapsed": "Relapsed",
    "frontline_induction": "Frontline induction",
    "frontline_consolidation": "Frontline consolidation",
    "frontline_unknown": "Frontline, intent unknown",
    "rr_reinduction": "R/R re-induction",
    "rr_consolidation": "R/R consolidation",
    "rr_unknown": "R/R, intent unknown",
    "non_CR": "Not in CR",
    "allo_hsct": "Allo-HSCT",
    "car_t": "CAR-T",
    "chemotherapy": "Chemotherapy",
    "blinatumomab": "Further blinatumomab",
    "inotuzumab": "Inotuzumab ozogamicin",
    "tki": "TKI",
    "none": "None",
    "other": "Other",
    "Overall": "Overall",
    "any": "Any adverse event",
    "CRS": "Cytokine release syndrome",
    "ICANS": "ICANS",
    # therapy before blinatumomab (bridging_type)
    "chemo_induction_consolidation": "Chemotherapy (induction/consolidation)",
    "hyper_cvad_tki": "Hyper-CVAD with TKI",
    "intensive_chemo": "Intensive chemotherapy",
    "low_intensity_chemo": "Low-intensity chemotherapy",
    "none_direct": "None (blinatumomab directly)",
    "tki_plus_chemo": "TKI with chemotherapy",
    # reasons for stopping blinatumomab (stop_reason)
    "AE": "Adverse event",
    "completed": "Completed as planned",
    "cost": "Cost",
    "progression": "Progression",
    "to_car_t": "Proceeded to CAR-T",
    "to_transplant": "Proceeded to transplant",
    # dosing regimen (regimen_class)
    "fixed_14_day": "Fixed 14-day",
    "label": "As per label",
    "short_course_<10d_full_dose": "Short course (<10 days at full dose)",
    # patterns of infection and AEs
    "liver_enzymes_increased": "Liver enzymes increased",
    # genetic abnormalities (model.tables.GENETIC_ABNORMALITIES)
    "KMT2A_r": "KMT2A rearranged",
    "ETV6_RUNX1": "ETV6::RUNX1",
    "TCF3_PBX1": "TCF3::PBX1",
    "hyperdiploid": "Hyperdiploid",
    "hypodiploid": "Hypodiploid",
    "complex_karyotype": "Complex karyotype",
    "IKZF1_deletion": "IKZF1 deletion",
    "ph_like": "Ph-like",
    "PAX5": "PAX5 alteration",
    # AE term groups and terms (model.tables.AE_TERM_GROUPS, AE_TERMS), causes of death (CAUSE_OF_DEATH)
    "neurologic_events": "Neurologic events (ICANS or other neurologic event)",
    "neurologic_event": "Neurologic event",
    "GVHD": "Graft-versus-host disease",
    "leukemia": "Leukaemia",
    "transplant_related": "Transplant-related",
    "car_t_crs": "CRS after CAR-T",
    "chemotherapy_toxicity": "Chemotherapy toxicity",
    "not_recorded": "Cause not recorded",
    # recorded intent of a therapy after blinatumomab (THERAPY_INTENT)
    "bridging": "Bridging",
    "consolidation": "Consolidation",
    "salvage_at_relapse": "Salvage at relapse",
}


#: therapies after blinatumomab in clinical order (consolidation by transplant or cellular therapy first)
THERAPY_ORDER = ("allo_hsct", "car_t", "chemotherapy", "blinatumomab", "inotuzumab", "tki", "other", "none")
_BOUND = re.compile(r"^\s*(<=|>=|<|>|\u2264|\u2265)?\s*(\d+(?:\.\d+)?)")
_BOUND_RANK = {"<": -2, "<=": -1, "\u2264": -1, "": 0, ">=": 0, "\u2265": 0, ">": 1}
_LAST = ("unknown", "missing", "not_known")


def ordered_levels(levels) -> list:
    """Category levels in the order a reader expects, not in order of first appearance.

    Therapies in :data:`THERAPY_ORDER` (when every level is a therapy); classes that start
    with a number or a bound in ascending order ("<= 14 d", "15-28 d", "> 28 d"; "1", ">= 2");
    any other level after those in its order of appearance; then "other", "none" and
    "unknown"/"missing" last."""
    levels = list(dict.fromkeys(levels))
    residual = {"other": 0, "none": 1, **{code: 2 for code in _LAST}}
    therapies = all(str(level) in THERAPY_ORDER or str(level).lower() in residual for level in levels)

    def key(item):
        position, level = item
        code = str(level)
        if therapies and code in THERAPY_ORDER:
            return (0, THERAPY_ORDER.index(code), 0, position)
        if code.lower() in residual:
            return (3, residual[code.lower()], 0, position)
        bound = _BOUND.match(code)
        if bound:
            return (1, float(bound[2]), _BOUND_RANK[bound[1] or ""], position)
        return (2, 0, 0, position)

    return [level for _, level in sorted(enumerate(levels), key=key)]


def _humanise(code: str) -> str:
    text = str(code).replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else text


def study_label(text: str) -> str:
    """A label the study gave (``[variable_labels]``, ``[group_labels]``): printed as written,
    unless it is word for word one of blinrwe's own English labels, which has its translation
    ("Newly diagnosed" in a Chinese report of a study that labelled its levels in English)."""
    return catalog(current_language()).get(text, text) if current_language() != "en" else text


def _declared_codes() -> frozenset:
    """Every code of an enum column of the input tables (translated when printed; free text is not)."""
    return frozenset(code for table in model_tables.ALL_TABLES.values() for column in table.columns
                     for code in column.allowed)


_DECLARED_CODES = _declared_codes()


def _model_unit(variable: str) -> str | None:
    for table in model_tables.ALL_TABLES.values():
        try:
            return table.column(variable).unit
        except KeyError:
            continue
    return None


def variable_label(variable: str, overrides: Mapping[str, str] = {}) -> str:
    """Reader's label of an ARD variable, with its unit from the data dictionary ("Age at first infusion, years")."""
    if variable in overrides:
        return study_label(overrides[variable])
    english = VARIABLE_LABELS.get(variable) or ENDPOINT_LABELS.get(variable)
    label = _(english) if english else _humanise(variable)
    unit = _model_unit(variable)
    if unit and unit not in ("fraction",) and variable in VARIABLE_LABELS:
        label = _("{label}, {unit}").format(label=label, unit=_(unit))
    return label


def level_label(level, overrides: Mapping[str, str] = {}, *, variable: str = "",
                variable_labels: Mapping[str, str] = {}) -> str:
    """Reader's label of a category level or group code; a therapy sequence
    ("chemotherapy -> allo_hsct") has each step labelled ("Chemotherapy -> allo-HSCT").

    With the ``variable`` the level belongs to, the level is named for that variable
    (:data:`VARIABLE_LEVEL_LABELS`): ``cr_cri`` "yes" / "no" -> "CR/CRi" / "No CR/CRi",
    never "Yes" / "No". The first of these wins: the study's ``"<variable>.<level>"`` label
    (``overrides`` are the specification's ``[group_labels]``), its ``<level>`` label, the
    variable's declared level label, for a yes/no level the variable's label ("CNS
    involvement" / "No CNS involvement", from ``variable_labels`` when the study renames
    the variable), then the level's own label. A comparison within a subset names its
    grouping ``"<variable>|<subset>"``; its levels are those of ``variable``."""
    key = str(level)
    variable = str(variable).partition("|")[0]
    if variable and f"{variable}.{key}" in overrides:
        return study_label(overrides[f"{variable}.{key}"])
    if key in overrides:
        return study_label(overrides[key])
    if variable:
        declared = VARIABLE_LEVEL_LABELS.get(variable, {})
        if key in declared:
            return _(declared[key])
        if key in _YES_NO:
            label = variable_label(variable, variable_labels)
            return label if key == "yes" else _("No {label}").format(label=in_sentence(label))
    if key.startswith("(") and key.endswith(")"):  # several values of a list column ("('ETV6_RUNX1', 'PAX5')")
        try:
            values = ast.literal_eval(key)
        except (ValueError, SyntaxError):
            values = None
        if isinstance(values, tuple) and all(isinstance(v, str) for v in values):
            return ", ".join(level_label(v, overrides) for v in values) or _(LEVEL_LABELS["none"])
    if " -> " in key:
        steps = [level_label(step, overrides) for step in key.split(" -> ")]
        return " -> ".join([steps[0]] + [_in_sentence(step) for step in steps[1:]])
    if key in LEVEL_LABELS:
        return _(LEVEL_LABELS[key])
    if key in VARIABLE_LABELS:
        return _(VARIABLE_LABELS[key])
    if key in ENDPOINT_LABELS:
        return _(ENDPOINT_LABELS[key])
    text = _humanise(key) if key.islower() else key
    return _(text) if key in _DECLARED_CODES else study_label(text)  # a derived class ("<=14 d") if declared


_YES_NO = ("yes", "no")  # ARD levels of a yes/no variable (analysis/levels.py)


def grouping_label(group_var: str, overrides: Mapping[str, str] = {}) -> str:
    """Label of a grouping; ``"<variable>|<subset>"`` (a comparison within a subset) reads
    "Allo-HSCT after blinatumomab among responders"."""
    variable, _sep, subset = str(group_var).partition("|")
    label = variable_label(variable, overrides)
    if subset and subset.partition("=")[0] == variable:  # the subset alone ("<subset>" in [survival] within)
        described = subset_label(subset, overrides)
        return described[:1].upper() + described[1:]
    if not subset:
        return label
    return _("{label} among {subset}").format(label=label, subset=subset_label(subset, overrides))


def subset_label(subset: str, overrides: Mapping[str, str] = {}) -> str:
    """The patients of a ``[survival] within`` subset in a sentence: "responders" (a yes/no variable),
    "patients with best response CR" ("best_response=CR")."""
    column, eq, level = str(subset).partition("=")
    if not eq:
        return in_sentence(variable_label(column, overrides))
    return _("patients with {variable} {level}").format(variable=in_sentence(variable_label(column, overrides)),
                                                        level=level_label(level, variable=column))


def by_variable(variable: str, variable_labels: Mapping[str, str] = {}) -> str:
    """The end of a title grouped by ``variable``: "by disease setting", "by Philadelphia
    chromosome", "by allo-HSCT after blinatumomab among responders" (:func:`grouping_label`);
    "among patients with best response CR" for a subset alone."""
    name, _sep, subset = str(variable).partition("|")
    if subset and subset.partition("=")[0] == name:
        return _("among {subset}").format(subset=subset_label(subset, variable_labels))
    return _("by {label}").format(label=in_sentence(grouping_label(variable, variable_labels)))


def sentence_gap() -> str:
    """What goes between two sentences: a space in English, nothing in Chinese."""
    return "" if current_language() == "zh" else " "


def method_text(text: str) -> str:
    """A method text of the analysis layer with its codes printed as labels
    ("graded by CTCAE_v5" -> "graded by CTCAE v5.0"); other words untouched."""
    return _METHOD_CODE.sub(lambda m: _(METHOD_CODE_LABELS[m.group(1)]), str(text))


#: Words that keep their capital inside a sentence ("by Philadelphia chromosome").
PROPER_NOUNS = frozenset({"Philadelphia", "Kaplan-Meier", "Cox", "Ph", "Gray's"})


def in_sentence(label: str) -> str:
    """A label inside a sentence: "Chemotherapy" -> "chemotherapy", "Allo-HSCT" -> "allo-HSCT",
    abbreviations ("CAR-T", "TKI", "CR/CRi") and proper nouns ("Philadelphia chromosome") unchanged."""
    if any(ord(ch) >= 0x2E80 for ch in label):  # Chinese has no capitals ("Ph样特征" stays as it is)
        return label
    word = label.split(" ")[0].rstrip(",")
    first = word.split("-")[0].split("/")[0]
    if (first.isupper() and len(first) > 1) or word in PROPER_NOUNS or first in PROPER_NOUNS:
        return label
    return label[:1].lower() + label[1:]


_in_sentence = in_sentence


def endpoint_label(endpoint: str, variant: str = "", overrides: Mapping[str, str] = {}) -> str:
    """"Event-free survival (EFS), censored at HSCT/CAR-T"."""
    base = (study_label(overrides[endpoint]) if overrides.get(endpoint) else None) or (_(ENDPOINT_LABELS[endpoint]) if endpoint in ENDPOINT_LABELS else None)
    text = _("{label} ({code})").format(label=base, code=endpoint) if base and base != endpoint else str(endpoint)
    suffix = study_label(overrides[variant]) if variant in overrides else _variant_text(variant)
    return _("{endpoint}, {variant}").format(endpoint=text, variant=suffix) if suffix else text


def _variant_text(variant: str) -> str:
    """"censored at HSCT/CAR-T" (translated); "" for the primary analysis."""
    if variant in VARIANT_LABELS:
        return _(VARIANT_LABELS[variant]) if VARIANT_LABELS[variant] else ""
    return _censoring_label(variant)


def variant_label(variant: str, overrides: Mapping[str, str] = {}) -> str:
    """Short label of a censoring variant ("Primary analysis" for the default)."""
    if variant in overrides:
        return study_label(overrides[variant])
    text = _variant_text(variant)
    return text[:1].upper() + text[1:] if text else _("Primary analysis")


def _censoring_label(variant: str) -> str:
    """Variant codes name the therapies censored at ("allo_hsct_or_car_t" -> "censored at allo-HSCT or CAR-T")."""
    parts = [_in_sentence(level_label(p) if p in LEVEL_LABELS else p.replace("_", " ")) for p in str(variant).split("_or_")]
    therapies = parts[0]
    for part in parts[1:]:
        therapies = _("{first} or {second}").format(first=therapies, second=part)
    return _("censored at {therapies}").format(therapies=therapies)


def abbreviations_in(texts, already_explained=()) -> str:
    """Footnote listing the abbreviations that occur in ``texts`` ("CI, confidence interval; ...")."""
    joined = " ".join(texts)
    found = [_("{abbreviation}, {meaning}").format(abbreviation=abbr, meaning=_(meaning))
             for abbr, meaning in ABBREVIATIONS.items() if abbr not in already_explained and _occurs(abbr, joined)]
    return _("{list}.").format(list=_("; ").join(found)) if found else ""


def _occurs(abbr: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z]){re.escape(abbr)}(?![A-Za-z])", text) is not None
