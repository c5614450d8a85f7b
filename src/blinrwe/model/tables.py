"""The declared study tables (domain-spec.md section 8, data dictionary).

Two entry forms are declared:

* the **dated study** (``STUDY_TABLES``): patients, blinatumomab infusion
  segments, response/MRD assessments, clinical events, subsequent therapies and
  adverse events. Every analysis, including time-to-event endpoints, needs this
  form.
* the **patient summary** (``PATIENT_SUMMARY``): one row per patient without
  dates, as many teams keep it (and as seed 003 publishes it). It supports
  counts and proportions (baseline, response, MRD, relapse, deaths, next
  therapy) but no time-to-event, exposure or adverse-event-window analysis.

Codes are lower-case snake_case except established clinical abbreviations
(CR, CRi, CRh, NR, PD, M, F).
"""

from __future__ import annotations

from .schema import Analysis, Column, DType, Table

C = Column
D = DType

YES_NO_UNKNOWN = ("yes", "no", "unknown")

PH_STATUS = ("positive", "negative", "unknown")
#: what clinics type instead of the codes, for the "did you mean" of a finding (Column.words)
SEX_WORDS = (("female", "F"), ("woman", "F"), ("f.", "F"), ("male", "M"), ("man", "M"), ("m.", "M"))
PH_WORDS = (("ph+", "positive"), ("ph-", "negative"), ("ph positive", "positive"), ("ph negative", "negative"),
            ("pos", "positive"), ("neg", "negative"), ("+", "positive"), ("-", "negative"))
DISEASE_SETTING = ("newly_diagnosed", "relapsed_refractory")
RR_TYPE = ("primary_refractory", "relapsed")
INTENT = (
    "frontline_induction",
    "frontline_consolidation",
    "frontline_unknown",
    "rr_reinduction",
    "rr_consolidation",
    "rr_unknown",
)
DISEASE_STATUS_AT_T0 = ("CR", "CRi", "non_CR", "unknown")
MRD_STATUS = ("positive", "negative", "unknown")
MRD_METHOD = ("flow", "qPCR", "NGS", "other")
GENETIC_ABNORMALITIES = (
    "KMT2A_r",
    "ETV6_RUNX1",
    "TCF3_PBX1",
    "hyperdiploid",
    "hypodiploid",
    "complex_karyotype",
    "IKZF1_deletion",
    "ph_like",
    "PAX5",
    "other",
)
GENETIC_RISK = ("standard", "poor", "unknown")
BRIDGING = (
    "none_direct",
    "low_intensity_chemo",
    "intensive_chemo",
    "chemo_induction_consolidation",
    "tki",
    "tki_plus_chemo",
    "hyper_cvad_tki",
    "car_t",
    "allo_hsct",
)
BSA_FORMULA = ("mosteller", "dubois", "haycock", "gehan_george", "recorded")
STOP_REASON = ("completed", "AE", "progression", "to_transplant", "to_car_t", "cost", "other")
DOSE_UNIT = ("ug/day", "ug/m2/day")
INTERRUPTION = ("none", "AE", "bag_change", "other")
RESPONSE = ("CR", "CRh", "CRi", "hypoplastic", "NR", "PD", "relapse")
EVENT_TYPE = (
    "relapse",
    "progression",
    "mrd_relapse",
    "death",
    "last_contact",
    "last_disease_assessment",
)
RELAPSE_SITE = ("marrow", "CNS", "other_EMD", "combined")
CAUSE_OF_DEATH = (
    "leukemia",
    "infection",
    "transplant_related",
    "car_t_crs",
    "chemotherapy_toxicity",
    "other",
    "unknown",
)
THERAPY_TYPE = ("allo_hsct", "car_t", "chemotherapy", "blinatumomab", "inotuzumab", "tki", "dli", "other")
THERAPY_INTENT = ("bridging", "consolidation", "salvage_at_relapse", "other")
AE_TERMS = (
    "CRS",
    "ICANS",
    "neurologic_event",
    "infection",
    "neutropenia",
    "anemia",
    "thrombocytopenia",
    "fever",
    "TLS",
    "capillary_leak",
    "liver_enzymes_increased",
    "infusion_reaction",
    "GVHD",
    "VOD",
    "other",
)
#: Groups of AE terms the seed papers report as one row (domain-spec sections 6 and 8.10): "neurologic
#: events" are the CTCAE v5.0 nervous system disorders recorded here as ``neurologic_event`` together with
#: ICANS (ASTCT 2019), as seed 002 (grade 3/4 neurologic events) and seed 003 Table 3 ("neurologic event")
#: count them. A patient counts once per group, at the worst grade over its terms.
AE_TERM_GROUPS: dict[str, tuple[str, ...]] = {"neurologic_events": ("ICANS", "neurologic_event")}
GRADING_SYSTEM = ("CTCAE_v5", "CTCAE_v6", "ASTCT_2019", "other")
AE_ACTION = ("none", "interrupted", "discontinued")

