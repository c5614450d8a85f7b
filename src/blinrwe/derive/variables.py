"""What each derived patient-level (ADSL) variable means, for listings and forms.

Columns copied from the input tables take their meaning from the table
declarations (:mod:`blinrwe.model.tables`); this module gives the meaning of
the columns the derivation creates (docs/architecture.md, "AnalysisData").
Windowed and burden-class columns are named by pattern from the settings'
vocabularies. A test derives both entry forms and fails when a column has no
meaning.
"""

from __future__ import annotations

from .settings import DEFAULT_BURDEN_CLASSES, RESPONSE_WINDOWS

__all__ = ["derived_meaning"]

_DERIVED = {
    "treated": "Received at least one blinatumomab infusion.",
    "age_at_t0": "Age at the first infusion in years (recorded, else from the birth date).",
    "age_years": "Age at blinatumomab in years, as entered on the summary form.",
    "bsa_m2_computed": "Body-surface area computed from height and weight (m2).",
    "bsa_m2_used": "Body-surface area used for dosing: recorded, else computed (m2).",
    "bsa_source": "Whether the BSA used was recorded or computed.",
    "setting": "Frontline or relapsed/refractory at the first infusion (derived).",
    "in_cr_at_t0": "Already in CR/CRi at the first infusion (MRD-level disease).",
    "response_population_overt_disease": "Overt marrow disease at the first infusion (blasts at or above "
                                         "overt_disease_blast_pct): the denominator of response when "
                                         "response_population = \"overt_disease\".",
    "response_population_in_cr_at_t0": "In CR at the first infusion: response shown separately for them when "
                                       "response_population = \"overt_disease\".",
    "intent_derived": "Intent of blinatumomab derived from setting and status at T0.",
    "intent": "Intent of blinatumomab: recorded, else derived (induction, consolidation, re-induction...).",
    "intent_source": "Whether the intent was recorded or derived.",
    "relapse_number": "Number of the relapse treated (0 = primary refractory): recorded, else derived.",
    "relapse_number_source": "Whether the relapse number was recorded or derived.",
    "disease_status_class": "Disease status class: newly diagnosed, primary refractory, 1R, 2R, 3R, >=4R.",
    "disease_status": "Disease status at blinatumomab as entered on the summary form.",
    "mrd_status_at_t0": "MRD status at the first infusion: recorded, else MRD >= 1e-4 is positive.",
    "mrd_status_at_t0_source": "Whether the MRD status at T0 was recorded or derived from the level.",
    "t0_date": "Date of the first blinatumomab infusion (T0).",
    "last_infusion_date": "Last day of blinatumomab infusion.",
    "cycles_started": "Number of blinatumomab cycles started.",
    "infusion_days_total": "Infusion days over all cycles.",
    "infusion_days_cycle1": "Infusion days of the first cycle.",
    "full_dose_days": "Days at the full dose.",
    "step_up_days": "Days at the step-up dose.",
    "cumulative_dose_ug": "Cumulative dose infused (ug).",
    "vials_min": "Minimum number of vials for the cumulative dose.",
    "vials_per_bag": "Vials opened per bag: each infusion record's dose rounded up to whole vials, summed (derive/drug_use.py).",
    "vials_shared": "Vials shared across the days of a course: each cycle's dose rounded up once, summed (derive/drug_use.py).",
    "dose_per_label": "Dose per labelled schedule (fraction of the label's dose).",
    "dose_source": "Whether doses were recorded, computed or mixed.",
    "regimen_class": "Regimen: label, fixed 14-day, short course (< 10 full-dose days) or other.",
    "duration_class_cycle1": "Infusion days of the first cycle as a class (<=14 d, 15-28 d, >28 d).",
    "duration_class_total": "Infusion days over all cycles as a class (<=14 d, 15-28 d, >28 d).",
    "cycles_class": "Cycles started as a class (1, >=2).",
    "best_response": "Best response in the primary response window (recorded on the summary form).",
    "responder": "Responder by the responder definition (e.g. CR/CRi) in the primary window.",
    "cr_cri": "Best response CR or CRi (CRh too when it counts as CRi).",
    "cr_crh": "Best response CR or CRh.",
    "cr_crh_cri": "Best response CR, CRh or CRi.",
    "mrd_negative": "MRD negativity (< 1e-4) reached.",
    "date_first_response": "Date of the first response by the responder definition.",
    "date_first_cr_cri": "Date of the first CR/CRi.",
    "date_first_mrd_negative": "Date of the first MRD-negative assessment.",
    "date_first_marrow_assessment": "Date of the first marrow assessment after T0.",
    "post_baseline_assessment": "Has at least one response assessment after T0.",
    "mrd_denominator_all_treated": "In the MRD denominator 'all treated'.",
    "mrd_denominator_available": "In the MRD denominator 'MRD assessed'.",
    "mrd_denominator_responders": "In the MRD denominator 'responders'.",
    "mrd_denominator_positive_at_t0": "In the MRD denominator 'MRD-positive at T0'.",
    "n_subsequent_therapies": "Number of therapies after blinatumomab.",
    "therapy_path": "Therapies after blinatumomab in order, e.g. car_t -> allo_hsct ('none').",
    "first_next_therapy": "First therapy after blinatumomab.",
    "first_next_therapy_date": "Start of the first therapy after blinatumomab.",
    "first_next_therapy_intent": "Intent recorded for the first therapy after blinatumomab (bridging, "
                                 "consolidation, salvage at relapse, other; empty when not recorded).",
    "second_next_therapy": "Second therapy after blinatumomab.",
    "further_treatment": "Any therapy after blinatumomab.",
    "further_treatment_group": "Further treatment group (seed 003): allo-HSCT if any, else CAR-T, else the first.",
    "allo_hsct_after": "Allogeneic transplant after blinatumomab (a later event: immortal-time caution).",
    "allo_hsct_date": "Date of the transplant after blinatumomab.",
    "car_t_after": "CAR-T after blinatumomab (a later event: immortal-time caution).",
    "car_t_date": "Date of CAR-T after blinatumomab.",
    "any_ae_worst_grade": "Worst grade of any adverse event in the AE window (0 = none).",
    "crs_worst_grade": "Worst grade of cytokine release syndrome (0 = none).",
    "icans_worst_grade": "Worst grade of ICANS (0 = none).",
    "any_ae": "Any adverse event in the AE window.",
    "any_ae_ge3": "Any adverse event of grade >= 3.",
    "crs_any": "Any cytokine release syndrome.",
    "icans_any": "Any ICANS.",
    "crs_ge3": "Cytokine release syndrome of grade >= 3.",
    "relapse": "Relapse after T0 (on or before the cut-off).",
    "relapse_date": "Date of the first relapse after T0.",
    "progression": "Progression after T0.",
    "progression_date": "Date of the first progression after T0.",
    "death": "Died (on or before the cut-off).",
    "death_date": "Date of death.",
    "cause_of_death": "Cause of death.",
    "last_contact_date": "Date of the last contact.",
}
_WINDOWED = {
    "best_response": "Best response", "cr_cri": "CR/CRi", "cr_crh": "CR/CRh", "cr_crh_cri": "CR/CRh/CRi",
    "mrd_assessed": "MRD assessed", "mrd_negative": "MRD negativity (< 1e-4)",
    "complete_mrd_response": "Complete MRD response (MRD not detectable)",
}
_WINDOW_WORDS = {"2_cycles": "within the first 2 cycles", "12_weeks": "within 12 weeks of T0",
                 "overall": "over the whole course"}


def derived_meaning(name: str) -> str:
    """The meaning of a derived ADSL column ("" when it is not a derived column)."""
    if name in _DERIVED:
        return _DERIVED[name]
    for window in RESPONSE_WINDOWS:
        stem = name.removesuffix(f"_{window}")
        if stem != name and stem in _WINDOWED:
            return f"{_WINDOWED[stem]} {_WINDOW_WORDS.get(window, window)}."
    for when, words in (("t0", "before blinatumomab"), ("dx", "at diagnosis")):
        cut = name.removeprefix(f"burden_{when}_")
        if cut != name and cut in DEFAULT_BURDEN_CLASSES:
            return f"Marrow blasts {words} as classes {' / '.join(DEFAULT_BURDEN_CLASSES[cut].labels)} %."
    return ""
