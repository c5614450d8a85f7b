"""Cox ARD rows equal direct cox_ph / cox_zph calls; reference rows; subgroup hazard ratios."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.ard import not_estimable_reason
from blinrwe.analysis.levels import level_labels
from blinrwe.analysis.regression import cox_models, cox_subgroup_models, reference_levels
from blinrwe.stats.cox import CoxConvergenceWarning, cox_ph
from blinrwe.stats.cox_zph import cox_zph

COVARIATES = ["age_at_t0", "disease_setting", "ph_status"]


def _model_data(data, covariates, endpoint="OS", variant="none"):
    tte = data.tte
    sel = tte[(tte.endpoint == endpoint) & (tte.variant == variant)]
    return sel[["patient_id", "time_months", "event"]].merge(data.adsl[["patient_id", *covariates]], on="patient_id",
                                                               how="left")


@pytest.fixture(scope="module")
def ard(analysis_data):
    return cox_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], covariates=COVARIATES)


def test_univariable_rows_equal_direct_fits(analysis_data, ard):
    for cov in COVARIATES:
        fit = cox_ph(_model_data(analysis_data, [cov]), "time_months", "event", [cov])
        uni = ard[(ard.table == "cox_univariable") & (ard.note != "reference")]
        for rec in fit.table.itertuples(index=False):
            rows = uni[uni.level == rec.term].set_index("statistic")
            assert (rows.loc["hr", "value"], rows.loc["hr", "lower"], rows.loc["hr", "upper"]) == \
                (rec.hr, rec.lower, rec.upper)
            assert rows.loc["cox_p", "value"] == rec.p and rows.loc["coef", "value"] == rec.coef
            assert (rows.loc["hr", "n"], rows.loc["hr", "denominator"]) == (fit.n_events, fit.n)
            assert rows.loc["hr", "method"] == fit.method
        lr = ard[(ard.table == "cox_univariable") & (ard.statistic == "cox_lr_p") & (ard.level == cov)]
        assert lr.value.item() == fit.lr_test.p


def test_multivariable_rows_and_ph_test_equal_direct_fits(analysis_data, ard):
    fit = cox_ph(_model_data(analysis_data, COVARIATES), "time_months", "event", COVARIATES)
    multi = ard[(ard.table == "cox_multivariable") & (ard.note != "reference")]
    for rec in fit.table.itertuples(index=False):
        row = multi[(multi.level == rec.term) & (multi.statistic == "hr")].iloc[0]
        assert (row.value, row.lower, row.upper) == (rec.hr, rec.lower, rec.upper)
    dropped = multi[multi.statistic == "missing"].value.item()
    assert dropped == fit.n_dropped
    zph = cox_zph(fit)
    got = multi[multi.statistic == "zph_p"].set_index("level")["value"]
    for rec in zph.table.itertuples(index=False):
        assert got[str(rec.term)] == rec.p


def test_reference_rows_precede_their_levels(analysis_data, ard):
    for table in ("cox_univariable", "cox_multivariable"):
        hr = ard[(ard.table == table) & (ard.statistic == "hr")].reset_index(drop=True)
        refs = hr[hr.note == "reference"]
        data = _model_data(analysis_data, COVARIATES)
        covs = COVARIATES if table == "cox_multivariable" else ["disease_setting"]
        expected = reference_levels(data, "time_months", "event", covs)
        for cov, ref in expected.items():
            row = refs[refs.level == f"{cov}[{ref}]"]
            assert len(row) == 1
            assert row.value.item() == 1.0 and np.isnan(row.lower.item()) and np.isnan(row.upper.item())
            # the reference row comes right before the covariate's first estimated level
            nxt = hr.loc[row.index.item() + 1, "level"]
            assert nxt.startswith(f"{cov}[") and nxt != f"{cov}[{ref}]"
    # numeric covariates have no reference row
    assert not ard[(ard.note == "reference") & ard.level.str.startswith("age_at_t0")].shape[0]
    # every reference level is the first sorted level among the complete rows (R's factor default)
    data = _model_data(analysis_data, ["ph_status"])
    complete = data.dropna()
    assert reference_levels(data, "time_months", "event", ["ph_status"]) == {"ph_status": sorted(complete.ph_status)[0]}


def test_subgroup_hazard_ratios_equal_direct_univariable_fits(analysis_data):
    groups = ["disease_setting", "ph_status", "prior_tki"]
    ard = cox_subgroup_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS", "EFS"], subgroups=groups)
    assert set(ard.table) == {"cox_subgroups"} and set(ard.section) == {"cox"}
    for endpoint in ("OS", "EFS"):
        for gvar in groups:
            data = _model_data(analysis_data, [gvar], endpoint=endpoint)
            data[gvar] = level_labels(data[gvar]).to_numpy()
            fit = cox_ph(data, "time_months", "event", [gvar])
            rows = ard[(ard.variable == endpoint) & (ard.group_var == gvar)]
            reference = sorted(data[gvar].dropna())[0]
            ref = rows[rows.note == "reference"]
            assert (ref.group.item(), ref.level.item(), ref.value.item()) == (reference, reference, 1.0)
            for rec in fit.table.itertuples(index=False):
                compared = rec.term[len(gvar) + 1:-1]
                hr = rows[(rows.group == compared) & (rows.statistic == "hr")].iloc[0]
                p = rows[(rows.group == compared) & (rows.statistic == "cox_p")].iloc[0]
                assert (hr.value, hr.lower, hr.upper, p.value) == (rec.hr, rec.lower, rec.upper, rec.p)
                assert (hr.level, hr.method) == (reference, fit.method)
                level_rows = data[(data[gvar] == compared)]
                assert (hr.n, hr.denominator) == (level_rows.event.sum(), len(level_rows))
                assert (p.n, p.denominator) == (hr.n, hr.denominator)
            # per-level events/N add up to the model's
            hr_rows = rows[rows.statistic == "hr"]
            assert (hr_rows.n.sum(), hr_rows.denominator.sum()) == (fit.n_events, fit.n)
            assert (ref.n.item(), ref.denominator.item()) == \
                (data.loc[data[gvar] == reference, "event"].sum(), (data[gvar] == reference).sum())
    # booleans are compared as "yes" vs the reference "no"
    tki = ard[(ard.group_var == "prior_tki") & (ard.statistic == "hr") & (ard.note != "reference")]
    assert set(tki.group) == {"yes"} and set(tki.level) == {"no"}


def test_subgroup_with_one_level_is_not_estimable(analysis_data):
    adsl = analysis_data.adsl.assign(single=pd.Series("x", index=analysis_data.adsl.index, dtype=object))
    ard = cox_subgroup_models(analysis_data.tte, adsl, endpoints=["OS"], subgroups=["single", "absent"])
    assert len(ard) == 1
    row = ard.iloc[0]
    assert row.statistic == "hr" and np.isnan(row.value) and row.note.startswith("not_estimable: ")
    assert "single category" in row.note


def test_p_value_rows_name_their_test_not_the_model(analysis_data, ard):
    """cox_p is the Wald test of one coefficient, cox_lr_p the model's likelihood-ratio test;
    neither repeats the hazard-ratio (model) method."""
    from blinrwe.analysis.regression import LR_P_METHOD, WALD_P_METHOD

    subgroups = cox_subgroup_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"],
                                    subgroups=["disease_setting"])
    for frame in (ard, subgroups):
        p_rows = frame[frame.statistic == "cox_p"]
        hr_rows = frame[(frame.statistic == "hr") & (frame.note != "reference")]
        assert len(p_rows) and set(p_rows.method) == {WALD_P_METHOD}
        assert "Wald test" in WALD_P_METHOD and not set(p_rows.method) & set(hr_rows.method)
    assert set(ard.loc[ard.statistic == "cox_lr_p", "method"]) == {LR_P_METHOD}
    assert LR_P_METHOD.startswith("likelihood-ratio test")


def test_subgroup_hazard_ratios_by_a_group_defined_after_the_start_are_flagged(analysis_data):
    from blinrwe.analysis.regression import cox_subgroup_models

    ard = cox_subgroup_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"],
                              subgroups=["disease_setting", "allo_hsct_after"])
    flagged = ard["note"].str.contains("immortal_time: allo-HSCT", regex=False)
    assert flagged.equals(ard["group_var"] == "allo_hsct_after") and flagged.any()
    reference = ard[(ard.group_var == "allo_hsct_after") & ard.note.str.contains("reference")]
    assert len(reference) == 1  # the reference flag is kept beside the warning


# --- hazard ratios that cannot be estimated (issue 7) ------------------------------------


def _without_events_in(data, column, values, level):
    """``data`` with ``column`` added to the ADSL and no OS event among patients of ``level``."""
    adsl = data.adsl.assign(**{column: pd.Series(values, index=data.adsl.index, dtype=object)})
    patients = set(adsl.loc[adsl[column] == level, "patient_id"])
    tte = data.tte.copy()
    tte.loc[tte.patient_id.isin(patients) & (tte.endpoint == "OS"), "event"] = 0
    return tte, adsl


def _rows(ard, table, level, statistic):
    return ard[(ard.table == table) & (ard.level == level) & (ard.statistic == statistic)]


def test_level_without_events_is_not_estimable_with_its_reason(analysis_data):
    # R coxph: coefficient ~ -20, HR upper bound Inf; the report died on it (demo --n 250)
    values = ["yes" if i < 6 else "no" for i in range(len(analysis_data.adsl))]
    tte, adsl = _without_events_in(analysis_data, "cns", values, "yes")
    with pytest.warns(CoxConvergenceWarning, match="infinite"), np.errstate(over="ignore"):  # genuinely degenerate
        cox_ph(_model_data(SimpleNamespace(tte=tte, adsl=adsl), ["cns"]), "time_months", "event", ["cns"])
    ard = cox_models(tte, adsl, endpoints=["OS"], covariates=["age_at_t0", "cns"])
    for table in ("cox_univariable", "cox_multivariable"):
        for statistic in ("hr", "coef", "cox_p"):
            row = _rows(ard, table, "cns[yes]", statistic).iloc[0]
            assert np.isnan([row.value, row.lower, row.upper]).all()
            assert not_estimable_reason(row.note) == "no events in level yes of cns (hazard ratio not estimable)"
        age = _rows(ard, table, "age_at_t0", "hr").iloc[0]
        assert np.isfinite([age.value, age.lower, age.upper]).all() and not_estimable_reason(age.note) is None
        assert np.isfinite(ard[(ard.table == table) & (ard.statistic == "cox_lr_p")].value).all()
    numbers = ard[["value", "lower", "upper"]].to_numpy(dtype=float)
    assert not np.isinf(numbers).any()


def test_reference_level_without_events_makes_every_comparison_not_estimable(analysis_data):
    values = ["a_rare" if i < 6 else ("b" if i % 2 else "c") for i in range(len(analysis_data.adsl))]
    tte, adsl = _without_events_in(analysis_data, "site", values, "a_rare")
    ard = cox_models(tte, adsl, endpoints=["OS"], covariates=["site"])
    assert _rows(ard, "cox_univariable", "site[a_rare]", "hr").note.item() == "reference"
    for level in ("site[b]", "site[c]"):
        row = _rows(ard, "cox_univariable", level, "hr").iloc[0]
        assert np.isnan(row.value)
        assert not_estimable_reason(row.note) == "no events in the reference level a_rare of site (hazard ratio not estimable)"


def test_monotone_likelihood_with_events_in_both_levels_is_not_estimable():
    # every event of level "late" happens after the last patient of "early" left the risk set:
    # the likelihood keeps rising as the coefficient goes to -inf though both levels have events
    tte = pd.DataFrame({"patient_id": [f"P{i}" for i in range(8)], "endpoint": "OS", "variant": "none",
                        "time_months": [1.0, 2, 3, 4, 5, 6, 7, 8], "event": [1, 1, 1, 1, 1, 1, 1, 0]})
    adsl = pd.DataFrame({"patient_id": tte.patient_id, "arm": ["early"] * 4 + ["late"] * 4})
    ard = cox_models(tte, adsl, endpoints=["OS"], covariates=["arm"])
    row = _rows(ard, "cox_univariable", "arm[late]", "hr").iloc[0]
    assert np.isnan(row.value)
    assert not_estimable_reason(row.note) == ("the events are ordered completely by arm (monotone likelihood, infinite "
                                              "coefficient) (hazard ratio not estimable)")


def test_subgroup_level_without_events_is_not_estimable(analysis_data):
    values = ["yes" if i < 6 else "no" for i in range(len(analysis_data.adsl))]
    tte, adsl = _without_events_in(analysis_data, "cns", values, "yes")
    ard = cox_subgroup_models(tte, adsl, endpoints=["OS"], subgroups=["cns", "disease_setting"])
    ref = ard[(ard.group_var == "cns") & (ard.note == "reference")].iloc[0]
    assert (ref.group, ref.value) == ("no", 1.0)
    for statistic in ("hr", "cox_p"):
        row = ard[(ard.group_var == "cns") & (ard.group == "yes") & (ard.statistic == statistic)].iloc[0]
        assert np.isnan(row.value) and (row.n, row.denominator) == (0, 6)
        assert not_estimable_reason(row.note) == "no events in level yes of cns (hazard ratio not estimable)"
    other = ard[(ard.group_var == "disease_setting") & (ard.statistic == "hr") & (ard.note != "reference")]
    assert np.isfinite(other.value).all()


def test_phreg_stopping_rule_reaches_the_tables(analysis_data):
    """[cox] convergence = "phreg_gconv": every model row is the fit stopped by SAS PHREG's GCONV rule."""
    ard = cox_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], covariates=COVARIATES,
                     convergence="phreg_gconv")
    fit = cox_ph(_model_data(analysis_data, COVARIATES), "time_months", "event", COVARIATES,
                 convergence="phreg_gconv")
    multi = ard[(ard.table == "cox_multivariable") & (ard.statistic == "coef")].set_index("level")["value"]
    for rec in fit.table.itertuples(index=False):
        assert multi[rec.term] == rec.coef
    assert ard.loc[ard.statistic == "hr", "method"].str.contains("GCONV").all()
    sub = cox_subgroup_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], subgroups=["ph_status"],
                              convergence="phreg_gconv")
    assert sub.loc[(sub.statistic == "hr") & (sub.note != "reference"), "method"].str.contains("GCONV").all()