PID = C("patient_id", D.STR, "Study patient identifier (pseudonymous, never a hospital number).", required=True)
PID_REF = C(
    "patient_id",
    D.STR,
    "Patient identifier; must appear in the patients sheet.",
    required=True,
    references="patients.patient_id",
)


PATIENTS = Table(
    name="patients",
    description="One row per patient: demographics, diagnosis and disease history before blinatumomab, status at the first infusion (T0).",
    key=("patient_id",),
    one_row_per_patient=True,
    columns=(
        PID,
        C("site", D.STR, "Treating centre (multi-centre studies)."),
        C("sex", D.ENUM, "Sex.", allowed=("M", "F"), words=SEX_WORDS),
        C("birth_date", D.DATE, "Date of birth (age at T0 is derived from it when age_at_t0 is empty)."),
        C("age_at_t0", D.FLOAT, "Age at the first blinatumomab infusion.", unit="years", minimum=0, maximum=110),
        C("height_cm", D.FLOAT, "Height at the start of blinatumomab.", unit="cm", minimum=30, maximum=230),
        C("weight_kg", D.FLOAT, "Weight at the start of blinatumomab (45-kg dosing rule).", unit="kg", minimum=1, maximum=300),
        C("bsa_m2", D.FLOAT, "Body-surface area actually used for dosing, if recorded.", unit="m2", minimum=0.1, maximum=3.5),
        C("diagnosis_date", D.DATE, "Date of first diagnosis of B-ALL."),
        C("ph_status", D.ENUM, "Philadelphia chromosome (BCR::ABL1).", allowed=PH_STATUS, words=PH_WORDS),
        C("ph_like", D.BOOL, "Ph-like signature."),
        C("genetic_abnormalities", D.ENUM_LIST, "Genetic abnormalities, several separated by ';'.", allowed=GENETIC_ABNORMALITIES),
        C("genetic_risk_group", D.ENUM, "Investigator's genetic risk group (e.g. ELN 2024); not derived.", allowed=GENETIC_RISK),
        C("wbc_at_diagnosis", D.FLOAT, "White blood cells at diagnosis.", unit="10^9/L", minimum=0, maximum=2000),
        C("hemoglobin_at_diagnosis", D.FLOAT, "Haemoglobin at diagnosis.", unit="g/L", minimum=0, maximum=250),
        C("platelets_at_diagnosis", D.FLOAT, "Platelets at diagnosis.", unit="10^9/L", minimum=0, maximum=3000),
        C("bm_blast_pct_at_diagnosis", D.FLOAT, "Marrow blasts at diagnosis.", unit="%", minimum=0, maximum=100),
        C("cns_involvement", D.BOOL, "CNS involvement at any time before blinatumomab."),
        C("extramedullary_disease", D.BOOL, "Extramedullary disease at T0."),
        C("disease_setting", D.ENUM, "Newly diagnosed (frontline) or relapsed/refractory at T0.", allowed=DISEASE_SETTING, required=True),
        C("rr_type", D.ENUM, "Within R/R: primary refractory (never in CR) or relapsed.", allowed=RR_TYPE),
        C("relapse_number", D.INT, "Ordinal number of the relapse being treated (0 = primary refractory).", minimum=0, maximum=10),
        C("prior_lines", D.INT, "Number of previous treatment lines.", minimum=0, maximum=20),
        C("refractory_to_last_treatment", D.BOOL, "Refractory to the last treatment before blinatumomab."),
        C("chemo_intolerant", D.BOOL, "Intolerant of chemotherapy."),
        C("prior_allo_hsct", D.BOOL, "Allogeneic transplant before blinatumomab."),
        C("prior_car_t", D.BOOL, "CAR-T therapy before blinatumomab."),
        C("prior_inotuzumab", D.BOOL, "Inotuzumab ozogamicin before blinatumomab."),
        C("prior_tki", D.BOOL, "Tyrosine-kinase inhibitor before blinatumomab."),
        C("bridging_type", D.ENUM, "Therapy immediately before blinatumomab.", allowed=BRIDGING),
        C("intent", D.ENUM, "Intent of blinatumomab as recorded (wins over the derived intent).", allowed=INTENT),
        C("blina_line", D.INT, "Line number of blinatumomab therapy.", minimum=1, maximum=20),
        C("disease_status_at_t0", D.ENUM, "Disease status at the first infusion.", allowed=DISEASE_STATUS_AT_T0),
        C("bm_blast_pct_at_t0", D.FLOAT, "Marrow blasts immediately before blinatumomab.", unit="%", minimum=0, maximum=100),
        C("pb_blasts_at_t0", D.FLOAT, "Peripheral blasts at T0.", unit="10^9/L", minimum=0, maximum=1000),
        C("mrd_at_t0", D.FLOAT, "MRD level at T0 as a fraction (1e-4 = 0.01%).", unit="fraction", minimum=0, maximum=1),
        C("mrd_method_at_t0", D.ENUM, "MRD method at T0.", allowed=MRD_METHOD),
        C("mrd_status_at_t0", D.ENUM, "MRD status at T0 as recorded (wins over the level).", allowed=MRD_STATUS),
        C("cd19_positive", D.BOOL, "CD19 expression on blasts before blinatumomab."),
        C("stop_reason", D.ENUM, "Why blinatumomab was stopped (whole course).", allowed=STOP_REASON),
    ),
)

