"""Template and study writers: layout, drop-downs, dictionary; round trips; a corrupted cell per declared column."""

import datetime as dt

import openpyxl
import pandas as pd
import pandas.testing as pdt
import pytest

from blinrwe.errors import UserError
from blinrwe.examples import synthetic_cohort
from blinrwe.intake import read_study, write_study, write_template
from blinrwe.model import FORMS, DType, data_dictionary
from blinrwe.validate import validate_study

TODAY = dt.date(2025, 1, 1)


@pytest.mark.parametrize("form", ["study", "summary"])
def test_template_layout(form, tmp_path):
    path = write_template(tmp_path / "t.xlsx", form=form)
    book = openpyxl.load_workbook(path)
    tables = FORMS[form]
    assert book.sheetnames == ["README", *(t.name for t in tables), "data_dictionary", "lists"]
    assert book["lists"].sheet_state == "hidden"
    lists = book["lists"]
    for table in tables:
        ws = book[table.name]
        assert [c.value for c in ws[1]] == list(table.column_names)
        validations = {str(dv.sqref).split(":")[0][:-1]: dv for dv in ws.data_validations.dataValidation}
        for i, col in enumerate(table.columns, start=1):
            cell = ws.cell(1, i)
            assert col.description in cell.comment.text
            letter = cell.column_letter
            if col.dtype is DType.ENUM:
                ref = validations[letter].formula1
                rng = ref.split("!")[1].replace("$", "")
                values = [c.value for row in lists[rng] for c in row]
                assert tuple(values) == col.allowed
            elif col.dtype is DType.BOOL:
                assert validations[letter].formula1 == '"yes,no"'
            elif col.dtype is DType.DATE:
                assert ws.column_dimensions[letter].number_format == "yyyy-mm-dd"
    dictionary = list(book["data_dictionary"].iter_rows(values_only=True))
    assert dictionary[0][:3] == ("table", "column", "type")
    assert len(dictionary) - 1 == len(data_dictionary(form))
    assert "How to fill in this workbook" == book["README"]["A1"].value


def test_filled_template_validates(tmp_path):
    path = write_template(tmp_path / "t.xlsx")
    book = openpyxl.load_workbook(path)
    p, inf = book["patients"], book["infusions"]
    cols = {c.value: c.column for c in p[1]}
    p.cell(2, cols["patient_id"], "P1")
    p.cell(2, cols["age_at_t0"], 44)
    p.cell(2, cols["disease_setting"], "newly_diagnosed")
    icol = {c.value: c.column for c in inf[1]}
    for k, v in dict(patient_id="P1", cycle_number=1, start_date=dt.date(2023, 1, 2), end_date=dt.date(2023, 1, 29),
                     dose_value=28, dose_unit="ug/day").items():
        inf.cell(2, icol[k], v)
    book.save(path)
    study, report = validate_study(read_study(path), today=TODAY)
    assert not report.has_errors, report.to_text()
    assert [f.code for f in report.warnings] == ["NO_FOLLOW_UP"]
    assert study.tables["infusions"].loc[0, "start_date"] == pd.Timestamp("2023-01-02")


def test_unknown_form_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="form must be one of study, summary"):
        write_template(tmp_path / "t.xlsx", form="long")


def _partial_study(tmp_path):
    """A small synthetic study with partial dates, empty lists and missing booleans written in."""
    study = synthetic_cohort(15, seed=5)
    folder = write_study(study, tmp_path / "orig")
    ev = pd.read_csv(folder / "events.csv", dtype=str, keep_default_na=False)
    ev.loc[0, "event_date"] = ev.loc[0, "event_date"][:7]  # YYYY-MM
    ev.to_csv(folder / "events.csv", index=False)
    p = pd.read_csv(folder / "patients.csv", dtype=str, keep_default_na=False)
    p.loc[1, "diagnosis_date"] = p.loc[1, "diagnosis_date"][:4]  # YYYY
    p.loc[2, "cns_involvement"] = ""
    p.to_csv(folder / "patients.csv", index=False)
    first, report = validate_study(read_study(folder), today=TODAY)
    assert report.codes() == {"DATE_PARTIAL_IMPUTED": 2}, report.to_text()
    return first


@pytest.mark.parametrize("written_in", ["en", "zh"])
def test_round_trip_loses_nothing(tmp_path, written_in):
    from blinrwe.model.i18n import language

    first = _partial_study(tmp_path)
    assert bool(first.tables["events"].loc[0, "event_date_imputed"])
    assert bool(first.tables["patients"].loc[1, "diagnosis_date_imputed"])
    assert pd.isna(first.tables["patients"].loc[2, "cns_involvement"])
    for target in (tmp_path / "again.xlsx", tmp_path / "again_csv"):
        with language(written_in):
            write_study(first, target)
        again, report = validate_study(read_study(target), today=TODAY)
        assert report.findings == (), report.to_text()  # imputed values travel with their flags
        for name in first.tables:
            pdt.assert_frame_equal(again.tables[name], first.tables[name])


def _bad_values(col):
    """(cell value, expected finding code) that break ``col``."""
    if col.dtype is DType.DATE:
        return [("2023-31-12", "DATE_UNREADABLE")]
    if col.dtype is DType.ENUM or col.dtype is DType.ENUM_LIST:
        return [("not_a_code", "CODE_INVALID")]
    if col.dtype is DType.BOOL:
        return [("perhaps", "YES_NO_INVALID")]
    if col.dtype in (DType.INT, DType.FLOAT):
        out = [("twelve", "NUMBER_INVALID")]
        if col.maximum is not None:
            out.append((col.maximum + 1000, "NUMBER_OUT_OF_RANGE"))
        if col.dtype is DType.INT:
            out.append((1.5, "INTEGER_INVALID"))
        return out
    if col.required:
        return [(None, "REQUIRED_MISSING")]
    return []


