"""Counting-process intervals against R's tmerge (tests/derive/golden/tmerge.R) and from a derived study."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from blinrwe.derive import derive_analysis_data
from blinrwe.derive.time_dependent import derive_counting_process, derive_state_intervals
from blinrwe.errors import SpecificationError
from blinrwe.examples.synthetic import synthetic_cohort

GOLDEN = json.loads((Path(__file__).parent / "golden" / "tmerge.json").read_text())


def test_equals_tmerge_row_for_row():
    patients = pd.DataFrame(GOLDEN["patients"]).astype({"hsct": float, "resp": float})
    got = derive_counting_process(patients, id="id", time="time", event="event",
                                  switches={"allo_hsct": "hsct", "response": "resp"})
    expected = pd.DataFrame(GOLDEN["intervals"]).rename(columns={"death": "event"})
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_a_switch_at_zero_holds_from_the_start_and_one_at_the_last_time_does_not_count():
    frame = pd.DataFrame({"id": [1, 2, 3], "time": [10.0, 10.0, 10.0], "event": [1, 1, 0],
                          "s": [0.0, 10.0, 4.0]})
    rows = derive_counting_process(frame, id="id", time="time", event="event", switches={"state": "s"})
    assert rows.values.tolist() == [[1, 0, 10, 1, 1], [2, 0, 10, 1, 0], [3, 0, 4, 0, 0], [3, 4, 10, 0, 1]]


def test_a_study_splits_at_its_transplant_and_response_days():
    data = derive_analysis_data(synthetic_cohort(n_patients=80, seed=3))
    rows = derive_state_intervals(data, "OS", states=("allo_hsct_after", "responder"))
    os = data.tte.query("endpoint == 'OS' and variant == 'none'")
    # one final interval per patient, ending at the OS time with the OS event; no gaps between intervals
    last = rows.groupby("patient_id").tail(1).set_index("patient_id")
    pd.testing.assert_series_equal(last["tstop"], os.set_index("patient_id")["time_days"].astype(float),
                                   check_names=False, check_index=False)
    assert last["event"].sum() == os["event"].sum() == rows["event"].sum()
    following = rows.groupby("patient_id")["tstart"].shift(-1)
    assert (following.dropna() == rows.loc[following.notna(), "tstop"]).all()
    # a patient is transplanted from the interval after the transplant day on, never before
    hsct = data.adsl.set_index("patient_id")["allo_hsct_date"]
    origin = os.set_index("patient_id")["origin_date"]
    switch = (hsct - origin).dt.days.reindex(rows["patient_id"]).to_numpy()
    assert np.array_equal(rows["allo_hsct_after"].to_numpy() == 1, switch <= rows["tstart"].to_numpy())


def test_unknown_states_and_endpoints_are_refused():
    data = derive_analysis_data(synthetic_cohort(n_patients=20, seed=1))
    with pytest.raises(SpecificationError, match="unknown post-baseline state"):
        derive_state_intervals(data, "OS", states=("transplant",))
    with pytest.raises(SpecificationError, match="no XYZ rows"):
        derive_state_intervals(data, "XYZ")