INFUSIONS = Table(
    name="infusions",
    description="One row per blinatumomab infusion segment at a constant rate; cycles, infusion days and dose are derived from these rows.",
    key=("patient_id", "start_date"),
    columns=(
        PID_REF,
        C("cycle_number", D.INT, "Blinatumomab cycle the segment belongs to.", minimum=1, maximum=12, required=True),
        C("start_date", D.DATE, "First day of the segment.", required=True),
        C("end_date", D.DATE, "Last day of the segment (inclusive: a 7-day bag started on day 1 ends on day 7).", required=True),
        C("dose_value", D.FLOAT, "Prescribed rate.", minimum=0, maximum=100, required=True),
        C("dose_unit", D.ENUM, "Unit of the prescribed rate.", allowed=DOSE_UNIT, required=True),
        C("daily_dose_ug", D.FLOAT, "Dose actually infused per day, if recorded (wins over the computed one).", unit="ug/day", minimum=0, maximum=100),
        C("interruption_reason", D.ENUM, "Why the segment ended before the planned date.", allowed=INTERRUPTION),
        C("premedication", D.STR, "Premedication given, e.g. dexamethasone 20 mg."),
    ),
)

ASSESSMENTS = Table(
    name="assessments",
    description="One row per marrow response and/or MRD assessment after the start of blinatumomab.",
    key=("patient_id", "assessment_date"),
    columns=(
        PID_REF,
        C("assessment_date", D.DATE, "Date of the marrow sample.", required=True),
        C("timepoint", D.STR, "Protocol timepoint, e.g. end of cycle 1, day 14."),
        C("bm_blast_pct", D.FLOAT, "Marrow blasts.", unit="%", minimum=0, maximum=100),
        C("circulating_blasts", D.BOOL, "Blasts in peripheral blood."),
        C("extramedullary_disease", D.BOOL, "Extramedullary disease present."),
        C("anc", D.FLOAT, "Absolute neutrophil count.", unit="10^9/L", minimum=0, maximum=100),
        C("platelets", D.FLOAT, "Platelet count.", unit="10^9/L", minimum=0, maximum=3000),
        C("response_recorded", D.ENUM, "Investigator's response category (wins over the derived one).", allowed=RESPONSE),
        C("mrd_value", D.FLOAT, "MRD level as a fraction (1e-4 = 0.01%); 0 = not detectable.", unit="fraction", minimum=0, maximum=1),
        C("mrd_method", D.ENUM, "MRD method.", allowed=MRD_METHOD),
        C("mrd_sensitivity", D.FLOAT, "Sensitivity of the MRD assay as a fraction.", unit="fraction", minimum=0, maximum=1),
    ),
)

