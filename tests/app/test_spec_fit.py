"""Specs written for a user's data run as written; unusable variables are reported, never dropped silently.

Real CLI (subprocess) on the seed 003 patient listing as a summary-form CSV folder.
"""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from blinrwe.app.spec import spec_from_dict
from blinrwe.app.spec_fit import fit_to_data
from blinrwe.errors import SpecificationError
from blinrwe.examples import seed003_summary
from blinrwe.intake.workbook import write_study

from .test_cli import blinrwe

SEED003 = Path(__file__).resolve().parents[2] / "src" / "blinrwe" / "examples" / "data" / "seed003"


@pytest.fixture
def folders(tmp_path):
    for name in ("data", "specs", "elsewhere", "cwd"):
        (tmp_path / name).mkdir()
    shutil.copytree(SEED003, tmp_path / "data" / "summary")
    write_study(seed003_summary(), tmp_path / "data" / "summary.xlsx")  # a real summary-form workbook
    return tmp_path


@pytest.mark.parametrize("data", ["summary", "summary.xlsx"])
def test_spec_written_from_another_folder_runs_from_a_third(folders, data):
    res = blinrwe("spec", "../specs/study.toml", "--data", f"../data/{data}", cwd=folders / "cwd")
    assert res.returncode == 0, res.stderr
    assert "summary form" in res.stdout
    text = (folders / "specs" / "study.toml").read_text(encoding="utf-8")
    assert f'path = "../data/{data}"' in text  # relative to the spec's folder, not to where it was written
    res = blinrwe("--quiet", "run", folders / "specs" / "study.toml", cwd=folders / "elsewhere")
    assert res.returncode == 0, res.stderr
    out = folders / "specs" / "blinrwe-output" / "study"
    assert (out / "report.html").is_file()
    assert "SPEC_VARIABLE_UNAVAILABLE" not in (out / "validation.txt").read_text(encoding="utf-8")


def test_default_variables_missing_on_the_form_are_warnings(folders):
    (folders / "specs" / "min.toml").write_text('[data]\npath = "../data/summary"\n', encoding="utf-8")
    res = blinrwe("--quiet", "run", "specs/min.toml", cwd=folders)
    assert res.returncode == 0, res.stderr
    out = folders / "specs" / "blinrwe-output" / "min"
    validation = (out / "validation.txt").read_text(encoding="utf-8")
    for key in ("subgroups.variables", "subgroups.table1_by", "cox.covariates"):
        assert f"SPEC_VARIABLE_UNAVAILABLE specs/min.toml: {key}: the default variable 'disease_setting' " \
               "does not exist on the summary form" in validation
    assert "'intent' does not exist on the summary form" in validation
    assert "does not exist on the summary form; it is left out" in (out / "report.html").read_text(encoding="utf-8")
    resolved = (out / "study.resolved.toml").read_text(encoding="utf-8")
    assert 'variables = ["ph_status"]' in resolved  # what was run, to run again


def test_variables_named_by_the_user_that_the_form_lacks_are_errors(folders):
    res = blinrwe("spec", "specs/full.toml", "--data", "data/summary", "--form", "study", cwd=folders)
    assert res.returncode == 0, res.stderr
    res = blinrwe("--quiet", "run", "specs/full.toml", cwd=folders)
    assert res.returncode == 4 and "Traceback" not in res.stderr
    assert 'subgroups.variables names "disease_setting", which this study\'s derived patient table (summary ' \
           "form) does not have" in res.stderr
    assert 'cox.covariates names "disease_setting"' in res.stderr and "blinrwe list variables --form summary" \
        in res.stderr
    assert not (folders / "specs" / "blinrwe-output").exists()


def test_a_grouping_variable_without_any_value_is_reported():
    from blinrwe.app.pipeline import derive
    from blinrwe.examples import synthetic_cohort

    spec = spec_from_dict({"data": {"example": "synthetic"}, "subgroups": {"variables": ["ph_status", "intent"]}})
    study = synthetic_cohort(30, 1)
    study = replace(study, tables={**study.tables, "patients": study.tables["patients"].assign(ph_status=None)})
    fitted, report = fit_to_data(spec, derive(study, spec), None)
    assert fitted.subgroups.variables == ("intent",)
    assert [f.code for f in report.findings].count("SPEC_VARIABLE_UNAVAILABLE") >= 1
    assert "variable 'ph_status' has no value in the data" in report.to_text()
    with pytest.raises(SpecificationError, match='subgroups.variables names "nope"'):
        bad = spec_from_dict({"data": {"example": "synthetic"}, "subgroups": {"variables": ["nope"]}})
        fit_to_data(bad, derive(study, bad), None)
