"""The English labels of codes besides variables: label tables, looked up by :mod:`blinrwe.report.labels`.

Category levels and group codes (:data:`LEVEL_LABELS`: settings, therapies, AE terms,
causes of death, ...), endpoints, censoring variants, the method codes the analysis
layer names (grading systems, Cox ties) and the abbreviations explained in footnotes.
The words are those of the seed papers; they are translated where they are looked up.
"""

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
