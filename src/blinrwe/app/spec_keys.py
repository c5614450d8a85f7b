"""The vocabulary for declaring a study-specification key once.

Each key of the specification is a field of a frozen section dataclass
(:mod:`blinrwe.app.spec_model`) whose ``metadata`` holds a :class:`KeyInfo`
(help text, allowed values, range, default on the summary form, advanced
flag), written with :func:`option`. The same declaration drives validation
(:mod:`blinrwe.app.spec_check`), the commented specification written by
``blinrwe spec`` (:mod:`blinrwe.app.spec_toml`), the reference
``docs/spec.md`` (:mod:`blinrwe.app.spec_doc`) and, later, a web form: every
key is listed, with its section, kind and default, by
:func:`blinrwe.app.spec_document.spec_keys` as :class:`SpecKey` objects.

Why field metadata and not dataclasses generated from a table: the section
classes stay ordinary, typed, frozen dataclasses that the rest of the code
(pipeline, tests, type checkers) reads as before, and the type and default of
a key are written exactly once, in the field itself. Adding a key is one line
``name: type = option(default, "help", ...)`` in its section class.

``[definitions]`` keys are the plain fields of
:class:`blinrwe.derive.settings.DeriveSettings`; their help is
:data:`DEFINITION_HELP` here (a test fails when a field has none).
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field
from typing import Any

__all__ = ["KeyInfo", "SpecKey", "option", "kind_of", "DEFINITION_HELP", "KINDS", "SAME_AS_STUDY"]

#: How each kind is written in TOML (shown in comments and the reference).
KINDS = {
    "str": "text in quotes",
    "int": "whole number",
    "float": "number",
    "bool": "true or false",
    "date": "date YYYY-MM-DD (no quotes)",
    "str_list": 'list of texts, e.g. ["a", "b"]',
    "float_list": "list of numbers, e.g. [6, 12]",
}


class _SameAsStudy:
    """Marker: the key's default is the same on both entry forms."""

    def __repr__(self) -> str:
        return "SAME_AS_STUDY"


SAME_AS_STUDY = _SameAsStudy()


@dataclass(frozen=True)
class KeyInfo:
    """What a key means and accepts, beside its type and default (which the field itself holds).

    ``allowed``: the values a text key (or each item of a list key) may take; ``range``:
    inclusive bounds of a number (or each item); ``non_empty``: a list that must name at
    least one value; ``summary_default``: the default when the data are in the patient
    summary form (no dates; ``SAME_AS_STUDY`` when it does not differ); ``optional``: the key
    may be left out to mean "derived from other keys" (its default is ``None``);
    ``advanced``: hidden from a first-time user's form.
    """

    help: str
    allowed: tuple = ()
    range: tuple[float, float] | None = None
    non_empty: bool = False
    summary_default: Any = SAME_AS_STUDY
    optional: bool = False
    advanced: bool = False
    example: str = ""  # a value shown for an optional key left out, e.g. "2024-04-30"


def option(default, help: str, **info):
    """A section field with its :class:`KeyInfo` (see the module docstring)."""
    return field(default=default, metadata={"key": KeyInfo(help=help, **info)})


@dataclass(frozen=True, kw_only=True)
class SpecKey(KeyInfo):
    """One key of the specification, as a form or a reference lists it: its :class:`KeyInfo`
    with where it stands, its kind (a key of KINDS) and its default."""

    section: str
    name: str
    kind: str
    default: Any

    @property
    def path(self) -> str:
        """``section.name``, as findings name the key."""
        return f"{self.section}.{self.name}"

    def default_for(self, form: str = "study"):
        """The default on the dated study form or the patient summary form."""
        return self.summary_default if form == "summary" and self.summary_default is not SAME_AS_STUDY else self.default


def kind_of(annotation) -> str:
    """Map a field annotation (a string, under ``from __future__ import annotations``) to a TOML kind."""
    a = str(annotation)
    if a.startswith("tuple[float"):
        return "float_list"
    if a.startswith("tuple[str"):
        return "str_list"
    if "date" in a:
        return "date"
    return {"str": "str", "int": "int", "float": "float", "bool": "bool", "str | None": "str",
            "float | None": "float"}.get(a, "other")


def default_of(f) -> Any:
    """The default of a dataclass field (plain or factory)."""
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return None


