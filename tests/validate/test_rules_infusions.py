"""blinrwe.validate.rules_infusions: the infusion segments' checks (their findings through a workbook and CSV are
in test_rules' scenario table); here the thresholds at their edges."""

import pandas as pd

from blinrwe.validate.rules_infusions import MAX_SEGMENT_DAYS, bsa_mosteller

from .scenarios import D, edit, run_both


def test_bsa_mosteller_matches_domain_fixture():
    # domain-spec 1.6: 140 cm / 35 kg -> 1.1667 m2
    assert round(float(bsa_mosteller(pd.Series([140.0]), pd.Series([35.0]))[0]), 4) == 1.1667


def test_a_segment_of_a_whole_cycle_is_plausible_one_day_more_is_not(tmp_path):
    """Both days count: 2023-01-09 to 2023-02-19 is 42 days (28 on and 14 off, domain-spec 1.2), no
    warning; to 2023-02-20 is 43, a warning."""
    assert MAX_SEGMENT_DAYS == 42
    for end, warned in ((D(2023, 2, 19), False), (D(2023, 2, 20), True)):
        for _, report in run_both(edit("infusions", 1, end_date=end), tmp_path):
            assert ("INFUSION_LONG" in report.codes()) is warned
