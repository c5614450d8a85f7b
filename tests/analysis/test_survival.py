"""Survival ARD rows equal direct calls of the stats functions."""

import numpy as np
import pandas as pd

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.survival import SurvivalOutput, figure_ticks, survival_analyses
from blinrwe.stats.counts import grouped_event_counts
from blinrwe.stats.follow_up import median_follow_up
from blinrwe.stats.kaplan_meier import kaplan_meier
from blinrwe.stats.logrank import logrank


def _run(data):
    out = survival_analyses(data.tte, data.adsl, endpoints=["OS"], variants=["none"], subgroups=["disease_setting"],
                            time_unit="months", landmarks=[12.0], out=SurvivalOutput())
    rows, curves, risk = out.frames()
    import pandas as pd

    return pd.DataFrame(rows), curves, risk


def test_overall_rows_equal_direct_calls(analysis_data):
    ard, curves, risk = _run(analysis_data)
    sel = analysis_data.tte[(analysis_data.tte.endpoint == "OS") & (analysis_data.tte.variant == "none")]
    km = kaplan_meier(sel.time_months.to_numpy(), sel.event.to_numpy())
    overall = ard[(ard.group == "Overall") & (ard.section == "survival")].set_index("statistic")
    med = km.median()
    np.testing.assert_equal(overall.loc["km_median", "value"], np.nan if med.estimate is None else med.estimate)
    assert (overall.loc["km_median", "note"] == "not_reached") == (not med.reached)
    at = km.at([12.0]).iloc[0]
    assert overall.loc["km_rate", "value"] == at.survival
    assert (overall.loc["km_rate", "lower"], overall.loc["km_rate", "upper"]) == (at.lower, at.upper)
    assert overall.loc["km_se", "value"] == at.std_err
    assert overall.loc["events", "n"] == km.n_events and overall.loc["events", "denominator"] == km.n
    fu = median_follow_up(sel.time_months.to_numpy(), sel.event.to_numpy())
    assert ard[ard.statistic == "followup_median"].value.item() == fu.reverse_km.estimate
    curve = curves[curves.analysis == "OS:none:"]
    assert curve.time.iloc[0] == 0 and curve.estimate.iloc[0] == 1
    assert np.allclose(curve.estimate.iloc[1:], km.surv)


def test_logrank_row_equals_direct_call(analysis_data):
    ard, _, _ = _run(analysis_data)
    sel = analysis_data.tte[(analysis_data.tte.endpoint == "OS") & (analysis_data.tte.variant == "none")]
    groups = sel[["patient_id"]].merge(analysis_data.adsl[["patient_id", "disease_setting"]])["disease_setting"]
    direct = logrank(sel.time_months.to_numpy(), sel.event.to_numpy(), groups.to_numpy())
    assert ard[ard.statistic == "logrank_p"].value.item() == direct.p
    counts = grouped_event_counts(sel.time_months.to_numpy(), sel.event.to_numpy(), groups.to_numpy())
    assert set(ard.group) >= set(counts.groups)


def test_ticks():
    assert list(figure_ticks(25, "months")) == [0, 6, 12, 18, 24]
    assert figure_ticks(0, "days").tolist() == [0.0]


def test_split_endpoints_keeps_rows_in_table_order(analysis_data):
    from blinrwe.analysis.survival import split_endpoints

    tte = analysis_data.tte.sample(frac=1.0, random_state=1)  # shuffled: parts must not depend on row order
    parts = split_endpoints(tte, ["OS", "CIR", "absent"])
    assert set(parts) == {("OS", "none"), ("OS", "allo_hsct"), ("CIR", "none")}
    for (endpoint, variant), rows in parts.items():
        expected = tte[(tte.endpoint == endpoint) & (tte.variant == variant)]
        assert rows.index.equals(expected.index)
    assert split_endpoints(tte.iloc[:0], ["OS"]) == {}


def test_split_endpoints_of_the_sorted_derived_table_shares_its_memory(analysis_data):
    """The derived tte is sorted by endpoint and variant: each part is a slice of it, not a copy."""
    from blinrwe.analysis.survival import split_endpoints

    tte = analysis_data.tte
    for (endpoint, variant), rows in split_endpoints(tte, ["OS", "CIR"]).items():
        pd.testing.assert_frame_equal(rows, tte[(tte.endpoint == endpoint) & (tte.variant == variant)])
        assert np.shares_memory(rows["time_days"].to_numpy(), tte["time_days"].to_numpy())