# Meanings of the DeriveSettings fields a [definitions] section may change
# (derive/settings.py and domain-spec.md sections 1-4, 6).
DEFINITION_HELP: dict[str, str] = {
    "bsa_formula": "Formula for body-surface area when it is not recorded (a recorded bsa_m2 always wins); "
                   '"recorded" uses recorded values only (domain-spec 1.3).',
    "weight_threshold_kg": "Patients weighing at least this many kg get fixed dosing in ug/day; lighter ones "
                           "ug/m2/day (domain-spec 1.3).",
    "full_dose_ug": "Full (target) daily dose in ug/day for fixed dosing (28 ug/day).",
    "full_dose_ug_m2": "Full daily dose in ug/m2/day for BSA-based dosing (15 ug/m2/day).",
    "step_up_dose_ug": "Step-up (first week) daily dose in ug/day (9 ug/day).",
    "step_up_dose_ug_m2": "Step-up daily dose in ug/m2/day (5 ug/m2/day).",
    "vial_strength_ug": "Vial strength in ug for the minimum vial count: 35 (US) or 38.5 (EU).",
    "short_course_max_full_dose_days": "A course with one cycle and at most this many full-dose days is a "
                                       "short course (seed 003: 9 by its '< 10 days' wording, 10 by its 6-10 range).",
    "fixed_course_days": "Total infusion days of the fixed 14-day regimen (seed 004).",
    "label_cycle_days": "Infusion days of one labelled cycle (28).",
    "label_step_up_days": "Step-up days of the labelled first cycle (7).",
    "cr_blast_max_pct": "Marrow blast percentage limit for complete remission (5 %).",
    "cr_blast_inclusive": "true: blasts <= the limit count as CR (seed 001); false: blasts must be below it "
                          "(seed 003).",
    "anc_full": "Neutrophils (10^9/L) needed for full count recovery (CR): at least this value.",
    "platelets_full": "Platelets (10^9/L) needed for full count recovery (CR): at least this value.",
    "anc_partial": "Neutrophils (10^9/L) above which partial recovery counts as CRh.",
    "platelets_partial": "Platelets (10^9/L) above which partial recovery counts as CRh.",
    "crh_counts_as_cri": "Whether a CRh counts in the CR/CRi composite (seed 002 keeps them apart).",
    "cycle_days": "Nominal cycle length in days (42: 28 days of infusion and a 14-day break), for the "
                  "2-cycle response window.",
    "response_window_days": "Length in days of the 12-week best-response window (84).",
    "primary_response_window": "Window giving each patient's best response and responder status: "
                               '"2_cycles", "12_weeks" or "overall" (domain-spec 3.4).',
    "responder_definition": "Which remissions make a responder (entry to RFS, DOR, relapse incidence and the "
                            'responder MRD denominator): "cr_cri", "cr_crh" or "cr_crh_cri".',
    "response_before_next_therapy": "Only assessments before the start of the next therapy are credited to "
                                    "blinatumomab.",
    "mrd_threshold": "MRD below this level is negative (1e-4 = 0.01 %).",
    "response_population": 'Denominator of the headline response rates: "all_treated", or "overt_disease" '
                           "(patients with marrow blasts at or above overt_disease_blast_pct at the first "
                           "infusion; those already in CR are shown separately, as seed 000).",
    "overt_disease_blast_pct": "Marrow blasts (%) at the first infusion from which a patient counts as having "
                               "overt disease (5).",
    "days_per_month": "Days per month when times are shown in months (30.4375 = 365.25 / 12).",
    "efs_failure_window_days": "EFS (seed 001): patients without CR/CRi within this many days of the first "
                               "infusion are treatment failures.",
    "efs_failure_time_days": "EFS (seed 001): day at which such a treatment failure is counted as an event.",
    "rfs_origin_cr_at_t0": 'RFS for patients already in CR at the first infusion: "t0" starts their RFS there, '
                           '"exclude" leaves them out.',
    "nonresponder_fails_at_first_assessment": "PFS/DFS: a patient who does not respond fails at the first "
                                              "marrow assessment after treatment (seed 003 rule).",
    "os_followup": "Dates whose latest value is the censoring date of OS and the relapse incidence for "
                   "patients alive (kinds of patient dates).",
    "disease_followup": "Dates whose latest value is the censoring date of EFS, RFS and DOR.",
    "pfs_followup": "Dates whose latest value is the censoring date of PFS and DFS.",
}
