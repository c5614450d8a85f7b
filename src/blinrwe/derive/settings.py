"""Settings of the derivation layer: every definition a study may choose.

One frozen :class:`DeriveSettings` holds the choices that change derived
values (BSA formula, response thresholds, windows, cut-points, endpoints,
censoring variants, data cut-off). Defaults follow domain-spec.md; the seed
presets (:mod:`blinrwe.derive.presets`) replace the fields a seed defines.
Nothing here reads data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from blinrwe.errors import SpecificationError

BSA_FORMULAS = ("mosteller", "dubois", "haycock", "gehan_george", "recorded")
RESPONSE_WINDOWS = ("2_cycles", "12_weeks", "overall")
ENDPOINTS = ("OS", "EFS", "RFS", "PFS", "DFS", "DOR", "CIR")
COMPOSITES = ("cr_cri", "cr_crh", "cr_crh_cri")
#: Who the headline response rates are of (domain-spec 3.2, seed 000): every treated patient, or the
#: patients with overt marrow disease at the start (marrow blasts >= ``overt_disease_blast_pct``).
RESPONSE_POPULATIONS = ("all_treated", "overt_disease")
CENSORING_VARIANTS = ("none", "allo_hsct", "car_t", "allo_hsct_or_car_t", "new_therapy")


@dataclass(frozen=True)
class CutPoints:
    """Cut-points splitting a number into labelled classes with explicit sides.

    ``closed="left"`` gives intervals ``[a, b)`` (e.g. ``< 5`` vs ``>= 5``);
    ``closed="right"`` gives ``(a, b]`` (e.g. ``<= 50`` vs ``> 50``).
    ``labels`` has one more entry than ``breaks``, lowest class first.
    """

    breaks: tuple[float, ...]
    labels: tuple[str, ...]
    closed: str = "left"

    def __post_init__(self):
        if len(self.labels) != len(self.breaks) + 1:
            raise SpecificationError(
                f"cut-points {self.breaks} need {len(self.breaks) + 1} labels, got {len(self.labels)}: "
                "give one label per class, lowest first."
            )
        if list(self.breaks) != sorted(set(self.breaks)):
            raise SpecificationError(f"cut-points {self.breaks} must be strictly increasing.")
        if self.closed not in ("left", "right"):
            raise SpecificationError(f"cut-points closed={self.closed!r}: use 'left' ([a, b)) or 'right' ((a, b]).")


#: Leukaemic burden classes (domain-spec 2.3), applied to marrow blasts %.
DEFAULT_BURDEN_CLASSES: dict[str, CutPoints] = {
    # MRD-level vs overt marrow disease (seed 000).
    "ge5": CutPoints((5.0,), ("<5", ">=5"), closed="left"),
    # "high disease burden" > 15% (seed 003 discussion).
    "gt15": CutPoints((15.0,), ("<=15", ">15"), closed="right"),
    # >= 50% vs < 50% (seed 001 Table 1, at diagnosis).
    "ge50": CutPoints((50.0,), ("<50", ">=50"), closed="left"),
    # > 50% "high leukemic load" (seed 003).
    "gt50": CutPoints((50.0,), ("<=50", ">50"), closed="right"),
    # Pooled-trial grouping (PubMed 36829303).
    "pooled": CutPoints((5.0, 25.0, 50.0), ("<5", "5-<25", "25-<50", ">=50"), closed="left"),
}


@dataclass(frozen=True)
class DeriveSettings:
    """Every definition choice of the derivation layer (domain-spec 1-4, 6, 7).

    Dosing (domain-spec 1.3, 1.6)
        ``bsa_formula``: formula for BSA when it is not recorded (a recorded
        ``bsa_m2`` always wins); ``"recorded"`` uses only recorded values.
        ``weight_threshold_kg``: >= this weight gets fixed (ug/day) dosing.
        ``vial_strength_ug``: 35 (US) or 38.5 (EU) for the minimum vial count.
    Regimen classes (domain-spec 1.5)
        ``short_course_max_full_dose_days``: a course is ``short_course_<10d_full_dose``
        when it has one cycle and 1 <= full-dose days <= this value (seed 003
        wording "< 10 days" = 9; its reported range 6-10 = 10).
        ``fixed_course_days``: total infusion days of ``fixed_14_day`` (seed 004).
    Duration classes (domain-spec 1.5, 7)
        ``duration_classes``: cut-points on infusion days, right-closed
        (``<=14 d``, ``15-28 d``, ``>28 d``).
    Response (domain-spec 3.1)
        ``cr_blast_max_pct`` with ``cr_blast_inclusive`` (True: blasts <= 5,
        seed 001; False: blasts < 5, seed 003); ``anc_full``/``platelets_full``
        (>=, full recovery); ``anc_partial``/``platelets_partial`` (>, CRh);
        ``crh_counts_as_cri``: whether a CRh counts in the CR/CRi composite.
    Windows (domain-spec 3.4)
        ``cycle_days`` nominal cycle length (42); ``response_window_cycles`` (2);
        ``response_window_days`` (84 = 12 weeks); ``primary_response_window``
        names the window giving ``best_response`` and ``responder``;
        ``responder_definition``: the composite making a responder
        (``cr_cri``, ``cr_crh`` or ``cr_crh_cri``; entry to RFS, DOR, CIR and
        the responder MRD denominator);
        ``response_before_next_therapy``: assessments after the start of the
        first subsequent therapy are not attributed to blinatumomab.
        ``response_population``: denominator of the headline response rates,
        ``all_treated`` or ``overt_disease`` (marrow blasts before the first
        infusion >= ``overt_disease_blast_pct``, 5; seed 000 "12 of the 15
        patients with overt marrow disease"); patients in CR at the start are
        then reported separately (their CR is sustained, not reached).
    MRD (domain-spec 3.2)
        ``mrd_threshold``: negative when MRD < threshold (1e-4).
    Endpoints (domain-spec 4)
        ``endpoints``, ``censoring_variants``; ``data_cutoff`` (administrative
        censoring); ``days_per_month``; ``efs_failure_window_days`` (84);
        ``efs_failure_time_days`` (1); ``rfs_origin_cr_at_t0`` ("t0" or
        "exclude"); ``*_followup``: the kinds of patient dates whose latest
        value is the censoring date of each endpoint (see
        :mod:`blinrwe.derive.endpoints`); ``nonresponder_fails_at_first_assessment``
        for PFS and DFS (seed 003 rule; off in the seed 004 preset, whose DFS fails non-responders only
        at relapse, progression or death).
    Safety (domain-spec 6)
        ``ae_days_after_last_infusion``: AE window = first infusion to last
        infusion day + this many days (0 = during blinatumomab, seed 001; 30 =
        trials).
    """

    # dosing
    bsa_formula: str = "mosteller"
    weight_threshold_kg: float = 45.0
    full_dose_ug: float = 28.0
    full_dose_ug_m2: float = 15.0
    step_up_dose_ug: float = 9.0
    step_up_dose_ug_m2: float = 5.0
    vial_strength_ug: float = 35.0
    short_course_max_full_dose_days: int = 9
    fixed_course_days: int = 14
    label_cycle_days: int = 28
    label_step_up_days: int = 7
    duration_classes: CutPoints = CutPoints((14.0, 28.0), ("<=14 d", "15-28 d", ">28 d"), closed="right")
    # disease
    burden_classes: dict[str, CutPoints] = field(default_factory=lambda: dict(DEFAULT_BURDEN_CLASSES))
    # response
    cr_blast_max_pct: float = 5.0
    cr_blast_inclusive: bool = True
    anc_full: float = 1.0
    platelets_full: float = 100.0
    anc_partial: float = 0.5
    platelets_partial: float = 50.0
    crh_counts_as_cri: bool = True
    cycle_days: int = 42
    response_window_cycles: int = 2
    response_window_days: int = 84
    primary_response_window: str = "overall"
    responder_definition: str = "cr_cri"
    response_before_next_therapy: bool = True
    response_population: str = "all_treated"
    overt_disease_blast_pct: float = 5.0
    mrd_threshold: float = 1e-4
    # endpoints
    endpoints: tuple[str, ...] = ENDPOINTS
    censoring_variants: tuple[str, ...] = ("none",)
    data_cutoff: dt.date | None = None
    days_per_month: float = 30.4375
    efs_failure_window_days: int = 84
    efs_failure_time_days: int = 1
    rfs_origin_cr_at_t0: str = "t0"
    nonresponder_fails_at_first_assessment: bool = True
    os_followup: tuple[str, ...] = ("last_contact", "last_disease_assessment", "last_marrow_assessment", "last_infusion")
    disease_followup: tuple[str, ...] = ("last_disease_assessment", "last_marrow_assessment")
    pfs_followup: tuple[str, ...] = ("last_contact", "last_disease_assessment", "last_marrow_assessment", "last_infusion")
    # safety
    ae_days_after_last_infusion: int = 0
    # provenance
    preset: str | None = None

    def __post_init__(self):
        def bad(name, value, allowed):
            raise SpecificationError(f"derive setting {name}={value!r} is not allowed; use one of {', '.join(map(str, allowed))}.")

        if self.bsa_formula not in BSA_FORMULAS:
            bad("bsa_formula", self.bsa_formula, BSA_FORMULAS)
        if self.primary_response_window not in RESPONSE_WINDOWS:
            bad("primary_response_window", self.primary_response_window, RESPONSE_WINDOWS)
        for name in self.endpoints:
            if name not in ENDPOINTS:
                bad("endpoints", name, ENDPOINTS)
        for name in self.censoring_variants:
            if name not in CENSORING_VARIANTS:
                bad("censoring_variants", name, CENSORING_VARIANTS)
        if self.responder_definition not in COMPOSITES:
            bad("responder_definition", self.responder_definition, COMPOSITES)
        if self.response_population not in RESPONSE_POPULATIONS:
            bad("response_population", self.response_population, RESPONSE_POPULATIONS)
        if self.rfs_origin_cr_at_t0 not in ("t0", "exclude"):
            bad("rfs_origin_cr_at_t0", self.rfs_origin_cr_at_t0, ("t0", "exclude"))
        if self.days_per_month <= 0:
            raise SpecificationError(f"derive setting days_per_month={self.days_per_month!r} must be > 0 (default 30.4375).")
        if self.vial_strength_ug <= 0:
            raise SpecificationError(f"derive setting vial_strength_ug={self.vial_strength_ug!r} must be > 0 (35 US, 38.5 EU).")
        if self.ae_days_after_last_infusion < 0:
            raise SpecificationError(
                f"derive setting ae_days_after_last_infusion={self.ae_days_after_last_infusion!r} must be >= 0 (0 = during blinatumomab)."
            )
        if self.data_cutoff is not None and not isinstance(self.data_cutoff, dt.date):
            raise SpecificationError(f"derive setting data_cutoff={self.data_cutoff!r} must be a date (YYYY-MM-DD).")

    def with_changes(self, **changes) -> DeriveSettings:
        """Return a copy with some settings changed (the object itself is immutable)."""
        return replace(self, **changes)