def test_split_endpoints_finds_the_blocks_of_the_derived_layout_as_factorising_does(analysis_data):
    """Blocks of one (endpoint, variant) each are found by comparing neighbours; any other layout (a pair
    in two blocks, a missing endpoint) is factorised: the parts, and their order, are the same."""
    from blinrwe.analysis.survival import _pair_runs, split_endpoints

    tte = analysis_data.tte
    blocks = split_endpoints(tte, ["OS", "CIR", "EFS"])
    assert _pair_runs(tte["endpoint"].to_numpy(), tte["variant"].to_numpy()) is not None
    split = pd.concat([tte.iloc[:30], tte.iloc[len(tte) // 2:], tte.iloc[30:len(tte) // 2]])  # OS none in two blocks
    assert _pair_runs(split["endpoint"].to_numpy(), split["variant"].to_numpy()) is None
    factorised = split_endpoints(split, ["OS", "CIR", "EFS"])
    assert set(factorised) == set(blocks)
    for key, rows in blocks.items():
        expected = tte[(tte.endpoint == key[0]) & (tte.variant == key[1])]
        pd.testing.assert_frame_equal(rows, expected)
        pd.testing.assert_frame_equal(factorised[key].sort_index(), expected)
    missing = tte.assign(endpoint=tte["endpoint"].where(tte.index % 50 != 0, None))
    assert _pair_runs(missing["endpoint"].to_numpy(), missing["variant"].to_numpy()) is None
    assert set(split_endpoints(missing, ["OS"])) == {("OS", "none"), ("OS", "allo_hsct")}
    one = tte.iloc[:1]
    assert list(split_endpoints(one, ["OS"])) == [(one["endpoint"].iloc[0], one["variant"].iloc[0])]


def test_survival_analyses_keep_their_tabulations_for_the_summary_measures(analysis_data):
    from blinrwe.analysis.survival import SurvivalOutput, survival_analyses

    out = survival_analyses(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], variants=["none"],
                            subgroups=["sex", "ph_status"], time_unit="months", landmarks=[6], out=SurvivalOutput())
    n, counts = out.counts[("OS", "none", "time_months", "")]
    assert n == len(analysis_data.adsl) and counts.n == n
    known, grouped = out.counts[("OS", "none", "time_months", "ph_status")]
    assert known == int(analysis_data.adsl["ph_status"].notna().sum()) and len(grouped.groups) == 2
    within = survival_analyses(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], variants=["none"],
                               subgroups=["sex"], time_unit="months", landmarks=[6], out=SurvivalOutput(),
                               overall=False)
    assert within.counts == {}  # a comparison within a subset is not the whole cohort's


def test_group_rows_do_not_depend_on_patient_order(analysis_data):
    """Groups are looked up by patient id (positions), so a reordered ADSL gives the same rows."""
    ard, _, _ = _run(analysis_data)
    import types

    shuffled = types.SimpleNamespace(**{**vars(analysis_data), "adsl": analysis_data.adsl.iloc[::-1]})
    again, _, _ = _run(shuffled)
    import pandas as pd

    pd.testing.assert_frame_equal(ard, again)


def test_time_origin_rows_curves_and_risk_tables_carry_the_declared_origin(analysis_data):
    import pandas as pd

    out = survival_analyses(analysis_data.tte, analysis_data.adsl, endpoints=["OS", "EFS"], variants=["none"],
                            subgroups=["disease_setting"], time_unit="months", landmarks=[12.0],
                            origins={"EFS": "first response (CR/CRi)"})
    rows, curves, risk = out.frames()
    rows = pd.DataFrame(rows)
    origin = rows[rows.statistic == "time_origin"].set_index("variable")["level"]
    assert origin.to_dict() == {"OS": "first blinatumomab infusion", "EFS": "first response (CR/CRi)"}
    for frame in (curves, risk):
        assert frame.groupby("endpoint")["time_origin"].unique().map(list).to_dict() == {
            "OS": ["first blinatumomab infusion"], "EFS": ["first response (CR/CRi)"]}


def test_groups_defined_after_the_start_are_flagged_on_every_row(analysis_data):
    """Every row of a comparison by a post-baseline variable (allo-HSCT after blinatumomab) carries the
    immortal-time flag; rows of baseline groupings and of the whole cohort do not."""
    import pandas as pd

    out = survival_analyses(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], variants=["none"],
                            subgroups=["disease_setting", "allo_hsct_after"], time_unit="months", landmarks=[12.0])
    rows = pd.DataFrame(out.frames()[0])
    flagged = rows["note"].str.contains("immortal_time: allo-HSCT", regex=False)
    assert flagged.equals(rows["group_var"] == "allo_hsct_after")
    assert {"logrank_p", "km_median", "events"} <= set(rows.loc[flagged, "statistic"])


