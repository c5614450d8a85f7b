"""ARD rows: declared columns, and no infinite number ever stored (issue 7)."""

import math

from blinrwe.analysis.ard import ard_frame, ard_row, not_estimable, not_estimable_reason


def test_infinite_value_or_bound_is_stored_as_nan_with_a_reason():
    row = ard_row("cox", "cox_univariable", "OS", "hr", 1e-9, lower=0.0, upper=math.inf, level="cns[yes]")
    assert row["value"] == 1e-9 and row["lower"] == 0.0 and math.isnan(row["upper"])
    assert not_estimable_reason(row["note"]) == "infinite upper (hr not estimable)"
    row = ard_row("survival", "survival", "OS", "logrank_chisq", -math.inf, note="a warning")
    assert math.isnan(row["value"]) and row["note"] == "a warning; not_estimable: infinite value (logrank_chisq not estimable)"


def test_a_given_reason_is_kept():
    row = ard_row("cox", "cox_univariable", "OS", "hr", math.inf, note=not_estimable("no events in level yes of cns"))
    assert math.isnan(row["value"]) and not_estimable_reason(row["note"]) == "no events in level yes of cns"


def test_not_estimable_reason_reads_only_the_flag_with_a_reason():
    assert not_estimable_reason("not_estimable") is None  # a bound, explained by the table's NE footnote
    assert not_estimable_reason("") is None and not_estimable_reason(float("nan")) is None
    assert not_estimable_reason(not_estimable("all values equal", "integer")) == "all values equal"


def test_frame_of_rows_keeps_nan_not_inf():
    frame = ard_frame([ard_row("x", "x", "v", "hr", math.inf)])
    assert frame["value"].isna().all()