EVENTS = Table(
    name="events",
    description="One row per clinical event: relapse, progression, MRD relapse, death, last contact, last disease assessment.",
    key=("patient_id", "event_type", "event_date"),
    columns=(
        PID_REF,
        C("event_type", D.ENUM, "Kind of event.", allowed=EVENT_TYPE, required=True),
        C("event_date", D.DATE, "Date of the event.", required=True),
        C("relapse_site", D.ENUM, "Site of relapse (relapse rows).", allowed=RELAPSE_SITE),
        C("cause_of_death", D.ENUM, "Cause of death (death rows).", allowed=CAUSE_OF_DEATH),
    ),
)

THERAPIES = Table(
    name="therapies",
    description="One row per therapy given after blinatumomab, in sequence.",
    key=("patient_id", "sequence_number"),
    columns=(
        PID_REF,
        C("sequence_number", D.INT, "Order of the therapy after blinatumomab (1 = first).", minimum=1, maximum=50, required=True),
        C("therapy_type", D.ENUM, "Kind of therapy.", allowed=THERAPY_TYPE, required=True),
        C("start_date", D.DATE, "Start (transplant: day of infusion of the graft).", required=True),
        C("end_date", D.DATE, "End of the therapy."),
        C("detail", D.STR, "CAR-T target, donor type, chemotherapy regimen..."),
        C("intent", D.ENUM, "Why it was given.", allowed=THERAPY_INTENT),
    ),
)

ADVERSE_EVENTS = Table(
    name="adverse_events",
    description="One row per adverse event episode.",
    key=("patient_id", "term", "onset_date"),
    columns=(
        PID_REF,
        C("term", D.ENUM, "Adverse event term (grouped CTCAE term; CRS and ICANS graded by ASTCT).", allowed=AE_TERMS, required=True),
        C("grade", D.INT, "Grade (1 mild ... 5 death).", minimum=1, maximum=5, required=True),
        C("grading_system", D.ENUM, "Grading system used.", allowed=GRADING_SYSTEM),
        C("onset_date", D.DATE, "Date of onset.", required=True),
        C("resolution_date", D.DATE, "Date of resolution."),
        C("cycle", D.INT, "Blinatumomab cycle during which it began.", minimum=1, maximum=12),
        C("serious", D.BOOL, "Serious adverse event."),
        C("fatal", D.BOOL, "Fatal."),
        C("related", D.BOOL, "Related to blinatumomab in the investigator's judgement (treatment-related); "
                             "empty when not assessed."),
        C("action", D.ENUM, "Action taken with blinatumomab.", allowed=AE_ACTION),
    ),
)

STUDY_TABLES: tuple[Table, ...] = (PATIENTS, INFUSIONS, ASSESSMENTS, EVENTS, THERAPIES, ADVERSE_EVENTS)

SUMMARY_RESPONSE = ("CR", "CRh", "CRi", "NR")
SUMMARY_STATUS = ("primary_refractory", "1R", "2R", "3R", "4R", "newly_diagnosed")
SUMMARY_DEATH = ("alive", "leukemia", "infection", "transplant_related", "other", "unknown")

