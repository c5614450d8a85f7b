"""Which ADSL variables are known only after the start of blinatumomab (one declaration).

A group defined by something that happens after the first infusion (a response,
MRD negativity, allo-HSCT, CAR-T, the number of cycles received, a relapse) is
not a baseline group: a patient must survive event-free until it happens to
join the group, so comparing such groups from the first infusion credits that
"immortal" time to them (immortal-time bias; Suissa, Am J Epidemiol
2008;167:492; Anderson, Cain & Gelber, J Clin Oncol 1983;1:710 on
survival by response). The analysis layer flags every comparison by one of
these variables and the report warns in the table, the figure and the methods.
Groupings by a yes/no variable with a date are also analysed without immortal time
(landmark, Simon-Makuch, Mantel-Byar, time-dependent Cox: ``blinrwe.analysis.post_baseline``).

:data:`POST_BASELINE` maps each such ADSL variable to what happens after the
start, in words, and the ADSL column with its date where derive keeps one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .settings import COMPOSITES, RESPONSE_WINDOWS

__all__ = ["PostBaselineVariable", "POST_BASELINE", "is_post_baseline", "post_baseline_event", "applies_among"]


@dataclass(frozen=True)
class PostBaselineVariable:
    """An ADSL variable whose value depends on an event after the first infusion."""

    name: str
    event: str  # what happens after the start, in words ("allo-HSCT", "response")
    date: str = ""  # ADSL column holding the date it happens ("" when derive keeps none)
    among: str = ""  # yes/no ADSL variable of the patients it applies to ("responder": only responders
    #                  are bridged to transplant, seed 004), where a comparison within them is offered


def _declare() -> dict[str, PostBaselineVariable]:
    rows: list[tuple[str, str, str]] = [
        ("responder", "response", "date_first_response"),
        ("best_response", "response", "date_first_response"),
        ("post_baseline_assessment", "a marrow assessment", "date_first_marrow_assessment"),
        ("mrd_negative", "MRD negativity", "date_first_mrd_negative"),
        ("allo_hsct_after", "allo-HSCT", "allo_hsct_date"),
        ("car_t_after", "CAR-T", "car_t_date"),
        ("further_treatment", "further treatment", "first_next_therapy_date"),
        ("further_treatment_group", "further treatment", "first_next_therapy_date"),
        ("first_next_therapy", "further treatment", "first_next_therapy_date"),
        ("first_next_therapy_intent", "further treatment", "first_next_therapy_date"),
        ("second_next_therapy", "further treatment", ""),
        ("n_subsequent_therapies", "further treatment", ""),
        ("therapy_path", "further treatment", "first_next_therapy_date"),
        ("relapse", "relapse", "relapse_date"),
        ("progression", "progression", "progression_date"),
        ("death", "death", "death_date"),
        ("cause_of_death", "death", "death_date"),
        # treatment received: a patient must stay alive and on treatment to receive more of it
        ("cycles_started", "further blinatumomab cycles", ""),
        ("cycles_class", "further blinatumomab cycles", ""),
        ("infusion_days_total", "further infusion days", ""),
        ("duration_class_total", "further infusion days", ""),
        ("cumulative_dose_ug", "further infusion days", ""),
        ("any_ae", "an adverse event", ""),
        ("any_ae_ge3", "an adverse event", ""),
        ("crs_any", "CRS", ""),
        ("icans_any", "ICANS", ""),
    ]
    for window in RESPONSE_WINDOWS:
        # a yes in a window starting at T0 means the first such event ever is in it: its date is the first date
        rows.append((f"best_response_{window}", "response", ""))
        rows += [(f"{c}_{window}", "response", "date_first_cr_cri" if c == "cr_cri" else "") for c in COMPOSITES]
        rows += [(f"{m}_{window}", "MRD negativity", "date_first_mrd_negative" if m == "mrd_negative" else "")
                 for m in ("mrd_negative", "complete_mrd_response", "mrd_assessed")]
    rows += [(c, "response", "") for c in COMPOSITES]  # summary form: recorded best response
    # therapy after a response and MRD negativity apply to responders: compared among them (seeds 003, 004)
    among = {"allo_hsct_after", "car_t_after", "further_treatment", "further_treatment_group", "first_next_therapy",
             "mrd_negative", *(f"mrd_negative_{w}" for w in RESPONSE_WINDOWS)}
    return {name: PostBaselineVariable(name, event, date, "responder" if name in among else "")
            for name, event, date in rows}


POST_BASELINE: dict[str, PostBaselineVariable] = _declare()


def is_post_baseline(variable: str) -> bool:
    """True when ``variable`` is an ADSL variable defined by an event after the first infusion."""
    return variable in POST_BASELINE


def post_baseline_event(variable: str) -> str:
    """What happens after the start that defines ``variable`` ("" for a baseline variable)."""
    v = POST_BASELINE.get(variable)
    return v.event if v else ""


def applies_among(variable: str) -> str:
    """The yes/no ADSL variable of the patients ``variable`` applies to ("responder"), "" if none declared."""
    v = POST_BASELINE.get(variable)
    return v.among if v else ""
