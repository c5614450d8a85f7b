"""A Cox model from engine risk-set sums equals stats.cox.cox_ph on the same rows."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.derive.engine.cox import engine_risk_set_sums
from blinrwe.derive.engine.frames import to_engine
from blinrwe.stats.cox import cox_ph
from blinrwe.stats.cox_sums import cox_from_sums, sums_from_table


@pytest.fixture(scope="module")
def os_rows(synthetic_steps):
    tte = synthetic_steps["tte"]
    rows = tte[(tte.endpoint == "OS") & (tte.variant == "none")][["patient_id", "time_days", "event"]]
    adsl = synthetic_steps["adsl"][["patient_id", "sex", "age_at_t0"]]
    rows = rows.merge(adsl, on="patient_id")
    return pd.DataFrame({"time_days": rows.time_days.astype(float), "event": rows.event.astype(int),
                         "male": (rows.sex == "M").astype(float), "age": rows.age_at_t0.astype(float)})


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_engine_cox_equals_cox_ph(engine_backend, os_rows, ties):
    sums_at = engine_risk_set_sums(engine_backend, to_engine(os_rows), ["male", "age"])
    got = cox_from_sums(lambda b: sums_from_table(sums_at(b), 2), 2, ties)
    want = cox_ph(os_rows, "time_days", "event", ["male", "age"], ties=ties)
    assert got.converged
    np.testing.assert_allclose(got.coef, want.coef, rtol=0, atol=1e-8)
    np.testing.assert_allclose(got.var, want.var, rtol=1e-6)
    np.testing.assert_allclose(got.loglik, want.loglik, rtol=1e-10)
