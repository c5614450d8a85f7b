"""DeriveSettings validation: bad values are user errors naming the setting."""

import pytest

from blinrwe.derive.settings import DeriveSettings
from blinrwe.errors import SpecificationError


@pytest.mark.parametrize("field, value", [
    ("bsa_formula", "boyd"), ("primary_response_window", "6_weeks"), ("endpoints", ("TTF",)),
    ("censoring_variants", ("dli",)), ("responder_definition", "cr"), ("rfs_origin_cr_at_t0", "cr_date"),
    ("days_per_month", 0), ("vial_strength_ug", -1), ("ae_days_after_last_infusion", -1), ("data_cutoff", "2024-04-30"),
])
def test_invalid_settings_raise(field, value):
    with pytest.raises(SpecificationError, match=field):
        DeriveSettings(**{field: value})


def test_defaults_and_with_changes():
    s = DeriveSettings()
    assert (s.bsa_formula, s.mrd_threshold, s.days_per_month, s.response_window_days) == ("mosteller", 1e-4, 30.4375, 84)
    assert s.with_changes(vial_strength_ug=38.5).vial_strength_ug == 38.5 and s.vial_strength_ug == 35.0
