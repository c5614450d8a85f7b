"""validate_study: form detection, sheets, headers; StudyData only without errors; require_valid."""

import pytest

from blinrwe.errors import InputDataError
from blinrwe.intake import read_study
from blinrwe.validate import require_valid, validate_study

from .scenarios import BASE, D, run_both, scenario

SUMMARY = {"patient_summary": [dict(patient_id="S1", disease_status="1R", best_response="CR")]}

# (id, scenario, code, sheet/table, column, message)
CASES = [
    ("form-unknown", {"foo": [dict(a=1)]}, "FORM_UNKNOWN", None, None,
     "no sheet or CSV file named like a study table was found (found: foo)"),
    ("form-ambiguous", {**BASE, **SUMMARY}, "FORM_AMBIGUOUS", None, None,
     "both dated study sheets and a patient_summary sheet are present; the dated study is used and patient_summary is ignored"),
    ("table-missing", scenario(infusions=None), "TABLE_MISSING", "infusions", None,
     "the required table 'infusions' is missing"),
    ("table-absent", scenario(adverse_events=None), "TABLE_ABSENT", "adverse_events", None,
     "no 'adverse_events' table: analyses that need it are not available"),
    ("table-unknown", {**BASE, "patient": [dict(a=1)]}, "TABLE_UNKNOWN", None, None,
     "'patient' is not a table of the study form; it is ignored"),
    ("table-empty", scenario(infusions=[]), "TABLE_EMPTY", "infusions", None, "the table 'infusions' has no rows"),
    ("column-missing", scenario(patients=[{k: v for k, v in BASE["patients"][0].items() if k != "disease_setting"}]),
     "COLUMN_MISSING", "patients", "disease_setting", "required column 'disease_setting' is missing"),
    ("column-unknown", scenario(patients=[{**BASE["patients"][0], "weight": 60}]), "COLUMN_UNKNOWN", "patients",
     "weight", "column 'weight' is not a column of patients; it is ignored"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_structure_finding(case, tmp_path):
    _, tables, code, table, column, message = case
    for study, report in run_both(tables, tmp_path):
        hits = [f for f in report.findings if f.code == code]
        assert len(hits) == 1, report.to_text()
        f = hits[0]
        assert (f.column, f.message) == (column, message)
        assert f.hint
        if table is not None:
            assert f.table == table
        assert (study is None) == report.has_errors


def test_unknown_column_suggests_the_declared_name(tmp_path):
    tables = scenario(patients=[{**BASE["patients"][0], "weight": 60}])
    (_, report), _ = run_both(tables, tmp_path)
    assert report.findings[0].hint.startswith("did you mean 'weight_kg'?")
    assert report.findings[0].row == 1


def _write_csv(folder, name, text):
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.csv").write_text(text)


def test_duplicate_and_unnamed_columns(tmp_path):
    folder = tmp_path / "s"
    _write_csv(folder, "patient_summary",
               "patient_id,disease_status,best_response,sex,sex,\nS1,1R,CR,M,F,oops\n")
    _, report = validate_study(read_study(folder))
    by_code = {f.code: f for f in report.findings}
    assert by_code["COLUMN_DUPLICATE"].message == "column 'sex' appears twice (columns 4 and 5); the first is used"
    assert by_code["COLUMN_UNNAMED"].message == "column 6 has values but no name in row 1"
    assert by_code["COLUMN_DUPLICATE"].severity.value == "error"


def test_semicolon_csv_and_header_case(tmp_path):
    folder = tmp_path / "s"
    _write_csv(folder, "patient_summary", "Patient_ID;Disease_Status;best_response;next_therapy\nS1;1R;CR;\"car_t;allo_hsct\"\n")
    study, report = validate_study(read_study(folder))
    assert report.findings == ()
    assert study.tables["patient_summary"].loc[0, "next_therapy"] == ("car_t", "allo_hsct")


def test_summary_form(tmp_path):
    for study, report in run_both(SUMMARY, tmp_path):
        assert report.form == "summary" and study.form == "summary"
        assert list(study.tables) == ["patient_summary"]


def test_absent_optional_tables_are_empty_with_declared_columns(tmp_path):
    for study, report in run_both(scenario(adverse_events=None, therapies=None), tmp_path):
        assert study.tables["therapies"].empty
        assert "term" in study.tables["adverse_events"].columns


def test_dtypes_follow_the_contract(tmp_path):
    (study, _), _ = run_both(BASE, tmp_path)
    p = study.tables["patients"]
    assert str(p["age_at_t0"].dtype) == "float64"
    assert str(p["relapse_number"].dtype) == "Int64"
    assert str(p["prior_allo_hsct"].dtype) == "boolean"
    assert str(p["diagnosis_date"].dtype) == "datetime64[ns]"
    assert p.loc[0, "genetic_abnormalities"] == ("KMT2A_r", "IKZF1_deletion")
    assert p.loc[0, "site"] is None
    assert list(p.columns)[-1] == "source_row" and p.loc[0, "source_row"] == 2


def test_require_valid_raises_with_every_finding(tmp_path):
    (study, report), _ = run_both(scenario(infusions=None), tmp_path)
    with pytest.raises(InputDataError) as info:
        require_valid(study, report)
    assert info.value.findings == list(report.findings)
    assert "study.xlsx" in str(info.value)


def test_same_data_same_study_from_xlsx_and_csv(tmp_path):
    import pandas.testing as pdt

    tables = scenario()
    tables["events"][0]["event_date"] = "2023-08"
    (a, _), (b, _) = run_both(tables, tmp_path, data_cutoff=D(2024, 4, 30))
    for name in a.tables:
        pdt.assert_frame_equal(a.tables[name], b.tables[name])


def test_chinese_headings_are_the_columns_and_a_mistyped_one_is_guessed(tmp_path):
    import pandas as pd

    from blinrwe.intake.raw import RawSheet
    from blinrwe.model.i18n import language
    from blinrwe.model.tables import PATIENTS
    from blinrwe.validate.study import _check_header

    sheet = RawSheet("patients", "s.xlsx", "patients", ("患者编号", "性 别", "疾病阶段 (disease_setting)", "首次输注年龄"),
                     pd.DataFrame({0: ["P1"], 1: ["男"], 2: ["初诊"], 3: [3]}, index=[2]))
    with language("zh"):
        found = _check_header(sheet, PATIENTS)
    assert [(f.code, f.column) for f in found] == [("COLUMN_UNKNOWN", "首次输注年龄")]
    assert found[0].hint == "是否想用“首次输注时年龄 (age_at_t0)”？请重命名（见 data_dictionary 工作表）"


def test_sheets_renamed_with_their_chinese_names_are_the_tables(tmp_path):
    from .scenarios import write_csv, write_xlsx

    renamed = {{"patients": "患者", "infusions": "输注 (infusions)", "events": "事件"}.get(k, k): v
               for k, v in BASE.items()}
    for path in (write_xlsx(renamed, tmp_path / "study.xlsx"), write_csv(renamed, tmp_path / "csv")):
        study, report = validate_study(read_study(path), today=D(2025, 1, 1))
        assert report.findings == (), report.to_text()
        assert len(study.tables["patients"]) == 1 and len(study.tables["events"]) == 2


@pytest.mark.parametrize("table", ["assessments", "events", "therapies", "adverse_events"])
def test_a_left_out_optional_table_is_named_absent(table, tmp_path):
    """The study names the optional tables it does not have (what needs them is then unavailable, not zero)."""
    (tmp_path / "left_out").mkdir()
    (tmp_path / "whole").mkdir()
    for study, report in run_both(scenario(**{table: None}), tmp_path / "left_out"):
        assert "TABLE_ABSENT" in report.codes() and study.absent == {table} and study.tables[table].empty
        (absent,) = [f for f in report.findings if f.code == "TABLE_ABSENT"]
        assert "the report lists them as not available" in absent.hint and "no rows: that means none" in absent.hint
    for study, _report in run_both(BASE, tmp_path / "whole"):
        assert study.absent == frozenset()
