"""An absent optional table makes what needs it unavailable, with the reason (never a table of zeros)."""

from __future__ import annotations

from blinrwe.derive.absent_tables import ASSESSMENT_SETS, RESPONSE_ENDPOINTS, undetermined_sets, unavailable_without
from blinrwe.derive.settings import CENSORING_VARIANTS, ENDPOINTS


def test_no_absent_table_makes_nothing_unavailable():
    assert unavailable_without((), ENDPOINTS, CENSORING_VARIANTS) == {}


def test_without_events_no_endpoint_and_no_deaths():
    out = unavailable_without({"events"}, ENDPOINTS)
    assert set(out) == {*ENDPOINTS, "deaths"} and all("no events table" in why for why in out.values())


def test_without_assessments_no_response_and_no_endpoint_that_starts_or_ends_at_one():
    out = unavailable_without({"assessments"}, ENDPOINTS)
    assert set(out) == {"response", *RESPONSE_ENDPOINTS}
    assert "OS" not in out and "PFS" not in out


def test_without_adverse_events_or_therapies():
    assert set(unavailable_without({"adverse_events"}, ENDPOINTS)) == {"adverse events"}
    assert set(unavailable_without({"therapies"}, ENDPOINTS, ("none",))) == {"subsequent therapy"}
    assert set(unavailable_without({"therapies"}, ENDPOINTS, ("none", "allo_hsct"))) == {"subsequent therapy",
                                                                                        "censoring variants"}


def test_a_reason_is_given_once_per_analysis_when_two_tables_are_absent():
    out = unavailable_without({"events", "assessments"}, ("OS", "RFS"))
    assert out["RFS"] == out["OS"]  # the events table's reason: the first a user must fix
    assert set(out) == {"OS", "RFS", "deaths", "response"}


def test_the_patient_flow_says_not_available_for_the_sets_it_cannot_tell():
    unavailable = unavailable_without({"assessments"}, ("OS", "RFS"))
    assert undetermined_sets(unavailable, ("OS", "RFS")) == {
        "RFS": unavailable["RFS"], **{name: unavailable["response"] for name in ASSESSMENT_SETS}}
    assert undetermined_sets(unavailable_without({"adverse_events"}, ("OS",)), ("OS",)) == {}
