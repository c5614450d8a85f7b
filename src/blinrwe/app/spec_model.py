"""The sections of the study specification, each key declared once (see :mod:`blinrwe.app.spec_keys`).

Every field is a key: its type and default are the field's, its help, allowed
values and range the :func:`~blinrwe.app.spec_keys.option` metadata. Beside the
sections: the vocabularies their keys allow, the sections in file order, and the
help of the ``[definitions]`` and label sections.
:func:`blinrwe.app.spec_document.spec_keys` lists them all (with the
``[definitions]`` keys) for validation, the commented writer, the reference and a
form; :class:`blinrwe.app.spec_document.StudySpec` holds one of each section.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from blinrwe.derive import presets as _presets
from blinrwe.engines import AUTO_DUCKDB_FROM, ENGINES
from blinrwe.derive import settings as _derive_settings
from blinrwe.validate.dates import IMPUTATION_RULES

from .spec_keys import option

EXAMPLES = ("synthetic", "seed003")
DATA_ENGINES = ("auto",) + ENGINES
# Endpoint and censoring vocabularies are the derivation layer's (one source of truth).
ENDPOINTS = _derive_settings.ENDPOINTS
VARIANTS = _derive_settings.CENSORING_VARIANTS
PRESETS = tuple(_presets.PRESETS)
TIME_UNITS = ("days", "months")
AE_WINDOWS = ("during_blinatumomab", "days_after_last_infusion")
GRADINGS = ("CTCAE_v5", "CTCAE_v6")
ROUNDING = ("half_up", "half_even", "truncate")
FORMATS = ("html", "docx", "xlsx", "csv")
FIGURE_FORMATS = ("png", "svg", "pdf")
CI_TRANSFORMS = ("log-log", "log", "plain")
FOLLOWUP_METHODS = ("reverse_km", "simple_median")
COX_TIES = ("efron", "breslow")
POST_BASELINE_METHODS = ("both", "landmark", "time_dependent", "none")
COX_CONVERGENCE = ("r", "phreg_gconv")
WASTAGE_RULES = ("per_bag", "shared")
COST_GROUPINGS = ("regimen_class", "duration_class_total", "duration_class_cycle1", "cycles_class", "")
LOGRANK_TESTS = ("standard", "peto", "fh")  # survdiff rho = 0, rho = 1, rho = logrank_rho


@dataclass(frozen=True)
class StudyInfo:
    """Title lines of the report."""

    title: str = option("Blinatumomab real-world study", "Title of the report (first line of every output).")
    subtitle: str = option("", "Second title line, e.g. the centres and the period; empty for none.")


@dataclass(frozen=True)
class DataSpec:
    """Where the patient data are (``path``: xlsx file, CSV or Parquet folder; or a bundled ``example``),
    and the engine the derivations run in."""

    path: str = option("", "The study workbook (.xlsx) or folder of CSV or Parquet files, written by "
                       "`blinrwe template`; or an OMOP CDM v5.4 database: a folder of CDM Parquet files "
                       "(person.parquet, drug_exposure.parquet, ...) or a DuckDB database file (.duckdb). "
                       "A relative path is read from the folder of this specification file.")
    example: str = option("", "A bundled example instead of your data: \"synthetic\" (generated patients) or "
                          "\"seed003\" (the published patients of seed 003); leave empty for your own data.",
                          allowed=("",) + EXAMPLES)
    n: int = option(200, "Number of patients of the synthetic example cohort.", range=(1, 10_000_000),
                    advanced=True)
    seed: int = option(1, "Random seed of the synthetic example cohort (same seed, same patients).",
                       range=(0, 2**32 - 1), advanced=True)
    cutoff: dt.date | None = option(None, "Data cut-off date: events after it are ignored and follow-up is "
                                    "censored at it. Leave out to use all data.", optional=True,
                                    example="2024-04-30")
    partial_dates: str = option("mid", "How an incomplete date (2021-03 or 2021) is completed: \"first\", "
                                "\"mid\" or \"last\" day of the month or year; every such date is flagged "
                                "in validation.", allowed=IMPUTATION_RULES)
    # an OMOP CDM as the data (blinrwe/intake/omop; README "An OMOP CDM database")
    omop_mapping: str = option("", "When path is an OMOP CDM: the concept mapping, an edited copy of the shipped "
                               "concepts.toml (`blinrwe template --omop-mapping FILE` writes one); empty = the "
                               "shipped mapping. A relative path is read from the folder of this specification "
                               "file.", advanced=True)
    omop_schema: str = option("", "When path is an OMOP CDM in a DuckDB database file: the schema of its CDM tables "
                              "(e.g. \"cdm\"); empty = the database's default schema.", advanced=True)
    # where the derivations run (blinrwe/engines.py; README "Choosing the engine")
    engine: str = option("auto", "Where the table work runs: \"pandas\" (in memory; fastest for a clinic's study), "
                         "\"duckdb\" (embedded, out of core under memory_limit; registry-sized data), \"spark\" "
                         f"(Apache Spark, local or spark_master; needs Java), or \"auto\": DuckDB from "
                         f"{AUTO_DUCKDB_FROM:,} patients, else pandas. The run says which it used and why; "
                         "`--engine` on run and demo overrides it.", allowed=DATA_ENGINES)
    memory_limit: str = option("", "DuckDB's memory limit (e.g. \"4GB\"; beyond it DuckDB spills to "
                               "temp_directory) and Spark's driver memory; empty = the engine's default.",
                               advanced=True)
    threads: int = option(0, "Threads of DuckDB, or cores of Spark in local mode, and processes validating a "
                             "Parquet folder; 0 = all of this computer's (validation: at most 4).",
                          range=(0, 1024), advanced=True)
    temp_directory: str = option("", "Folder of the scratch files of a run at scale (a Parquet study split by "
                                 "patient, the staged and derived tables) and of DuckDB's spill beyond memory_limit; "
                                 "empty = the system's temporary folder. A relative path is read from the folder of "
                                 "this specification file.",
                                 advanced=True)
    chunk_patients: int = option(50_000, "When path is a Parquet study folder and the engine is DuckDB or Spark: "
                                 "patients read and validated at a time (memory grows with it, not with the "
                                 "study); the typed tables are then staged as Parquet files the engine reads.",
                                 range=(1, 100_000_000), advanced=True)
    spark_master: str = option("", "Spark master URL of a cluster (e.g. \"spark://host:7077\", \"yarn\"); "
                               "empty = Spark in local mode on this computer.", advanced=True)


@dataclass(frozen=True)
class EndpointSpec:
    """Time-to-event endpoints (domain-spec section 4): a seed preset of definitions, which ones, which variants.

    ``preset`` names a set of definitions of the derivation layer (e.g. "001"; "" = defaults);
    single definitions are changed in the ``[definitions]`` section.
    """

    preset: str = option("", "A published study's definitions to reproduce (response, windows, endpoint rules); "
                         "empty for blinrwe's defaults. Single definitions are changed in [definitions].",
                         allowed=("",) + PRESETS)
    names: tuple[str, ...] = option(("OS", "EFS", "RFS", "PFS", "CIR"),
                                    "Time-to-event endpoints to estimate (Kaplan-Meier; CIR as cumulative "
                                    "incidence). They need dates: none on the patient summary form.",
                                    allowed=ENDPOINTS, summary_default=())
    variants: tuple[str, ...] = option(("none",), "Censoring variants of every endpoint: \"none\" (no extra "
                                       "censoring), or censored at allo-HSCT, CAR-T, either, or any new therapy.",
                                       allowed=VARIANTS, non_empty=True)
    analysis_set: str = option("treated", "Patients analysed (an analysis set; `blinrwe list analysis-sets`).")


@dataclass(frozen=True)
class SubgroupSpec:
    """Grouping variables (ADSL columns) for Table 1, response and survival (log-rank between levels)."""

    variables: tuple[str, ...] = option(("disease_setting", "ph_status", "intent"),
                                        "Variables whose levels get their own response rates and survival "
                                        "curves, with a log-rank test between levels (`blinrwe list variables`).",
                                        summary_default=("disease_status", "burden_t0_gt50"))
    table1_by: str = option("disease_setting", "Variable splitting the columns of Table 1 (baseline "
                            "characteristics); empty for the overall column only.", summary_default="responder")
    table1_variables: tuple[str, ...] = option((), "Rows of Table 1; empty for the standard baseline variables "
                                               "present in the data.")


@dataclass(frozen=True)
class SurvivalSpec:
    """Kaplan-Meier settings (domain-spec section 5)."""

    time_unit: str = option("months", "Unit of times in curves, medians and landmarks.", allowed=TIME_UNITS)
    landmarks: tuple[float, ...] = option((6.0, 12.0, 24.0), "Times (in time_unit) at which survival rates are "
                                          "reported, each > 0, increasing.")
    confidence_level: float = option(0.95, "Confidence level of survival estimates and hazard ratios.",
                                     range=(0.5, 0.999))
    ci_transform: str = option("log-log", "Transformation of the Kaplan-Meier confidence interval (log-log as "
                               "SAS and most papers; log as R's default; plain).", allowed=CI_TRANSFORMS,
                               advanced=True)
    followup: str = option("reverse_km", "Median follow-up reported first: reverse Kaplan-Meier (censoring "
                           "reversed) or the simple median of follow-up times.", allowed=FOLLOWUP_METHODS,
                           advanced=True)
    within: tuple[str, ...] | None = option(None, "Comparisons within a subset, each \"<subset> by <variable>\", "
                                            "e.g. \"responder by allo_hsct_after\" (OS by HSCT vs no HSCT among "
                                            "responders, as seed 004); <subset> is a yes/no variable or "
                                            "\"<variable>=<level>\"; \"<subset>\" alone gives the endpoints among "
                                            "the subset (\"best_response=CR\": DOR among CR patients). Left out = "
                                            "offered for each subgroup defined after the first infusion (HSCT, "
                                            "CAR-T, further treatment, MRD: among responders); [] for none.",
                                            optional=True, example='["responder by allo_hsct_after"]')
    # competing: RMST, weighted / stratified / trend log-rank (issue 9; analysis/summary_measures.py, group_tests.py)
    rmst_tau: float | None = option(None, "Horizon (in time_unit) of the restricted mean survival time: the mean "
                                    "time event-free within the first rmst_tau, per endpoint and group, with the "
                                    "difference between two groups. Left out = not computed.", optional=True,
                                    range=(0.001, 1e6), example="24")
    logrank: str = option("standard", "Test between groups: \"standard\" log-rank, \"peto\" (Peto-Peto, more "
                          "weight on early differences) or \"fh\" (Fleming-Harrington G(logrank_rho)), as R "
                          "survdiff(rho = ).", allowed=LOGRANK_TESTS, advanced=True)
    logrank_rho: float = option(0.5, "rho of the Fleming-Harrington test (logrank = \"fh\"): each event time "
                                "weighted by S(t-)^rho.", range=(0.0, 10.0), advanced=True)
    strata: tuple[str, ...] = option((), "Variables the log-rank tests are stratified by (e.g. [\"disease_setting\"]); "
                                     "[] for none.", advanced=True)
    trend: tuple[str, ...] = option((), "Grouping variables with ordered levels: the log-rank test for trend "
                                    "(scores 1, 2, ... in level order) is given beside the log-rank test.",
                                    advanced=True)


@dataclass(frozen=True)
class PostBaselineSpec:
    """Groupings by something that happens after the start (allo-HSCT, CAR-T, response, MRD negativity).

    Compared from the first infusion such groups carry immortal-time bias; these methods do not
    (``blinrwe.analysis.post_baseline``; the variables are declared in ``blinrwe.derive.post_baseline``).
    """

    method: str = option("both", "How groupings defined after the first infusion are also analysed: "
                         "\"time_dependent\" (Mantel-Byar test, Simon-Makuch curves, Cox with the state as a "
                         "time-dependent covariate), \"landmark\" (patients event-free at each landmark, by their "
                         "state then, from the landmark), \"both\", or \"none\".", allowed=POST_BASELINE_METHODS)
    landmarks: tuple[float, ...] = option((6.0,), "Landmark times (in the time_unit of [survival]) of the landmark "
                                          "analysis, each > 0, increasing.")


@dataclass(frozen=True)
class ResponseSpec:
    """Response windows (domain-spec section 3.4): best response within ``window_cycles`` and overall."""

    window_cycles: int = option(2, "Number of cycles of the early best-response window (e.g. CR within 2 cycles).",
                                range=(1, 12))
    confidence_level: float = option(0.95, "Confidence level of response rates (exact Clopper-Pearson).",
                                     range=(0.5, 0.999))


@dataclass(frozen=True)
class CoxSpec:
    """Cox regression: which endpoints, which covariates (univariable each, then all together).

    ``subgroups``: grouping variables whose levels get a hazard ratio against the
    reference (first) level, one univariable model per variable (the forest plot);
    not given = the ``[subgroups] variables``; ``[]`` = none. The resolved
    specification writes the list out.
    """

    endpoints: tuple[str, ...] = option(("OS",), "Endpoints with Cox regression (each must be in "
                                        "endpoints.names); [] for none.", allowed=ENDPOINTS, summary_default=())
    covariates: tuple[str, ...] = option(("age_at_t0", "disease_setting", "ph_status"),
                                         "Covariates: one model per covariate, then one with all of them "
                                         "(hazard ratios against the first level).", summary_default=())
    ties: str = option("efron", "Handling of tied event times (Efron as R; Breslow as some SAS set-ups).",
                       allowed=COX_TIES, advanced=True)
    subgroups: tuple[str, ...] | None = option(None, "Variables of the forest plot (hazard ratio of each level "
                                               "against the first); left out = the [subgroups] variables; "
                                               "[] for none.", optional=True, example='["ph_status"]')
    convergence: str = option("r", "When the Newton-Raphson fit stops: \"r\" as R coxph (relative change of the "
                              "log likelihood <= 1e-9), or \"phreg_gconv\" as SAS PROC PHREG (relative gradient "
                              "criterion GCONV = 1e-8), which reproduces PHREG's printed digits; the two differ "
                              "in the 5th-6th digit.", allowed=COX_CONVERGENCE, advanced=True)
    strata: tuple[str, ...] = option((), "Variables with a separate baseline hazard in every Cox model "
                                     "(stratified Cox, R strata()); [] for none.", advanced=True)
    competing_covariates: tuple[str, ...] | None = option(
        None, "Covariates of the cause-specific Cox and Fine-Gray models of relapse (CIR) with non-relapse "
        "mortality as the competing event; left out = the [cox] covariates; [] for none.", optional=True,
        example='["age_at_t0", "ph_status"]')


@dataclass(frozen=True)
class SafetySpec:
    """Adverse-event window and grading (domain-spec section 6)."""

    ae_window: str = option("during_blinatumomab", "Which adverse events count: those starting during "
                            "blinatumomab, or up to ae_window_days after the last infusion.", allowed=AE_WINDOWS)
    ae_window_days: int = option(30, "Days after the last infusion counted when ae_window = "
                                 "\"days_after_last_infusion\" (30 in trials).", range=(0, 365))
    grading: str = option("CTCAE_v5", "Grading system named in the safety tables.", allowed=GRADINGS)


@dataclass(frozen=True)
class CostSpec:
    """Blinatumomab drug use and cost (seeds 003, 004): vials from the infusion records, priced per vial.

    The vial size is ``[definitions] vial_strength_ug`` (one declaration, also used for the
    minimum vial count). No cost analysis unless ``price_per_vial`` is set (> 0).
    """

    price_per_vial: float = option(0.0, "Price of one blinatumomab vial in `currency`; 0 (the default) = no drug-cost "
                                   "analysis. The vial size is [definitions] vial_strength_ug (35 ug US label, "
                                   "38.5 ug EU label).", range=(0.0, 1e9))
    currency: str = option("", "Currency of the price, printed beside every cost, e.g. \"CNY\", \"EUR\", \"USD\".")
    wastage: str = option("per_bag", "How vials are counted, as the pharmacy prepares them: \"per_bag\" = vials "
                          "opened per infusion bag (each bag's dose, i.e. each infusion record, is rounded up to whole "
                          "vials; the rest of an opened vial is discarded); \"shared\" = vials shared across the "
                          "days and bags of a course (the course's total dose is rounded up once).",
                          allowed=WASTAGE_RULES)
    by: str = option("regimen_class", "Courses compared side by side (e.g. short vs standard): regimen_class, "
                     "duration_class_total, duration_class_cycle1 or cycles_class; empty for the whole cohort only.",
                     allowed=COST_GROUPINGS)
    confidence_level: float = option(0.95, "Confidence level of the bootstrap intervals of cost per responder.",
                                     range=(0.5, 0.999))
    bootstrap_replicates: int = option(2000, "Bootstrap resamples (of patients, within each group) for the "
                                       "percentile intervals of cost per responder.", range=(100, 100_000),
                                       advanced=True)
    bootstrap_seed: int = option(1, "Seed of the bootstrap (same seed, same intervals).",
                                 range=(0, 2**32 - 1), advanced=True)


@dataclass(frozen=True)
class ReportSpec:
    """Rounding and outputs. A relative ``output`` is resolved against the specification's folder."""

    percent_decimals: int = option(1, "Decimals of percentages.", range=(0, 6))
    continuous_decimals: int = option(1, "Decimals of medians, means and times.", range=(0, 6))
    hr_decimals: int = option(2, "Decimals of hazard ratios.", range=(0, 6))
    p_decimals: int = option(3, "Decimals of p values (smaller ones print as < 0.001).", range=(1, 6))
    rounding: str = option("half_up", "Rounding of estimates: half_up (0.125 -> 0.13, as most papers), half_even, "
                           "or truncate (25/26 -> 96.1).", allowed=ROUNDING)
    ci_separator: str = option("-", "Text between confidence bounds, e.g. \"-\" or \" to \".")
    show_se: bool = option(False, "Show standard errors beside survival rates.")
    ci_bands: bool = option(True, "Draw confidence bands around survival curves.")
    formats: tuple[str, ...] = option(FORMATS, "Report files to write.", allowed=FORMATS, non_empty=True)
    figure_formats: tuple[str, ...] = option(("png",), "Figure files to write.", allowed=FIGURE_FORMATS)
    figure_dpi: int = option(200, "Resolution of PNG figures (dots per inch).", range=(50, 1200), advanced=True)
    swimmer_max_patients: int = option(60, "Lanes of the swimmer plot (the first N patients; the report says "
                                       "so).", range=(1, 10_000), advanced=True)
    show_patient_ids: bool = option(False, "Label the swimmer-plot lanes and the data-quality appendix with the "
                                    "study patient ids; false: lanes are numbered 1..N and no patient id "
                                    "appears in a shareable output.")
    min_cell: int = option(0, "Small-cell suppression for shared outputs: counts of 1 to min_cell - 1 patients "
                           "print \"<min_cell\" in every table, figure and results row (with complementary "
                           "suppression so totals do not reveal them); 0 or 1 = off.", range=(0, 1000))
    language: str = option("en", "Language of the report, its tables and figures: en (English) or zh (Simplified "
                           "Chinese; figures need a CJK font such as Noto Sans CJK, else their labels stay "
                           "English and the report says so).", allowed=("en", "zh"))
    output: str = option("blinrwe-output/{study}", "Folder the report is written to; a relative path is read "
                         "from the folder of this specification file, and {study} is this file's name without "
                         ".toml.")
    conventions_appendix: bool = option(True, "Add the appendix \"R versus SAS conventions\": for each kind of "
                                        "statistic the R default, the SAS default, what was used, and the number "
                                        "under the other convention where they differ.")


