"""What a reader must know to read a time-to-event result: its time origin and immortal-time bias.

The analysis layer records both in the ARD (``time_origin`` rows, whose ``level``
is the endpoint's declared origin in words; note flag ``immortal_time: <event>``
on every row of a comparison by a group defined after the first infusion); these
functions only put them into words for the tables, figures and methods.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from blinrwe.analysis.survival import IMMORTAL_TIME


def axis_label(time_unit: str, origin: str) -> str:
    """x-axis label of a time-to-event figure: "Months since first response (CR/CRi)"."""
    return f"{time_unit.capitalize()} since {origin}"


def immortal_time_events(notes: Iterable) -> list[str]:
    """The events named by ``immortal_time: <event>`` flags in ARD notes, in order of appearance."""
    events = []
    for note in notes:
        for flag in str(note or "").split("; "):
            name, _sep, event = flag.partition(": ")
            if name == IMMORTAL_TIME and event not in events:
                events.append(event)
    return events


def immortal_time_warning(events: list[str]) -> str:
    """The warning printed under a table or figure comparing groups defined after the first infusion."""
    if not events:
        return ""
    what = " or ".join(events)
    return (f"Caution, immortal-time bias: the groups are defined by {what}, which happens after time 0, but are "
            f"compared from time 0; a patient had to be alive and event-free until {what} to join that group, which "
            "favours it. The p value does not test the effect of the event.")


def time_origin_note(origins: Mapping[str, str]) -> str:
    """"Time 0: first blinatumomab infusion (OS, PFS); first response (CR/CRi) (RFS)." from endpoint -> origin."""
    by_origin: dict[str, list[str]] = {}
    for endpoint, origin in origins.items():
        by_origin.setdefault(origin, []).append(endpoint)
    if not by_origin:
        return ""
    return "Time 0: " + "; ".join(f"{o} ({', '.join(e)})" for o, e in by_origin.items()) + "."
