"""Derivation presets, one per seed study: the definitions each paper states.

Each preset is a :class:`DeriveSettings`; the sentence of the seed (file in
/work/shared/seeds, see domain-spec.md) it comes from is quoted beside each
choice. Choices a seed does not state keep the defaults of domain-spec.md and
are named as such.
"""

from __future__ import annotations

import datetime as dt

from blinrwe.errors import SpecificationError

from .settings import DeriveSettings


def seed_000() -> DeriveSettings:
    """Wang et al. 2025 (seed 000, abstract), 19 R/R patients.

    * "Rates of complete remission (CR) and minimal residual disease (MRD)
      response, 1-year overall survival (OS) and relapse-free survival (RFS)" ->
      endpoints OS, RFS; CR/CRi responders (not stated: default).
    * "Twelve (80.0%, 95% CI: 51.9-95.7) of the 15 patients with overt marrow
      disease achieved CR ... Four patients with < 5% blast but positive MRD all
      sustained CR" -> response rates among patients with >= 5% marrow blasts at
      the start (``response_population = "overt_disease"``); patients in CR at
      the start are reported separately.
    * "The overall MRD response rate was 63.2% (12/19)" -> MRD denominator all
      treated; window overall.
    * "cytokine release syndrome ... 10 with grade 1-2 and 1 with grade 3" -> AE
      worst grade; window not stated (default: during blinatumomab).
    """
    return DeriveSettings(preset="000", endpoints=("OS", "RFS", "CIR"), primary_response_window="overall",
                          response_population="overt_disease", overt_disease_blast_pct=5.0)


def seed_001() -> DeriveSettings:
    """Zhou et al. 2024 (seed 001), 96 ND and R/R patients.

    * "CR was defined as ... <= 5% blasts in bone marrow ... ANC >= 1.0 ... platelet
      count (>= 100" -> blasts <= 5 (inclusive).
    * "EFS measured time from first blinatumomab infusion to first relapse, CR/CRi
      or death. Patients who failed to achieve CR/CRi within 12 weeks of treatment
      initiation were considered treatment failures and assigned an EFS duration
      of one day." -> EFS with the 12-week failure rule at 1 day.
    * "RFS was time from the date of CR/CRi to relapse or death" -> RFS, origin
      first CR/CRi (T0 for patients in CR at T0: assumption, domain-spec 4).
    * "DOR measured time from the date of response (CR/CRi, MRD remission) to
      progression or death" -> DOR.
    * "the median EFS, without censoring for transplant and CAR-T ... with
      censoring for transplant and CAR-T" -> variants none and allo_hsct_or_car_t.
    * "87.2% achieved MRD negativity within two cycles" -> primary window 2 cycles.
    * "During blinatumomab treatment, AEs of any grade" -> AE window during
      blinatumomab (0 days after the last infusion).
    * "Patients were followed up till March 2023" -> no cut-off set (the date
      precedes the end of accrual, domain-spec 10); set ``data_cutoff`` to use it.
    """
    return DeriveSettings(
        preset="001", cr_blast_inclusive=True, endpoints=("OS", "EFS", "RFS", "DOR"),
        censoring_variants=("none", "allo_hsct_or_car_t"), primary_response_window="2_cycles",
        responder_definition="cr_cri", ae_days_after_last_infusion=0)


def seed_002() -> DeriveSettings:
    """Exploratory analysis of the phase II trial, 64 adults relapsed after allo-HSCT (seed 002, abstract).

    * "achieved a CR/CRh within the first 2 cycles of treatment" -> responder =
      CR/CRh, primary window 2 cycles, CRh not counted as CRi.
    * "22 of whom had a minimal residual disease (MRD) response (including 19
      with a complete MRD response)" -> MRD denominator responders; complete =
      undetectable.
    * "the median relapse-free survival was 7.4 months for patients who achieved
      CR/CRh in the first 2 cycles, and the median overall survival was 8.5
      months" -> RFS among CR/CRh within 2 cycles, OS.
    * AE window: trial convention, first infusion to 30 days after the last
      (domain-spec 6).
    """
    return DeriveSettings(
        preset="002", endpoints=("OS", "RFS", "CIR"), primary_response_window="2_cycles",
        responder_definition="cr_crh", crh_counts_as_cri=False, ae_days_after_last_infusion=30)


