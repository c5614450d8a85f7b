"""The ADSL variables defined by events after the first infusion are declared once."""

import pytest

from blinrwe.derive import derive_analysis_data
from blinrwe.derive.post_baseline import POST_BASELINE, applies_among, is_post_baseline, post_baseline_event
from blinrwe.examples import synthetic_cohort


def test_post_baseline_variables_name_their_event():
    assert post_baseline_event("allo_hsct_after") == "allo-HSCT" and post_baseline_event("car_t_after") == "CAR-T"
    assert post_baseline_event("responder") == "response" and post_baseline_event("mrd_negative_overall") == "MRD negativity"
    for baseline in ("disease_setting", "ph_status", "rr_type", "bm_blast_pct_at_t0", "in_cr_at_t0", "age_at_t0"):
        assert not is_post_baseline(baseline)
    assert applies_among("allo_hsct_after") == "responder" and applies_among("responder") == ""


@pytest.fixture(scope="module")
def adsl():
    return derive_analysis_data(synthetic_cohort(60, 3)).adsl


def test_every_declared_variable_with_a_date_names_an_adsl_date_column(adsl):
    for v in POST_BASELINE.values():
        if v.name in adsl.columns and v.date:
            assert v.date in adsl.columns, v
        if v.among:
            assert v.among in adsl.columns


def test_derived_outcome_and_therapy_columns_are_declared(adsl):
    """Every derived column about response, MRD, therapy after blinatumomab, relapse or death is declared
    (a new derived variable of these kinds cannot slip through as if it were baseline)."""
    kinds = ("best_response", "cr_cri", "cr_crh", "mrd_negative", "complete_mrd_response", "responder",
             "allo_hsct_after", "car_t_after", "further_treatment", "next_therapy", "relapse", "progression", "death")
    baseline = {"relapse_number", "mrd_status_at_t0", "prior_allo_hsct", "prior_car_t", "in_cr_at_t0"}
    derived = [c for c in adsl.columns if any(k in c for k in kinds) and not c.endswith(("_date", "_source")) and not c.startswith("date_")
               and c not in baseline and "denominator" not in c and "population" not in c]
    assert derived and [c for c in derived if not is_post_baseline(c)] == []


def test_a_yes_in_a_window_has_the_first_date_of_the_event_on_or_before_the_window_end(adsl):
    """CR/CRi and MRD negativity by window are dated by the first such date (windows start at the first
    infusion, so a yes within a window means the first event is in it): the state of time-dependent analyses."""
    from blinrwe.derive.settings import RESPONSE_WINDOWS

    for window in RESPONSE_WINDOWS:
        for name, date in ((f"cr_cri_{window}", "date_first_cr_cri"),
                           (f"mrd_negative_{window}", "date_first_mrd_negative")):
            assert POST_BASELINE[name].date == date
            if name in adsl.columns:
                yes = adsl[name].astype("boolean").fillna(False).to_numpy(bool)
                assert adsl.loc[yes, date].notna().all(), name
                assert (adsl.loc[yes, date] > adsl.loc[yes, "t0_date"]).all(), name
