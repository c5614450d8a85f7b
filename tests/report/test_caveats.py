"""Time origins and immortal-time warnings in words, from the ARD's time_origin rows and note flags."""

from blinrwe.report.caveats import (
    axis_label,
    immortal_time_events,
    immortal_time_warning,
    time_origin_note,
)


def test_axis_label_names_unit_and_origin():
    assert axis_label("months", "first response (CR/CRi)") == "Months since first response (CR/CRi)"
    assert axis_label("days", "first blinatumomab infusion") == "Days since first blinatumomab infusion"


def test_immortal_time_events_from_note_flags_in_order():
    notes = ["not_reached; immortal_time: allo-HSCT", "", None, "immortal_time: response", "immortal_time: allo-HSCT"]
    assert immortal_time_events(notes) == ["allo-HSCT", "response"]
    assert immortal_time_warning([]) == ""
    warning = immortal_time_warning(["allo-HSCT"])
    assert "immortal-time bias" in warning and "defined by allo-HSCT, which happens after time 0" in warning


def test_time_origin_note_groups_endpoints_by_origin():
    note = time_origin_note({"OS": "first blinatumomab infusion", "RFS": "first response (CR/CRi)",
                             "PFS": "first blinatumomab infusion"})
    assert note == "Time 0: first blinatumomab infusion (OS, PFS); first response (CR/CRi) (RFS)."
    assert time_origin_note({}) == ""