def test_corrupting_each_declared_column_is_reported_at_its_cell(tmp_path):
    """Each declared column gets bad values in its own rows of a real workbook; each finding names the cell."""
    path = write_study(synthetic_cohort(60, seed=9), tmp_path / "study.xlsx")
    book = openpyxl.load_workbook(path)
    expected = []
    for table in FORMS["study"]:
        ws = book[table.name]
        header = [c.value for c in ws[1]]
        row = 2
        for col in table.columns:
            for value, code in _bad_values(col):
                assert row <= ws.max_row, f"not enough rows in {table.name}"
                ws.cell(row, header.index(col.name) + 1).value = value
                expected.append((code, table.name, row, col.name, value))
                row += 1
    book.save(path)
    study, report = validate_study(read_study(path), today=TODAY)
    assert study is None
    found = {(f.code, f.sheet, f.row, f.column): f for f in report.findings}
    assert len(expected) > 100
    for code, sheet, row, column, value in expected:
        f = found.get((code, sheet, row, column))
        assert f is not None, (code, sheet, row, column)
        assert f.file == "study.xlsx"
        if value is not None:
            assert f.value == value
        assert f.hint


# --- the Chinese template -------------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from blinrwe.model.display import heading, level_label  # noqa: E402
from blinrwe.model.i18n import language, missing_translations, reset_missing  # noqa: E402


def _same_study(a, b):
    assert a.form == b.form
    for name in a.tables:
        pdt.assert_frame_equal(a.tables[name], b.tables[name])


@pytest.mark.parametrize("form", ["study", "summary"])
def test_chinese_template_layout(form, tmp_path):
    reset_missing()
    with language("zh"):
        path = write_template(tmp_path / "t.xlsx", form=form)
    assert missing_translations() == set()
    book = openpyxl.load_workbook(path)
    tables = FORMS[form]
    assert book.sheetnames == ["README", *(t.name for t in tables), "data_dictionary", "lists"]  # names stay codes
    assert book["README"]["A1"].value == "工作簿填写说明"
    readme = [r[0] for r in book["README"].iter_rows(values_only=True) if r[0]]
    assert any("括号内为列名" in line for line in readme)
    assert any(line.startswith(f"{tables[0].name}: ") and "每位患者一行" in line for line in readme)
    lists = book["lists"]
    for table in tables:
        ws = book[table.name]
        with language("zh"):
            assert [c.value for c in ws[1]] == [heading(table, c) for c in table.columns]
        validations = {str(dv.sqref).split(":")[0][:-1]: dv for dv in ws.data_validations.dataValidation}
        for i, col in enumerate(table.columns, start=1):
            cell = ws.cell(1, i)
            assert ("必填。" if col.required else "选填。") in cell.comment.text
            if col.dtype is DType.ENUM:
                dv = validations[cell.column_letter]
                rng = dv.formula1.split("!")[1].replace("$", "")
                with language("zh"):
                    assert [c.value for row in lists[rng] for c in row] == [level_label(col, v) for v in col.allowed]
                assert dv.prompt and dv.error.startswith("请从以下选项中选择")
            elif col.dtype is DType.BOOL:
                assert validations[cell.column_letter].formula1 == '"是,否"'
    dictionary = list(book["data_dictionary"].iter_rows(values_only=True))
    assert dictionary[0][:3] == ("数据表", "列名", "类型")
    sex = next(r for r in dictionary if r[1] == "sex")
    assert "男 (M)" in sex[5] and sex[-1] == "性别"


def test_english_template_is_unchanged_by_the_language_of_another_run(tmp_path):
    with language("zh"):
        pass
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx"))
    assert book["patients"]["A1"].value == "patient_id"
    assert "How to fill in this workbook" == book["README"]["A1"].value


@settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(10, 40), seed=st.integers(0, 10_000))
def test_a_workbook_filled_with_chinese_labels_reads_as_the_one_filled_with_codes(tmp_path_factory, n, seed):
    """Synthetic cohorts written in Chinese (headings, labels, 是/否) read to the same StudyData as with codes."""
    tmp = tmp_path_factory.mktemp("zh")
    study = synthetic_cohort(n, seed=seed)
    with language("zh"):
        chinese, chinese_csv = write_study(study, tmp / "zh.xlsx"), write_study(study, tmp / "zh_csv")
    codes = write_study(study, tmp / "en.xlsx")
    book = openpyxl.load_workbook(chinese)
    assert book["patients"]["A1"].value == "患者编号 (patient_id)"
    first, report = validate_study(read_study(codes), today=TODAY)
    for path in (chinese, chinese_csv):
        again, again_report = validate_study(read_study(path), today=TODAY)
        assert again_report.codes() == report.codes()
        if first is not None:
            _same_study(first, again)


def test_the_summary_form_in_chinese_reads_back(tmp_path):
    from blinrwe.examples.seed003 import seed003_summary

    study = seed003_summary()
    first, _ = validate_study(read_study(write_study(study, tmp_path / "en.xlsx")), today=TODAY)
    with language("zh"):
        path = write_study(study, tmp_path / "zh.xlsx")
    again, report = validate_study(read_study(path), today=TODAY)
    assert not report.has_errors, report.to_text()
    _same_study(first, again)