PATIENT_SUMMARY = Table(
    name="patient_summary",
    description=(
        "Simpler form: one row per patient, no dates (as seed 003 Tables 1-2). Supports counts and "
        "proportions only; survival, exposure and AE-window analyses need the dated study tables."
    ),
    key=("patient_id",),
    one_row_per_patient=True,
    columns=(
        PID,
        C("age_years", D.FLOAT, "Age at blinatumomab.", unit="years", minimum=0, maximum=110),
        C("sex", D.ENUM, "Sex.", allowed=("M", "F"), words=SEX_WORDS),
        C(
            "disease_status",
            D.ENUM,
            "Disease status at blinatumomab: primary refractory, 1st-4th relapse (1R-4R) or newly diagnosed.",
            allowed=SUMMARY_STATUS,
            required=True,
        ),
        C("ph_status", D.ENUM, "Philadelphia chromosome (BCR::ABL1).", allowed=PH_STATUS, words=PH_WORDS),
        C("genetic_risk_group", D.ENUM, "Investigator's genetic risk group.", allowed=GENETIC_RISK),
        C("prior_therapy", D.STR, "Therapy before blinatumomab, as written."),
        C("bm_blast_pct_at_t0", D.FLOAT, "Marrow blasts before blinatumomab.", unit="%", minimum=0, maximum=100),
        C("best_response", D.ENUM, "Best response to blinatumomab.", allowed=SUMMARY_RESPONSE, required=True),
        C("mrd_negative", D.BOOL, "MRD negativity (< 1e-4) reached."),
        C(
            "next_therapy",
            D.ENUM_LIST,
            "Therapies after blinatumomab in the order given, separated by ';' (e.g. car_t;allo_hsct); "
            "'none' when no further therapy was given, empty when unknown.",
            allowed=(*THERAPY_TYPE, "none"),
        ),
        C("relapse", D.BOOL, "Relapse after response (empty for non-responders)."),
        C("death_cause", D.ENUM, "Alive, or cause of death.", allowed=SUMMARY_DEATH),
        C("note", D.STR, "Free-text note (transcription remarks)."),
    ),
)

SUMMARY_TABLES: tuple[Table, ...] = (PATIENT_SUMMARY,)

ALL_TABLES: dict[str, Table] = {t.name: t for t in (*STUDY_TABLES, PATIENT_SUMMARY)}

#: The two entry forms and their tables, in workbook order.
FORMS: dict[str, tuple[Table, ...]] = {"study": STUDY_TABLES, "summary": SUMMARY_TABLES}

#: Tables that must be present for a form to be analysable; the others may be absent
#: (their analyses are then unavailable, and validation says so with a warning).
REQUIRED_TABLES: dict[str, tuple[str, ...]] = {
    "study": ("patients", "infusions"),
    "summary": ("patient_summary",),
}

# What each form supports. Everything that measures time needs dates, hence the dated
# study form (domain-spec sections 1.5, 4, 6 and 7).
ANALYSES: tuple[Analysis, ...] = (
    Analysis("baseline", "Baseline characteristics (n (%), median (range)).", False, ("patients",), "2"),
    Analysis("response", "Best response, CR/CRi (cCR), CR/CRh rates with exact CIs.", False, ("assessments",), "3.1"),
    Analysis("mrd", "MRD negativity (< 1e-4) rates by denominator.", False, ("assessments",), "3.2"),
    Analysis("relapse_counts", "Relapses and deaths as counts and proportions.", False, ("events",), "3.3"),
    Analysis("next_therapy", "Further therapy after blinatumomab (any, type).", False, ("therapies",), "7"),
    Analysis("overall_survival", "OS from the first infusion (Kaplan-Meier, log-rank).", True, ("events",), "4"),
    Analysis("event_free_survival", "EFS (seed 001 rule, 12-week failure at day 1).", True, ("events", "assessments"), "4"),
    Analysis("relapse_free_survival", "RFS from the date of CR/CRi.", True, ("events", "assessments"), "4"),
    Analysis("progression_free_survival", "PFS (seed 003 rule for non-responders).", True, ("events", "assessments"), "4"),
    Analysis("duration_of_response", "DOR from the date of response.", True, ("events", "assessments"), "4"),
    Analysis("follow_up", "Median follow-up (simple and reverse Kaplan-Meier).", True, ("events",), "4"),
    Analysis("exposure", "Cycles, infusion days, dose, regimen and duration classes.", True, ("infusions",), "1.5"),
    Analysis("adverse_events", "Worst grade per term within the AE window.", True, ("adverse_events", "infusions"), "6"),
    Analysis("treatment_patterns", "Therapy paths by exposure (duration, cycles); censoring at HSCT/CAR-T.", True, ("therapies", "infusions"), "7"),
)

#: Names of the analyses that need the dated study form.
ANALYSES_NEEDING_DATES: tuple[str, ...] = tuple(a.name for a in ANALYSES if a.needs_dates)

#: Names of the analyses the one-row-per-patient summary supports.
SUMMARY_ANALYSES: tuple[str, ...] = tuple(a.name for a in ANALYSES if not a.needs_dates)
