"""blinrwe.examples.synthetic_tables: the synthetic cohort's draw helpers and its later tables."""

import numpy as np
import pandas as pd

from blinrwe.examples import synthetic_cohort
from blinrwe.examples.synthetic_tables import as_dates, choice, frame
from blinrwe.model import ALL_TABLES


def test_a_frame_has_every_declared_column_in_the_order_given():
    out = frame("events", {"patient_id": np.array(["SYN-2", "SYN-1"], dtype=object),
                           "event_type": np.array(["death", "relapse"], dtype=object)}, np.array([1, 0]))
    assert list(out.columns) == [c.name for c in ALL_TABLES["events"].columns] + ["source_row"]
    assert out["patient_id"].tolist() == ["SYN-1", "SYN-2"] and out["source_row"].tolist() == [2, 3]
    assert out["cause_of_death"].tolist() == [None, None]


def test_dates_from_day_offsets_and_draws_from_the_declared_values():
    t0 = np.array(["2023-01-01", "2023-02-01"], dtype="datetime64[D]")
    days = as_dates(t0, np.array([3, -1]))
    assert pd.Timestamp(days[0]) == pd.Timestamp("2023-01-04") and np.isnat(days[1])
    drawn = choice(np.random.default_rng(0), ["a", "b"], [3, 1], 1000)
    assert set(drawn) == {"a", "b"} and 0.65 < (drawn == "a").mean() < 0.85


def test_therapies_and_adverse_events_lie_within_observation():
    """Every therapy and adverse event starts on or after T0 and before the patient's last event date."""
    study = synthetic_cohort(300, 5)
    t = study.tables
    t0 = t["infusions"].groupby("patient_id")["start_date"].min()
    last = t["events"].groupby("patient_id")["event_date"].max()
    for name, column in (("therapies", "start_date"), ("adverse_events", "onset_date")):
        rows = t[name]
        assert len(rows) and (rows[column] >= rows["patient_id"].map(t0)).all()
        assert (rows[column] <= rows["patient_id"].map(last)).all()
