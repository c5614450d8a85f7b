"""Blinatumomab exposure: cycles, infusion days, cumulative dose, vials, regimen and duration classes.

Domain-spec section 1.5 and 7: continuous exposure measures as median (range)
and mean (SD); classes (duration <= 14 d / 15-28 d / > 28 d, 1 vs >= 2 cycles,
regimen class, stop reason) as n (%). Same descriptive rules as Table 1.
"""

from __future__ import annotations

import pandas as pd

from .baseline import baseline_table

__all__ = ["exposure_table", "EXPOSURE_VARIABLES"]

EXPOSURE_VARIABLES = (
    "cycles_started",
    "infusion_days_total",
    "infusion_days_cycle1",
    "full_dose_days",
    "cumulative_dose_ug",
    "vials_min",
    "cycles_class",
    "duration_class_cycle1",
    "duration_class_total",
    "regimen_class",
    "dose_per_label",
    "stop_reason",
)


def exposure_table(adsl: pd.DataFrame, group_var: str = "") -> pd.DataFrame:
    """ARD rows (section "exposure") for the exposure columns present in ``adsl``."""
    return baseline_table(adsl, [v for v in EXPOSURE_VARIABLES if v in adsl.columns], group_var,
                          section="exposure", table="exposure")
