"""blinrwe.derive.engine.body_surface: the Ibis BSA equals the pandas reference on every engine."""

import pytest

from blinrwe.derive import body_surface as reference
from blinrwe.derive.engine.body_surface import derive_bsa
from blinrwe.derive.engine.frames import to_engine
from blinrwe.errors import SpecificationError

from .conftest import assert_same_table


def test_bsa_equals_pandas_on_each_engine(engine_backend, synthetic_steps):
    assert_same_table(engine_backend, derive_bsa(to_engine(synthetic_steps["patients"])), synthetic_steps["bsa"])


@pytest.mark.parametrize("formula", ["mosteller", "dubois", "haycock", "gehan_george", "recorded"])
def test_every_formula_and_missing_measures(duckdb_backend, synthetic_steps, formula):
    p = synthetic_steps["patients"].copy()
    p.loc[p.index[::3], "bsa_m2"] = None
    p.loc[p.index[::5], "height_cm"] = None
    # x ** y comes from each engine's own math library: the power formulas may differ in the last binary
    # digit (square roots, Mosteller's, are exact everywhere)
    last_digit = 0.0 if formula in ("mosteller", "recorded") else 4e-16
    assert_same_table(duckdb_backend, derive_bsa(to_engine(p), formula), reference.derive_bsa(p, formula),
                      rtol=last_digit)


def test_unknown_formula_is_refused(synthetic_steps):
    with pytest.raises(SpecificationError):
        derive_bsa(to_engine(synthetic_steps["patients"]), "boyd")
