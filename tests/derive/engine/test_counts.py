"""Engine per-time counts equal the in-memory counts, and so do KM, log-rank and CIF from them."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.derive.engine.counts import engine_count_table, engine_count_tables_by_endpoint, event_count_table
from blinrwe.derive.engine.frames import to_engine
from blinrwe.stats.competing_risks import cumulative_incidence
from blinrwe.stats.count_tables import counts_from_table, cumulative_incidence_from_counts
from blinrwe.stats.counts import event_counts, grouped_event_counts
from blinrwe.stats.kaplan_meier import kaplan_meier, kaplan_meier_from_counts
from blinrwe.stats.logrank import logrank, logrank_from_counts

def engine_event_counts(backend, table, endpoint, group=None, **kw):
    return counts_from_table(engine_count_table(backend, table, endpoint, group=group, **kw), group)


ARRAYS = ("time", "n_risk", "n_event", "n_censor", "n_event_by_cause")


def assert_same_counts(got, want):
    assert type(got) is type(want)
    assert got.causes == want.causes
    if hasattr(want, "groups"):
        assert got.groups == want.groups
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


@pytest.fixture(scope="module")
def tte_sex(synthetic_steps):
    """The reference tte with the patient's sex (a two-level group) from adsl."""
    tte = synthetic_steps["tte"].drop(columns=["origin_date", "end_date", "source"])
    return tte.merge(synthetic_steps["adsl"][["patient_id", "sex"]], on="patient_id", how="left")


def _rows(tte, endpoint):
    return tte[(tte.endpoint == endpoint) & (tte.variant == "none")]


def test_counts_km_logrank_equal_in_memory(engine_backend, tte_sex):
    table = to_engine(tte_sex)
    for endpoint in ("OS", "EFS", "DOR"):
        rows = _rows(tte_sex, endpoint)
        t, e = rows.time_days.to_numpy(int), rows.event.to_numpy(int)
        got = engine_event_counts(engine_backend, table, endpoint)
        assert_same_counts(got, event_counts(t, e))
        km, want = kaplan_meier_from_counts(got), kaplan_meier(t, e)
        pd.testing.assert_frame_equal(km.table, want.table)
        assert km.median().estimate == want.median().estimate
        pd.testing.assert_frame_equal(km.at([180, 365, 730]), want.at([180, 365, 730]))
        grouped = engine_event_counts(engine_backend, table, endpoint, group="sex")
        assert_same_counts(grouped, grouped_event_counts(t, e, rows.sex.to_numpy()))
        lr, lr_want = logrank_from_counts(grouped), logrank(t, e, rows.sex.to_numpy())
        assert lr.chisq == pytest.approx(lr_want.chisq, rel=1e-12)
        assert lr.p == pytest.approx(lr_want.p, rel=1e-12)


def test_competing_risks_counts_and_cif(engine_backend, tte_sex):
    rows = _rows(tte_sex, "CIR")
    t, code, sex = rows.time_days.to_numpy(int), rows.event_type.to_numpy(int), rows.sex.to_numpy()
    got = engine_event_counts(engine_backend, to_engine(tte_sex), "CIR", group="sex")
    assert_same_counts(got, grouped_event_counts(t, code, sex, causes=(1, 2)))
    cif = cumulative_incidence_from_counts(got, cause=1)
    want = cumulative_incidence(t, code, 1, group=sex)
    assert cif.groups == want.groups and cif.causes == want.causes
    pd.testing.assert_frame_equal(cif.table, want.table, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(cif.at([365]), want.at([365]))


def test_every_endpoint_in_one_query(duckdb_backend, tte_sex):
    allc = {k: counts_from_table(v, "sex") for k, v in
            engine_count_tables_by_endpoint(duckdb_backend, to_engine(tte_sex), group="sex").items()}
    assert set(allc) == set(tte_sex.groupby(["endpoint", "variant"]).groups)
    for (endpoint, variant), got in allc.items():
        rows = tte_sex[(tte_sex.endpoint == endpoint) & (tte_sex.variant == variant)]
        competing = endpoint == "CIR"
        e = rows.event_type if competing else rows.event
        want = grouped_event_counts(rows.time_days.to_numpy(int), e.to_numpy(int), rows.sex.to_numpy(),
                                    causes=(1, 2) if competing else (1,))
        assert_same_counts(got, want)


def test_months_near_ties_merged_as_timefix(duckdb_backend):
    """Non-integer times within sqrt(eps) are one time after aggregation (R timefix)."""
    t = np.array([1.0, 1.0 + 1e-12, 2.5, 2.5, 3.0])
    e = np.array([1, 0, 1, 1, 0])
    frame = pd.DataFrame({"endpoint": "OS", "variant": "none", "time_months": t, "event": e})
    got = engine_event_counts(duckdb_backend, to_engine(frame), "OS", time="time_months")
    assert_same_counts(got, event_counts(t, e))
    assert got.time.size == 3


@pytest.mark.parametrize("case", ["single_row", "all_censored", "one_group_absent"])
def test_degenerate_inputs(duckdb_backend, case):
    frame = pd.DataFrame({"endpoint": ["OS", "OS", "OS", "EFS"], "variant": "none", "time_days": [5, 5, 9, 3],
                          "event": [1, 0, 0, 1], "sex": ["F", "F", "F", "M"]})
    if case == "single_row":
        frame = frame.iloc[[3]]
        rows = frame
        endpoint = "EFS"
    elif case == "all_censored":
        frame = frame.assign(event=0)
        endpoint, rows = "OS", frame[frame.endpoint == "OS"]
    else:  # sex M has no OS row: the group is absent from the OS counts, as in memory
        endpoint, rows = "OS", frame[frame.endpoint == "OS"]
    table = to_engine(frame)
    t, e = rows.time_days.to_numpy(int), rows.event.to_numpy(int)
    got = engine_event_counts(duckdb_backend, table, endpoint, group="sex")
    assert_same_counts(got, grouped_event_counts(t, e, rows.sex.to_numpy()))
    km = kaplan_meier_from_counts(engine_event_counts(duckdb_backend, table, endpoint))
    pd.testing.assert_frame_equal(km.table, kaplan_meier(t, e).table)


def test_empty_selection_gives_empty_counts(duckdb_backend):
    frame = pd.DataFrame({"endpoint": ["OS"], "variant": "none", "time_days": [5], "event": [1], "sex": ["F"]})
    got = engine_event_counts(duckdb_backend, to_engine(frame), "EFS", group="sex")
    assert got.time.size == 0 and got.groups == ()
    assert duckdb_backend.to_pandas(event_count_table(to_engine(frame).filter(lambda t: t.time_days < 0))).empty


def test_several_group_columns(duckdb_backend, tte_sex):
    rows = _rows(tte_sex, "OS").assign(old=lambda f: f.patient_id.str[-1] < "5")
    got = engine_event_counts(duckdb_backend, to_engine(rows), "OS", group=["sex", "old"])
    labels = list(zip(rows.sex, rows.old))
    want = grouped_event_counts(rows.time_days.to_numpy(int), rows.event.to_numpy(int),
                                pd.Categorical(labels, categories=sorted(set(labels))))
    assert_same_counts(got, want)
