"""Per-time event counts: individual data, frequency weights, aggregated tables, groups, causes."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.errors import StatisticalInputError
from blinrwe.stats.counts import (
    EventCounts,
    event_counts,
    event_counts_from_table,
    grouped_event_counts,
)

TIME = [1, 2, 2, 3, 5, 5, 8]
EVENT = [1, 0, 1, 1, 0, 1, 0]


def test_counts_follow_survfit_conventions():
    c = event_counts(TIME, EVENT)
    np.testing.assert_array_equal(c.time, [1, 2, 3, 5, 8])
    np.testing.assert_array_equal(c.n_risk, [7, 6, 4, 3, 1])  # censored at t are at risk at t
    np.testing.assert_array_equal(c.n_event, [1, 1, 1, 1, 0])
    np.testing.assert_array_equal(c.n_censor, [0, 1, 0, 1, 1])
    assert c.n == 7
    assert c.causes == (1,)


def test_weights_equal_repeated_rows():
    weighted = event_counts([1, 2, 2], [1, 1, 0], weights=[3, 2, 4])
    expanded = event_counts([1] * 3 + [2] * 2 + [2] * 4, [1] * 5 + [0] * 4)
    for name in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(getattr(weighted, name), getattr(expanded, name))


def test_zero_weights_drop_times():
    c = event_counts([1, 2, 3], [1, 1, 0], weights=[1, 0, 2])
    np.testing.assert_array_equal(c.time, [1, 3])


def test_competing_causes():
    c = event_counts([1, 2, 2, 3, 4], [1, 2, 1, 0, 2], causes=(1, 2))
    np.testing.assert_array_equal(c.n_event, [1, 2, 0, 1])
    np.testing.assert_array_equal(c.events_of(1), [1, 1, 0, 0])
    np.testing.assert_array_equal(c.events_of(2), [0, 1, 0, 1])
    assert list(c.to_frame().columns) == ["time", "n_risk", "n_event", "n_censor", "n_event_1", "n_event_2"]


def test_grouped_counts_on_pooled_times():
    g = grouped_event_counts(TIME, EVENT, ["b", "a", "a", "b", "b", "a", "a"])
    assert g.groups == ("a", "b")
    np.testing.assert_array_equal(g.time, [1, 2, 3, 5, 8])
    np.testing.assert_array_equal(g.n_risk[:, 0], [4, 4, 2, 2, 1])
    np.testing.assert_array_equal(g.n_risk[:, 1], [3, 2, 2, 1, 0])
    np.testing.assert_array_equal(g.n, [4, 3])
    a = g.group("a")
    np.testing.assert_array_equal(a.time, [2, 5, 8])
    pooled = g.pooled()
    np.testing.assert_array_equal(pooled.n_risk, event_counts(TIME, EVENT).n_risk)


def test_from_aggregated_table_equals_individual():
    rng = np.random.default_rng(7)
    t = rng.integers(0, 30, 300)
    e = rng.integers(0, 2, 300)
    df = pd.DataFrame({"t": t, "e": e})
    agg = df.groupby("t").agg(n_event=("e", "sum"), n_censor=("e", lambda x: int((x == 0).sum()))).reset_index()
    from_table = event_counts_from_table(agg, time="t")
    direct = event_counts(t, e)
    for name in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(getattr(from_table, name), getattr(direct, name))


def test_from_duckdb_aggregate_with_groups_and_causes():
    duckdb = pytest.importorskip("duckdb")
    rng = np.random.default_rng(3)
    raw = pd.DataFrame({
        "time": rng.integers(0, 40, 400),
        "event": rng.integers(0, 3, 400),
        "arm": rng.choice(["A", "B"], 400),
    })
    agg = duckdb.sql(
        "SELECT arm, time, sum((event = 1)::INT) AS n_relapse, sum((event = 2)::INT) AS n_death, "
        "sum((event = 0)::INT) AS n_censor FROM raw GROUP BY arm, time"
    ).df()
    from_table = event_counts_from_table(agg, n_event=["n_relapse", "n_death"], group="arm")
    direct = grouped_event_counts(raw.time, raw.event, raw.arm, causes=(1, 2))
    assert from_table.groups == direct.groups == ("A", "B")
    for name in ("time", "n_risk", "n_event", "n_censor", "n_event_by_cause"):
        np.testing.assert_array_equal(getattr(from_table, name), getattr(direct, name))


def test_empty_input():
    c = event_counts([], [])
    assert c.time.size == 0 and c.n == 0


def test_counts_are_immutable():
    c = event_counts(TIME, EVENT)
    with pytest.raises(ValueError):
        c.n_risk[0] = 99
    with pytest.raises(AttributeError):
        c.time = np.array([1.0])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(time=[1, -2], event=[1, 0]), "time has a negative value at position 1 (-2)"),
        (dict(time=[1, float("nan")], event=[1, 0]), "time has a missing or infinite value at position 1"),
        (dict(time=[1, 2], event=[1, 2]), "event has value 2 at position 1"),
        (dict(time=[1, 2], event=[1]), "event has 1 values but time has 2"),
        (dict(time=[1, 2], event=[1, 0.5]), "event has a missing or non-integer value at position 1"),
        (dict(time=["a", "b"], event=[1, 0]), "time must be numeric"),
        (dict(time=[1, 2], event=[1, 0], weights=[1, -1]), "weights has value -1 at position 1"),
        (dict(time=[1, 2], event=[1, 0], causes=(0,)), "causes must be distinct positive integer codes"),
    ],
)
def test_input_errors_name_parameter_and_value(kwargs, message):
    with pytest.raises(StatisticalInputError) as err:
        event_counts(**kwargs)
    assert message in str(err.value)


def test_missing_table_column_is_named():
    with pytest.raises(StatisticalInputError, match="no n_censor column 'n_censor'"):
        event_counts_from_table(pd.DataFrame({"time": [1], "n_event": [1]}))


def test_event_counts_validates_its_arrays():
    with pytest.raises(StatisticalInputError, match="distinct and ascending"):
        EventCounts(time=[2, 1], n_risk=[2, 1], n_event=[1, 1], n_censor=[0, 0], n_event_by_cause=[1, 1])


# --- near ties (R's timefix, blinrwe.stats._inputs.tie_near_times) ---------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from blinrwe.stats._inputs import tie_near_times  # noqa: E402


def test_near_tie_rule_is_r_aeqsurv():
    # absolute: steps of 1e-9 chain into one tie at the smallest time
    np.testing.assert_array_equal(tie_near_times(np.array([1 + 2e-9, 1.0, 1 + 1e-9, 2.0])), [1, 1, 1, 2])
    # relative to the mean distinct time: whole seconds near 1e8 one apart are one time (R merges them too)
    big = np.array([100_000_000, 100_000_001, 100_001_000], dtype=np.int64)
    np.testing.assert_array_equal(tie_near_times(big), [100_000_000, 100_000_000, 100_001_000])
    # whole days: nothing to merge, the array itself comes back (no sort)
    days = np.array([3, 1, 2, 2], dtype=np.int64)
    assert tie_near_times(days) is days
    assert tie_near_times(days.astype(float))[0] == 3.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 2), st.integers(0, 1), st.integers(0, 1000)),
                min_size=1, max_size=40))
def test_floating_point_noise_never_splits_a_time(rows):
    """Times computed two ways (noise up to 1e-12 relative) give the counts of the exact times."""
    exact = np.array([r[0] / 10 for r in rows])
    noisy = exact * (1 + np.array([r[3] for r in rows]) * 1e-15)
    code = [r[1] for r in rows]
    group = [r[2] for r in rows]
    a = grouped_event_counts(exact, code, group, causes=(1, 2))
    b = grouped_event_counts(noisy, code, group, causes=(1, 2))
    np.testing.assert_allclose(b.time, a.time, rtol=1e-11)
    for name in ("n_risk", "n_event", "n_censor", "n_event_by_cause"):
        np.testing.assert_array_equal(getattr(b, name), getattr(a, name), err_msg=name)
    np.testing.assert_array_equal(event_counts(noisy, code, causes=(1, 2)).n_event, a.pooled().n_event)


def _assert_same_counts(a, b, shift=0.0):
    np.testing.assert_array_equal(a.time + shift, b.time)
    for name in ("n_risk", "n_event", "n_censor", "n_event_by_cause"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_reversed_counts_are_the_reverse_tabulation():
    t = np.array([3, 1, 4, 1, 5, 9, 2, 6], dtype=float)
    e = np.array([1, 0, 1, 1, 0, 0, 1, 1])
    _assert_same_counts(event_counts(t, e).reversed(), event_counts(t, 1 - e))