def test_comparison_only_leaves_out_the_whole_cohort_rows(analysis_data):
    import pandas as pd

    out = survival_analyses(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], variants=["none"],
                            subgroups=["disease_setting"], time_unit="months", landmarks=[12.0], overall=False)
    rows, curves, _ = out.frames()
    rows = pd.DataFrame(rows)
    assert set(rows["group_var"]) == {"disease_setting"} and set(curves["group_var"]) == {"disease_setting"}
    assert not rows["section"].eq("followup").any()


def test_singular_logrank_is_not_estimable_with_its_reason():
    """Everyone at risk dies at the only event time: the p row carries NaN and the reason (the report prints NE)."""
    from blinrwe.analysis.survival import _logrank_rows

    rows = _logrank_rows(grouped_event_counts([4, 4, 4], [1, 1, 1], ["a", "b", "b"]), dict(variable="OS"))
    p = next(r for r in rows if r["statistic"] == "logrank_p")
    assert np.isnan(p["value"]) and p["note"].startswith("not_estimable: variance is zero")


# --- NE instead of a crash; one convention at S = 1 (issue 7) --------------------------


def _tiny(times, events, groups, landmarks=(12.0,)):
    import pandas as pd

    ids = [f"P{i}" for i in range(len(times))]
    tte = pd.DataFrame({"patient_id": ids, "endpoint": "OS", "variant": "none", "time_months": times,
                        "event": events})
    adsl = pd.DataFrame({"patient_id": ids, "arm": groups})
    out = survival_analyses(tte, adsl, endpoints=["OS"], variants=["none"], subgroups=["arm"], time_unit="months",
                            landmarks=list(landmarks), out=SurvivalOutput())
    rows, curves, _ = out.frames()
    return pd.DataFrame(rows), curves


def test_logrank_with_zero_variance_is_not_estimable_with_a_reason():
    # every patient at risk has the event at the only event time: V = 0
    ard, _ = _tiny([3.0, 3.0], [1, 1], ["a", "b"])
    p = ard[ard.statistic == "logrank_p"].iloc[0]
    assert np.isnan(p.value) and not_estimable_reason(p.note)


def test_logrank_with_one_group_expecting_events_is_not_estimable_with_a_reason():
    # group b leaves before the first event: no expected events, df = 0, p NaN
    ard, _ = _tiny([5.0, 6.0, 7.0, 1.0, 2.0], [1, 1, 0, 0, 0], ["a", "a", "a", "b", "b"])
    for statistic in ("logrank_chisq", "logrank_p"):
        row = ard[ard.statistic == statistic].iloc[0]
        assert np.isnan(row.value)
        assert "only one group had patients at risk" in not_estimable_reason(row.note)


def test_survival_of_one_has_bounds_one_one_at_every_landmark():
    # before the first observation (R: (1, 1)) and after a censoring but before any event (R 3.5 log-log: NaN):
    # one convention, (1, 1) as R survival >= 3.6, so a row never prints "100.0-100.0" beside "NE-NE"
    ard, curves = _tiny([2.0, 3.0, 10.0, 12.0, 14.0], [0, 0, 1, 1, 0], ["a"] * 5, landmarks=(1.0, 6.0, 11.0))
    rates = ard[(ard.statistic == "km_rate") & (ard.group == "Overall")].set_index("time")
    assert (rates.loc[[1.0, 6.0], ["value", "lower", "upper"]].to_numpy() == 1.0).all()
    assert 0 < rates.loc[11.0, "lower"] < rates.loc[11.0, "value"] < rates.loc[11.0, "upper"] < 1
    at_one = curves[(curves.group == "Overall") & (curves.estimate == 1.0)]
    assert len(at_one) == 3 and (at_one[["lower", "upper"]].to_numpy() == 1.0).all()


def test_landmark_after_the_curve_reached_zero_is_zero():
    ard, _ = _tiny([1.0, 2.0, 3.0], [1, 1, 1], ["a"] * 3, landmarks=(2.5, 12.0))
    rates = ard[(ard.statistic == "km_rate") & (ard.group == "Overall")].set_index("time")
    assert rates.loc[12.0, "value"] == 0.0 and rates.loc[12.0, "note"] == ""
    assert np.isnan(rates.loc[12.0, ["lower", "upper"]].to_numpy(dtype=float)).all()  # Greenwood undefined at S = 0
