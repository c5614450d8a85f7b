"""What a reader must know to read a time-to-event result: its time origin and immortal-time bias.

The analysis layer records both in the ARD (``time_origin`` rows, whose ``level``
is the endpoint's declared origin in words; note flag ``immortal_time: <event>``
on every row of a comparison by a group defined after the first infusion); these
functions only put them into words for the tables, figures and methods.
"""

from __future__ import annotations

from typing import Iterable, Mapping

from blinrwe.analysis.survival import IMMORTAL_TIME
from blinrwe.model.i18n import _

from .analysis_text import analysis_text


def axis_label(time_unit: str, origin: str) -> str:
    """x-axis label of a time-to-event figure: "Months since first response (CR/CRi)"."""
    unit = _(time_unit)
    return _("{unit} since {origin}").format(unit=unit[:1].upper() + unit[1:], origin=analysis_text(origin))


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
    what = analysis_text(events[0])
    for event in events[1:]:
        what = _("{first} or {second}").format(first=what, second=analysis_text(event))
    return _("Caution, immortal-time bias: the groups are defined by {what}, which happens after time 0, but are "
             "compared from time 0; a patient had to be alive and event-free until {what} to join that group, which "
             "favours it. The p value does not test the effect of the event.").format(what=what)


def time_origin_note(origins: Mapping[str, str]) -> str:
    """"Time 0: first blinatumomab infusion (OS, PFS); first response (CR/CRi) (RFS)." from endpoint -> origin."""
    by_origin: dict[str, list[str]] = {}
    for endpoint, origin in origins.items():
        by_origin.setdefault(origin, []).append(endpoint)
    if not by_origin:
        return ""
    origins_text = _("; ").join(_("{origin} ({endpoints})").format(origin=analysis_text(o), endpoints=", ".join(e))
                                for o, e in by_origin.items())
    return _("Time 0: {origins}.").format(origins=origins_text)