#: The sections made of declared keys, in file order.
SECTIONS: dict[str, type] = {
    "study": StudyInfo,
    "data": DataSpec,
    "endpoints": EndpointSpec,
    "subgroups": SubgroupSpec,
    "survival": SurvivalSpec,
    "postbaseline": PostBaselineSpec,
    "response": ResponseSpec,
    "cox": CoxSpec,
    "safety": SafetySpec,
    "cost": CostSpec,
    "report": ReportSpec,
}
LABEL_SECTIONS = {
    "group_labels": ("Display labels of codes (levels of grouping variables), one line per code: "
                     'code = "Label", e.g. newly_diagnosed = "Newly diagnosed".'),
    "variable_labels": ("Display names of variables, one line per variable: name = \"Label\", "
                        'e.g. age_at_t0 = "Age, years".'),
}
SECTION_ORDER = ("study", "data", "endpoints", "definitions", "subgroups", "survival", "postbaseline", "response",
                 "cox", "safety", "cost", "report", *LABEL_SECTIONS)
#: DeriveSettings fields set through other keys (not in [definitions]), and the key that sets them.
SET_ELSEWHERE = {"endpoints": "endpoints.names", "censoring_variants": "endpoints.variants",
                 "data_cutoff": "data.cutoff", "ae_days_after_last_infusion": "safety.ae_window and ae_window_days",
                 "response_window_cycles": "response.window_cycles", "preset": "endpoints.preset"}
DEFINITIONS_HELP = ("Single definitions changed from the preset (or the defaults). Leave a line commented to "
                    "keep the preset's value. Set elsewhere: "
                    + ", ".join(f"{name} by {key}" for name, key in SET_ELSEWHERE.items() if name != "preset")
                    + "; the cut-points of duration and burden classes are fixed (domain-spec 1.5, 2.3).")
