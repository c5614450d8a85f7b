"""What an absent optional table makes unavailable.

A dated study may leave out an optional table (validation warns ``TABLE_ABSENT``). The
derivations then see the table with no rows, which reads as "nothing happened": overall
survival without a death, a CR rate of 0 %, no adverse event. A table left out is not a
table without records (a study with no adverse event still has the sheet, empty), so each
analysis that reads it is unavailable instead, with the reason; the analysis layer does
not compute it and the report lists it among the analyses not available.

What reads what (domain-spec 4 and 8): the events table gives deaths, relapses,
progressions and the last follow-up, so every time-to-event endpoint and the deaths;
the assessments give the responses, so the response rates and the endpoints that start
at a response or count its absence (EFS's induction failure, RFS, DFS, DOR, CIR); the
adverse events give the safety tables; the therapies give the transplants, CAR-T and other
therapies after blinatumomab (subsequent therapy, treatment patterns, and the censoring
variants, which censor at them: the analyses keep the uncensored one).
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["RESPONSE_ENDPOINTS", "ASSESSMENT_SETS", "unavailable_without", "undetermined_sets"]

#: endpoints whose origin or events come from the responses (a CR/CRi date; EFS's induction failure)
RESPONSE_ENDPOINTS = ("EFS", "RFS", "DFS", "DOR", "CIR")
#: analysis sets (derive/attrition.py) whose membership needs the assessments
ASSESSMENT_SETS = ("efficacy", "MRD response: MRD available", "MRD response: responders")

_NO_EVENTS = "the data have no events table (deaths, relapses, progressions, last follow-up)"
_NO_ASSESSMENTS = "the data have no assessments table (the responses)"


def unavailable_without(absent: Iterable[str], endpoints: Iterable[str],
                        variants: Iterable[str] = ()) -> dict[str, str]:
    """Analysis name -> why it is unavailable, for the optional tables ``absent`` (AnalysisData.unavailable)."""
    absent = set(absent)
    out: dict[str, str] = {}
    if "events" in absent:
        out.update({endpoint: _NO_EVENTS for endpoint in endpoints})
        out["deaths"] = _NO_EVENTS
    if "assessments" in absent:
        out["response"] = _NO_ASSESSMENTS
        out.update({e: _NO_ASSESSMENTS for e in endpoints if e in RESPONSE_ENDPOINTS and e not in out})
    if "adverse_events" in absent:
        out["adverse events"] = "the data have no adverse_events table"
    if "therapies" in absent:
        out["subsequent therapy"] = "the data have no therapies table (transplant, CAR-T and the other therapies)"
        if any(v != "none" for v in variants):
            out["censoring variants"] = "the data have no therapies table (the therapies the variants censor at)"
    return out


def undetermined_sets(unavailable: dict[str, str], endpoints: Iterable[str]) -> dict[str, str]:
    """Analysis set -> why its patients cannot be told (``derive_attrition``'s ``undetermined``): the
    unavailable endpoints' sets, and without the assessments the sets that need them (the patient
    flow then prints "not available", not everyone excluded for want of an assessment)."""
    out = {e: unavailable[e] for e in endpoints if e in unavailable}
    if "response" in unavailable:
        out.update({name: unavailable["response"] for name in ASSESSMENT_SETS})
    return out
