"""The ARD index: the same rows as filtering the DataFrame, with missing text as ""."""

import math

from blinrwe.analysis.ard import ard_frame, ard_row
from blinrwe.report.ard_index import ArdIndex, ArdRows, as_ard_index, as_ard_rows


def test_cell_lookup_equals_dataframe_filter(ard):
    index = ArdIndex(ard)
    assert len(index) == len(ard)
    frame = ard[(ard.table == "table1") & (ard.variable == "sex") & (ard.level == "M") & (ard.group == "newly_diagnosed")
                & (ard.statistic == "pct")]
    cell = index.cell("table1", "sex", "M", "disease_setting", "newly_diagnosed", "", "pct")
    assert cell["value"] == frame["value"].iloc[0]
    rate = index.cell("survival", "OS", "", "", "Overall", "", "km_rate", 12.0)
    assert rate["time"] == 12.0 and rate["statistic"] == "km_rate"
    assert index.cell("table1", "sex", "X", "", "Overall", "", "n") is None


def test_partition_and_where(ard):
    index = as_ard_index(ard)
    assert as_ard_index(index) is index and as_ard_rows(index) is index
    assert len(index.table("safety")) == int((ard.table == "safety").sum())
    assert [r["variable"] for r in index.table("safety")] == ard.loc[ard.table == "safety", "variable"].tolist()
    sub = index.where(section={"survival", "followup"}, group_var="")
    assert len(sub) == int((ard.section.isin(["survival", "followup"]) & (ard.group_var == "")).sum())
    assert isinstance(sub, ArdRows) and sub.unique("variable") == ["OS", "EFS"]
    assert sub.first(statistic="followup_median")["value"] == 11.2
    assert not sub.has(statistic="no_such_statistic")


def test_missing_text_is_empty_and_numbers_are_float():
    index = ArdIndex(ard_frame([ard_row("cox", "cox_univariable", "OS", "hr", 1.0, note=None, n=3)]))
    (r,) = index
    assert r["note"] == "" and r["level"] == "" and r["group"] == "Overall"
    assert r["n"] == 3.0 and math.isnan(r["lower"])
    assert len(ArdIndex(None)) == 0


def test_a_suppressed_count_keeps_printing_its_token():
    """DataFrame.to_dict unboxes a float subclass to a plain float; the index keeps the SuppressedCount
    (else a masked cell printed NA instead of "<5")."""
    from blinrwe.analysis.ard import ard_frame, ard_row
    from blinrwe.report.ard_index import ArdIndex
    from blinrwe.report.disclosure import is_suppressed, suppress_ard

    ard = ard_frame([ard_row("safety", "deaths", "vital_status", "n", 3, level="died", n=3, denominator=40),
                     ard_row("safety", "deaths", "vital_status", "n", 37, level="alive", n=37, denominator=40)])
    record = ArdIndex(suppress_ard(ard, 5)).table("deaths").first(level="died")
    assert is_suppressed(record["value"]) and str(record["value"]) == "<5"