def test_stratified_cox_equals_coxph_with_strata():
    """[cox] strata: a baseline hazard per stratum, R coxph(Surv(t, e) ~ age + strata(site))
    (golden/competing_regression.R); the stratum is not a covariate and the method names it."""
    from .golden_cohort import GOLDEN, golden_cohort

    c = golden_cohort()
    ard = cox_models(c.tte, c.adsl, endpoints=["OS"], covariates=["age", "site"], strata=["site"])
    hr = ard[(ard.statistic == "coef") & (ard.table == "cox_univariable")]
    assert list(hr["level"]) == ["age"]
    assert hr["value"].iloc[0] == pytest.approx(GOLDEN["stratified_cox"]["coef"], rel=1e-8)
    assert "stratified by site" in ard.loc[ard.statistic == "hr", "method"].iloc[0]


def test_subgroup_models_are_stratified_by_the_other_strata():
    from .golden_cohort import golden_cohort

    c = golden_cohort()
    ard = cox_subgroup_models(c.tte, c.adsl, endpoints=["OS"], subgroups=["ph", "site"], strata=["site"])
    ph = ard[(ard.group_var == "ph") & (ard.statistic == "hr") & (ard.group == "positive")].iloc[0]
    direct = cox_ph(pd.DataFrame({"t": c.data.os_time, "e": c.data.os_event, "ph": c.data.ph, "site": c.data.site}),
                    "t", "e", ["ph"], strata="site")
    assert ph.value == pytest.approx(direct.table["hr"].iloc[0], rel=1e-12) and "stratified by site" in ph.method
    site = ard[(ard.group_var == "site") & (ard.statistic == "hr")]
    assert "stratified" not in " ".join(site["method"])  # its own variable is never its stratum