def seed_003() -> DeriveSettings:
    """Yin et al. 2024 (seed 003), 30 adults R/R Ph-negative, short course.

    * "CR: Bone marrow blasts < 5%; absence of circulating blasts ...; ANC >= 1.0
      ...; platelet count >= 100" -> blasts < 5 (exclusive).
    * "Progression was defined by a non-CR response postblinatumomab treatment or
      the presence of extramedullary disease concurrent with the achievement of
      CR" -> PFS with non-responders failing at the first post-treatment marrow
      assessment.
    * "By the end of the follow-up period (April 30, 2024)" -> data cut-off
      2024-04-30.
    * "The short-course was defined in this study as full dosage blinatumomab
      treatment used for less than 10 days, excluding dose escalation period"
      with "28 ug/day for 6-10 days" -> short course up to 10 full-dose days (the
      range wins over the "< 10" wording, domain-spec 1.5).
    * "composite complete response (cCR) includes CR or CRi" -> responder CR/CRi,
      window overall.
    """
    return DeriveSettings(
        preset="003", cr_blast_inclusive=False, endpoints=("OS", "PFS"), primary_response_window="overall",
        responder_definition="cr_cri", data_cutoff=dt.date(2024, 4, 30), short_course_max_full_dose_days=10,
        nonresponder_fails_at_first_assessment=True)


def seed_004() -> DeriveSettings:
    """Xie et al. 2023 (seed 004, abstract), 33 children, 14-day course.

    * "a short course of blinatumomab (14 days)" -> fixed_14_day regimen class.
    * "The overall survival (OS) rates ... and the disease-free survival (DFS)
      rates" for CR and non-CR patients -> OS and DFS. DFS is not defined in the
      abstract, but "the disease-free survival (DFS) rates were 96.1% and 42.9%"
      (3/7 non-CR children event-free) and "the DFS was 84.8% (28/33)" (5
      events: 1 in CR, 4 without CR) mean the children without CR were **not**
      failures at their first assessment: DFS = first infusion to relapse,
      progression or death for every child (``nonresponder_fails_at_first_assessment``
      off; with it on every non-CR child fails at day ~15 and DFS prints 0%).
    * "Of the 7 children without CR, 5 were still in remission at 28 days" ->
      remission assessed at about day 14 and 28: window overall.
    """
    return DeriveSettings(preset="004", endpoints=("OS", "DFS"), primary_response_window="overall",
                          fixed_course_days=14, nonresponder_fails_at_first_assessment=False)


PRESETS = {"000": seed_000, "001": seed_001, "002": seed_002, "003": seed_003, "004": seed_004}

#: One line per preset: whose definitions it reproduces (shown in the written spec and `blinrwe list presets`).
PRESET_DESCRIPTIONS = {
    "000": "Wang et al. 2025 (seed 000): 19 R/R patients; OS, RFS; response and MRD over the whole course.",
    "001": "Zhou et al. 2024 (seed 001): 96 ND and R/R patients; CR with blasts <= 5 %; EFS with the 12-week "
           "failure rule; censoring at transplant/CAR-T; AEs during blinatumomab.",
    "002": "Phase II trial after allo-HSCT (seed 002): 64 adults; CR/CRh within 2 cycles; RFS, OS; AEs to 30 days "
           "after the last infusion.",
    "003": "Yin et al. 2024 (seed 003): 30 adults R/R Ph-negative, short course; CR with blasts < 5 %; PFS with "
           "non-responders failing at the first assessment; cut-off 2024-04-30.",
    "004": "Xie et al. 2023 (seed 004): 33 children, 14-day course; OS and DFS; remission over the whole course.",
}


def preset(seed: str) -> DeriveSettings:
    """The settings reproducing seed ``seed`` ('000' ... '004')."""
    key = str(seed).split("_")[0].zfill(3)
    if key not in PRESETS:
        raise SpecificationError(f"unknown derivation preset {seed!r}; use one of {', '.join(PRESETS)}.")
    return PRESETS[key]()
