"""Simon-Makuch curves against R survfit on tmerge rows (tests/stats/golden/simon_makuch.R) and invariants."""

import json
from pathlib import Path

import numpy as np
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.kaplan_meier import kaplan_meier
from blinrwe.stats.counts import counting_process_counts
from blinrwe.stats.simon_makuch import simon_makuch

GOLDEN = json.loads((Path(__file__).parent / "golden" / "simon_makuch.json").read_text())
CASES = {k: v for k, v in GOLDEN.items() if not k.startswith("_")}


def _nan(values):
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.mark.parametrize("name", sorted(CASES))
def test_equals_survfit_on_counting_process_rows(name):
    c = CASES[name]
    fit = simon_makuch(c["tstart"], c["tstop"], c["event"], c["state"], conf_type=c["conf_type"])
    expected_state = np.array(c["curve"]["state"])
    for label, km in fit.curves.items():
        rows = expected_state == label
        table = km.table
        for column in ("time", "n_risk", "n_event", "survival", "std_err", "lower", "upper"):
            np.testing.assert_allclose(table[column], _nan(c["curve"][column])[rows], rtol=1e-6, atol=1e-12,
                                       equal_nan=True, err_msg=f"{label} {column}")


def test_without_switches_it_is_the_ordinary_kaplan_meier():
    time, event = np.array([2.0, 3, 3, 5, 7, 9]), np.array([1, 1, 0, 1, 0, 1])
    km = simon_makuch(np.zeros(6), time, event, np.zeros(6)).curves[0]
    np.testing.assert_allclose(km.table["survival"], kaplan_meier(time, event).table["survival"])


def test_risk_set_moves_between_states_at_the_switch():
    # patient 2 switches at day 3: at risk in state 0 up to day 3 (censored there), in state 1 after;
    # an interval (3, 8] is not at risk at 3 itself
    fit = simon_makuch([0, 0, 3], [4, 3, 8], [1, 0, 1], [0, 0, 1])
    before, after = fit.curves[0].table, fit.curves[1].table
    assert before[["time", "n_risk", "n_censor"]].values.tolist() == [[3, 2, 1], [4, 1, 0]]
    assert after[["time", "n_risk", "n_event"]].values.tolist() == [[8, 1, 1]]
    assert counting_process_counts([0, 0, 3], [4, 3, 8], [1, 0, 1]).n_risk.tolist() == [2, 2, 1]


def test_an_interval_must_start_before_it_stops():
    with pytest.raises(StatisticalInputError, match="start must be before stop"):
        counting_process_counts([0, 5], [4, 5], [1, 0])
