"""Findings at registry scale: 20 of each code where people read them, every one in findings.csv."""

import pandas as pd
import pytest

from blinrwe.app.cli import main
from blinrwe.app.findings_output import EXAMPLES_PER_CODE, FINDINGS_FILE, shown_per_code
from blinrwe.examples import synthetic_cohort
from blinrwe.intake import write_study

N_BAD = 100


def study_with_bad_birth_dates(folder, value):
    """A CSV study of 120 synthetic patients whose first 100 birth dates are ``value``."""
    write_study(synthetic_cohort(120, 2), folder)
    patients = pd.read_csv(folder / "patients.csv", dtype=str, keep_default_na=False)
    patients.loc[: N_BAD - 1, "birth_date"] = value
    patients.to_csv(folder / "patients.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def unreadable(tmp_path_factory):
    return study_with_bad_birth_dates(tmp_path_factory.mktemp("bad") / "study", "1990-02-30")


def lines_of(code, text):
    return [line for line in text.splitlines() if line.startswith(f"ERROR {code} ") or
            line.startswith(f"WARNING {code} ")]


def test_validate_prints_20_of_a_code_then_how_many_more(unreadable, capsys):
    assert main(["validate", str(unreadable)]) == 3
    out = capsys.readouterr().out
    assert EXAMPLES_PER_CODE == 20
    assert len(lines_of("DATE_UNREADABLE", out)) == 20
    assert "... and 80 more finding(s) of code DATE_UNREADABLE (100 in all" in out
    assert "Run with --all-findings to print every finding." in out


def test_all_findings_prints_every_one(unreadable, capsys):
    assert main(["validate", "--all-findings", str(unreadable)]) == 3
    out = capsys.readouterr().out
    assert len(lines_of("DATE_UNREADABLE", out)) == N_BAD and "more finding(s)" not in out


def test_a_run_stopped_by_errors_prints_20_and_the_command_that_lists_all(unreadable, tmp_path, capsys):
    spec = tmp_path / "study.toml"
    spec.write_text(f'[data]\npath = "{unreadable}"\n[report]\nformats = ["csv"]\noutput = "out"\n')
    assert main(["--quiet", "run", str(spec)]) == 3
    err = capsys.readouterr().err
    assert len(lines_of("DATE_UNREADABLE", err)) == 20 and "... and 80 more" in err
    assert f"Every finding: blinrwe validate --all-findings {unreadable}" in err
    assert not (tmp_path / "out").exists()


def test_a_run_writes_20_per_code_in_validation_txt_and_every_finding_in_findings_csv(tmp_path, capsys):
    folder = study_with_bad_birth_dates(tmp_path / "study", "1990-03")  # partial dates: warnings, the run goes on
    spec = tmp_path / "study.toml"
    spec.write_text('[data]\npath = "study"\n[report]\nformats = ["csv"]\noutput = "out"\n')
    assert main(["--quiet", "run", str(spec)]) == 0
    text = (tmp_path / "out" / "validation.txt").read_text(encoding="utf-8")
    assert len(lines_of("DATE_PARTIAL_IMPUTED", text)) == 20 and "... and 80 more" in text
    findings = pd.read_csv(tmp_path / "out" / FINDINGS_FILE, keep_default_na=False)
    imputed = findings[findings.code == "DATE_PARTIAL_IMPUTED"]
    assert len(imputed) == N_BAD
    assert set(imputed.column) == {"birth_date"} and set(imputed.file) == {"patients.csv"}
    assert folder.is_dir()


def test_shown_per_code_keeps_the_first_of_each_code_in_order():
    rows = [{"code": c, "i": i} for i, c in enumerate("AABAAB")]
    shown, more = shown_per_code(rows, 2)
    assert [r["i"] for r in shown] == [0, 1, 2, 5] and more == {"A": 2}
    assert shown_per_code(rows, None) == (rows, {})
