"""Every column the derivation creates has a meaning (for `blinrwe list variables` and forms)."""

import pytest

from blinrwe.derive import derive_analysis_data
from blinrwe.derive.variables import derived_meaning
from blinrwe.examples import seed003_summary, synthetic_cohort
from blinrwe.model.tables import FORMS


@pytest.mark.parametrize("form", ["study", "summary"])
def test_every_adsl_column_has_a_meaning(form):
    study = seed003_summary() if form == "summary" else synthetic_cohort(30, 2)
    adsl = derive_analysis_data(study).adsl
    declared = {c.name for t in FORMS[form] if t.one_row_per_patient for c in t.columns}
    missing = [c for c in adsl.columns if c != "patient_id" and not derived_meaning(c) and c not in declared]
    assert not missing, f"add a meaning to blinrwe/derive/variables.py: {missing}"


def test_patterned_names():
    assert derived_meaning("cr_cri_2_cycles") == "CR/CRi within the first 2 cycles."
    assert derived_meaning("burden_dx_ge50") == "Marrow blasts at diagnosis as classes <50 / >=50 %."
    assert derived_meaning("not_a_column") == ""
