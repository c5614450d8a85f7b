"""`blinrwe list`: presets, endpoints, variables, analysis sets and keys from their single sources."""

import pytest

from blinrwe.app.catalog import analysis_sets, listing, preset_changes, variables
from blinrwe.app.cli import main
from blinrwe.app.spec_document import spec_keys
from blinrwe.derive import presets
from blinrwe.derive.settings import CENSORING_VARIANTS, ENDPOINTS


@pytest.mark.parametrize("form", ["study", "summary"])
def test_every_derived_variable_has_a_meaning(form):
    missing = [v.name for v in variables(form) if not v.meaning]
    assert not missing, f"add a meaning to blinrwe/derive/variables.py: {missing}"


def test_summary_form_carries_the_entered_ph_status():
    assert "ph_status" in {v.name for v in variables("summary")}


def test_lists_come_from_their_sources(capsys):
    assert main(["list", "presets"]) == 0
    out = capsys.readouterr().out
    for name, text in presets.PRESET_DESCRIPTIONS.items():
        assert f'"{name}"  {text}' in out
    assert "cr_blast_inclusive = false" in preset_changes("003")
    endpoints = listing("endpoints")
    assert all(f"\n{e:5} " in endpoints for e in ENDPOINTS) and all(v in endpoints for v in CENSORING_VARIANTS)
    sets = dict(analysis_sets("study"))
    assert sets["RFS"].endswith("not a responder") and "no post-baseline assessment" in sets["efficacy"]
    assert "cannot be determined" in dict(analysis_sets("summary"))["MRD response: MRD-positive at T0"]
    keys = listing("keys")
    assert all(k.path in keys for k in spec_keys())
    assert main(["list", "variables", "--form", "summary"]) == 0
    assert "burden_t0_gt50" in capsys.readouterr().out


# Patient-level input columns that reach the ADSL under another name, or are free-text remarks.
_CONSUMED = {"birth_date": "age_at_t0", "bsa_m2": "bsa_m2_used", "next_therapy": "therapy_path", "death_cause": "cause_of_death",
             "note": None}


@pytest.mark.parametrize("form", ["study", "summary"])
def test_every_entered_patient_level_column_reaches_the_derived_table(form):
    """Nothing a user enters on a patient row is dropped silently (e.g. ph_status on the summary form)."""
    from blinrwe.model.tables import FORMS

    names = {v.name for v in variables(form)}
    lost = [c.name for t in FORMS[form] if t.one_row_per_patient for c in t.columns
            if c.name != "patient_id" and c.name not in names and c.name not in _CONSUMED]
    assert not lost, f"entered but not in the {form}-form ADSL: {lost}"
