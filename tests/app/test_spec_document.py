"""The whole specification: its keys are introspectable for a form, every default is valid on its form."""

import pytest

from blinrwe.app.catalog import variables
from blinrwe.app.spec_document import definition_keys, spec_keys, with_form_defaults
from blinrwe.app.spec_toml import spec_to_dict
from blinrwe.app.spec import StudySpec, spec_from_dict
from blinrwe.derive import presets


def test_keys_are_introspectable_for_a_form():
    keys = {k.path: k for k in spec_keys()}
    k = keys["survival.time_unit"]
    assert (k.section, k.name, k.kind, k.default, k.allowed) == ("survival", "time_unit", "str", "months",
                                                                 ("days", "months"))
    assert keys["report.percent_decimals"].range == (0, 6)
    assert keys["data.n"].advanced and not keys["data.path"].advanced
    assert keys["endpoints.preset"].allowed == ("", *presets.PRESETS)
    assert {k.name for k in definition_keys()} >= {"bsa_formula", "mrd_threshold", "cr_blast_inclusive"}


@pytest.mark.parametrize("form", ["study", "summary"])
def test_defaults_are_valid_and_name_variables_of_their_form(form):
    spec = with_form_defaults(StudySpec(), form)
    raw = spec_to_dict(spec)
    raw["data"]["example"] = "synthetic"
    spec_from_dict(raw)  # every default passes the declared checks
    names = {v.name for v in variables(form)}
    used = {*spec.subgroups.variables, spec.subgroups.table1_by, *spec.cox.covariates}
    assert used <= names, used - names
    if form == "summary":
        assert spec.endpoints.names == () and spec.cox.endpoints == ()
