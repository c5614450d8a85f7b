"""The English labels of the ADSL variables and of their levels: label tables, looked up by :mod:`blinrwe.report.labels`.

:data:`VARIABLE_LABELS` names every variable (with the per-window response flags and
the MRD-response denominators); :data:`VARIABLE_LEVEL_LABELS` names the levels of one
variable, so a yes/no variable never reads "Yes" / "No". The words are those of the
seed papers; they are translated where they are looked up.
"""

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
