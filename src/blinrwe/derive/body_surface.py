"""Body-surface area (domain-spec 1.6).

The seeds do not say which formula they used, so the formula is a study
setting (default Mosteller). A BSA recorded in ``patients.bsa_m2`` is the
value actually used for dosing and always wins over a computed one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.errors import SpecificationError

# coefficient, height exponent, weight exponent: BSA = c * H**a * W**b (H cm, W kg)
POWER_FORMULAS = {
    "dubois": (0.007184, 0.725, 0.425),
    "haycock": (0.024265, 0.3964, 0.5378),
    "gehan_george": (0.0235, 0.42246, 0.51456),
}


def body_surface_area(height_cm, weight_kg, formula: str = "mosteller"):
    """BSA in m2 from height (cm) and weight (kg); element-wise, NaN where an input is missing.

    Mosteller: sqrt(H * W / 3600). DuBois: 0.007184 H^0.725 W^0.425.
    Haycock: 0.024265 H^0.3964 W^0.5378. Gehan-George: 0.0235 H^0.42246 W^0.51456.
    """
    h = np.asarray(pd.to_numeric(height_cm, errors="coerce"), dtype=float)
    w = np.asarray(pd.to_numeric(weight_kg, errors="coerce"), dtype=float)
    if formula == "mosteller":
        return np.sqrt(h * w / 3600.0)
    if formula in POWER_FORMULAS:
        c, a, b = POWER_FORMULAS[formula]
        return c * h**a * w**b
    if formula == "recorded":
        return np.full(np.broadcast(h, w).shape, np.nan)
    raise SpecificationError(
        f"bsa_formula={formula!r} is unknown; use mosteller, dubois, haycock, gehan_george or recorded."
    )


def derive_bsa(patients: pd.DataFrame, formula: str = "mosteller") -> pd.DataFrame:
    """One row per patient: ``patient_id, bsa_m2_computed, bsa_m2_used, bsa_source``.

    ``bsa_m2_used`` is the recorded ``bsa_m2`` when present (``bsa_source`` =
    ``recorded``), else the value from ``formula`` (``bsa_source`` = the
    formula name), else missing (``bsa_source`` = ``missing``).
    """
    computed = pd.Series(
        body_surface_area(patients["height_cm"], patients["weight_kg"], formula), index=patients.index, dtype=float
    )
    recorded = patients["bsa_m2"].astype(float)
    used = recorded.where(recorded.notna(), computed)
    source = np.where(recorded.notna(), "recorded", np.where(computed.notna(), formula, "missing"))
    return pd.DataFrame(
        {
            "patient_id": patients["patient_id"].to_numpy(),
            "bsa_m2_computed": computed.to_numpy(),
            "bsa_m2_used": used.to_numpy(),
            "bsa_source": source,
        }
    )