def test_only_the_wanted_model_is_kept_for_a_later_table(analysis_data):
    from blinrwe.analysis.regression import SharedCoxModels

    key = SharedCoxModels.key("OS", "none", "time_months", COVARIATES)
    shared = SharedCoxModels([key])
    with_shared = cox_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], covariates=COVARIATES,
                             shared=shared)
    pd.testing.assert_frame_equal(with_shared, cox_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"],
                                                          covariates=COVARIATES), check_exact=True)
    assert list(shared.models) == [key]
    kept = shared.get(key)
    direct = cox_ph(_model_data(analysis_data, COVARIATES), "time_months", "event", COVARIATES)
    pd.testing.assert_frame_equal(kept.fit.table, direct.table, check_exact=True)
    assert kept.options == ("efron", 0.95, "r") and shared.get(("EFS",)) is None
    stratified = SharedCoxModels([key])
    cox_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], covariates=COVARIATES[:2],
               strata=["ph_status"], shared=stratified)
    assert stratified.models == {}  # a stratified model is not the appendix's


def test_models_sharing_one_endpoints_rows_equal_models_fitted_alone(analysis_data):
    """cox_models sorts an endpoint's rows once for all its models (cox_ph like=); each fit is as alone."""
    data = _model_data(analysis_data, COVARIATES)
    ard = cox_models(analysis_data.tte, analysis_data.adsl, endpoints=["OS"], covariates=COVARIATES)
    for cov in COVARIATES:
        hr = ard[(ard.table == "cox_univariable") & (ard.statistic == "coef") & ard.level.str.startswith(cov)]
        fit = cox_ph(data, "time_months", "event", [cov])
        assert hr["value"].tolist() == fit.table["coef"].tolist()
