"""Cell coercion of a sheet (coerce_sheet): every cell finding pinned, through the workbook and the CSV path;
headings, missing and special cells, dates. Codes and yes/no are in test_choices, numbers in test_numbers,
cell texts in test_cell_text."""

import pytest

from .scenarios import edit, run_both

# (id, scenario, code, table, row, column, value as typed, message, hint fragment)
CASES = [
    ("required", edit("infusions", 0, dose_unit=None), "REQUIRED_MISSING", "infusions", 2, "dose_unit", None,
     "'dose_unit' is required", "fill in 'dose_unit' (Unit of the prescribed rate)"),
    ("date", edit("events", 0, event_date="31/01/2023"), "DATE_UNREADABLE", "events", 2, "event_date", "31/01/2023",
     "'event_date' is not a date", "enter 2023-01-31 (YYYY-MM-DD)"),
    ("date-invalid-day", edit("events", 0, event_date="2023-02-30"), "DATE_UNREADABLE", "events", 2, "event_date",
     "2023-02-30", "'event_date' is not a date", "YYYY-MM-DD"),
    ("date-year", edit("patients", diagnosis_date="1850-01-01"), "DATE_IMPLAUSIBLE", "patients", 2,
     "diagnosis_date", "1850-01-01", "'diagnosis_date' is outside 1900-2100", "check the year"),
    ("partial", edit("events", 0, event_date="2023-08"), "DATE_PARTIAL_IMPUTED", "events", 2, "event_date",
     "2023-08", "partial date completed as 2023-08-15 by the 'mid' rule", "enter the full date if it is known"),
    ("number", edit("patients", weight_kg="sixty"), "NUMBER_INVALID", "patients", 2, "weight_kg", "sixty",
     "'weight_kg' must be a number", "enter a number in kg, without the unit"),
    ("decimal-comma", edit("patients", weight_kg="60,5"), "NUMBER_INVALID", "patients", 2, "weight_kg", "60,5",
     "'weight_kg' must be a number", "use a point as decimal separator (60.5)"),
    ("below-detection", edit("assessments", mrd_value="<0.01%"), "NUMBER_INVALID", "assessments", 2, "mrd_value",
     "<0.01%", "'mrd_value' must be a number", "a result below detection (<0.01%) is entered as 0 (not detected)"),
    ("not-detected", edit("assessments", mrd_value="阴性"), "NUMBER_INVALID", "assessments", 2, "mrd_value",
     "阴性", "'mrd_value' must be a number", "a result below detection (阴性) is entered as 0"),
    ("integer", edit("infusions", 0, cycle_number=1.5), "INTEGER_INVALID", "infusions", 2, "cycle_number", 1.5,
     "'cycle_number' must be a whole number", "enter a whole number"),
    ("range", edit("assessments", bm_blast_pct=120), "NUMBER_OUT_OF_RANGE", "assessments", 2, "bm_blast_pct", 120,
     "'bm_blast_pct' is outside 0-100 %", "enter a value between 0 and 100 %"),
    ("percent", edit("assessments", bm_blast_pct="2%"), "PERCENT_SIGN", "assessments", 2, "bm_blast_pct", "2%",
     "'bm_blast_pct' is in %; the percent sign was removed", "enter the number without '%'"),
    ("code", edit("assessments", response_recorded="cr"), "CODE_INVALID", "assessments", 2, "response_recorded", "cr",
     "'cr' is not an allowed code of 'response_recorded'",
     "use one of: CR, CRh, CRi, hypoplastic, NR, PD, relapse (did you mean 'CR'?)"),
    ("code-list", edit("patients", genetic_abnormalities="KMT2A_r;ikzf1 deletion"), "CODE_INVALID", "patients", 2,
     "genetic_abnormalities", "KMT2A_r;ikzf1 deletion", "'ikzf1 deletion' is not an allowed code of 'genetic_abnormalities'",
     "(did you mean 'IKZF1_deletion'?)"),
    ("yes-no", edit("assessments", circulating_blasts="maybe"), "YES_NO_INVALID", "assessments", 2,
     "circulating_blasts", "maybe", "'circulating_blasts' must be yes or no", "enter yes or no"),
    ("infinite", edit("patients", weight_kg="inf"), "NUMBER_INFINITE", "patients", 2, "weight_kg", "inf",
     "'weight_kg' is infinite", "enter a finite number"),
    ("infinity", edit("assessments", platelets="-Infinity"), "NUMBER_INFINITE", "assessments", 2, "platelets",
     "-Infinity", "'platelets' is infinite", "division by zero"),
    ("nan", edit("patients", weight_kg="NaN"), "NAN_TEXT", "patients", 2, "weight_kg", "NaN",
     "'weight_kg' holds NaN ('not a number', as a program writes an undefined result); it is read as empty",
     "leave the cell empty when the value is unknown"),
    ("nan-date", edit("events", 0, event_date="nan"), "NAN_TEXT", "events", 2, "event_date", "nan",
     "'event_date' holds NaN ('not a number', as a program writes an undefined result); it is read as empty",
     "correct it there"),
    ("excel-error", edit("assessments", platelets="#DIV/0!"), "EXCEL_ERROR", "assessments", 2, "platelets", "#DIV/0!",
     "'platelets' holds the Excel error #DIV/0! (a formula that failed); it is read as empty",
     "correct the formula"),
    ("excel-na", edit("patients", site="#N/A"), "EXCEL_ERROR", "patients", 2, "site", "#N/A",
     "'site' holds the Excel error #N/A (a formula that failed); it is read as empty", "or type the value"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_cell_finding(case, tmp_path):
    _, tables, code, table, row, column, value, message, hint = case
    for study, report in run_both(tables, tmp_path):
        hits = [f for f in report.findings if f.code == code]
        assert len(hits) == 1, report.to_text()
        f = hits[0]
        assert (f.table, f.row, f.column, f.message) == (table, row, column, message)
        assert hint in f.hint
        assert f.value == value or str(f.value) == str(value)


def test_imputation_rules(tmp_path):
    tables = edit("events", 0, event_date="2023-08")
    tables["patients"][0]["diagnosis_date"] = "2022"
    for rule, relapse, dx in (("first", "2023-08-01", "2022-01-01"), ("mid", "2023-08-15", "2022-06-30"),
                              ("last", "2023-08-31", "2022-12-31")):
        for study, report in run_both(tables, tmp_path, partial_dates=rule):
            assert report.codes() == {"DATE_PARTIAL_IMPUTED": 2}
            ev, p = study.tables["events"], study.tables["patients"]
            assert ev.loc[0, "event_date"].date().isoformat() == relapse
            assert bool(ev.loc[0, "event_date_imputed"]) and not bool(ev.loc[1, "event_date_imputed"])
            assert p.loc[0, "diagnosis_date"].date().isoformat() == dx


def test_special_cells_are_one_finding_each_and_read_as_empty(tmp_path):
    """NaN, Excel errors and infinite numbers: their own finding, no second one (not also 'not a number')."""
    tables = edit("patients", weight_kg="#VALUE!", height_cm="NaN", bm_blast_pct_at_t0="1e999")
    for study, report in run_both(tables, tmp_path):
        assert report.codes() == {"EXCEL_ERROR": 1, "NAN_TEXT": 1, "NUMBER_INFINITE": 1}, report.to_text()
        assert study is None
    tables = edit("patients", height_cm="NaN")
    for study, report in run_both(tables, tmp_path):
        assert report.codes() == {"NAN_TEXT": 1} and not report.has_errors
        assert study.tables["patients"]["height_cm"].isna().all()


def test_required_cell_holding_an_excel_error_is_also_missing(tmp_path):
    for study, report in run_both(edit("infusions", 0, dose_unit="#REF!"), tmp_path):
        assert report.codes() == {"EXCEL_ERROR": 1, "REQUIRED_MISSING": 1}


# --- Chinese labels and headings ---------------------------------------------------------------------

from .scenarios import BASE, scenario  # noqa: E402


def _chinese(tables: dict) -> dict:
    """BASE typed as a Chinese clinician would: labels, 是/否, Chinese dates, full-width separators, headings."""
    out = scenario()
    p = out["patients"][0]
    p.update(sex="女", ph_status="阴性", disease_setting="复发/难治", rr_type="复发", disease_status_at_t0="未达 CR",
             genetic_abnormalities="KMT2A 重排；IKZF1 缺失、复杂核型，ph_like", prior_allo_hsct="否", diagnosis_date="2022年1月10日")
    out["patients"] = [{("性别 (sex)" if k == "sex" else "疾病阶段" if k == "disease_setting" else k): v
                        for k, v in p.items()}]
    out["infusions"][0].update(dose_unit="μg/天", start_date="2023/1/2")
    out["assessments"][0].update(response_recorded="完全缓解 (CR)", circulating_blasts="无")
    out["events"][0].update(event_type="复发", relapse_site="骨髓")
    out["events"][1].update(event_type="死亡", cause_of_death="白血病")
    out["therapies"][0].update(therapy_type="异基因造血干细胞移植 (allo-HSCT)")
    out["adverse_events"][0].update(term="细胞因子释放综合征 (CRS)", grading_system="ASTCT 2019")
    return out


def test_chinese_labels_headings_and_dates_read_as_the_codes(tmp_path):
    (tmp_path / "en").mkdir()
    (tmp_path / "zh").mkdir()
    codes = edit("patients", genetic_abnormalities="KMT2A_r;IKZF1_deletion;complex_karyotype;ph_like")
    (english, _), _ = run_both(codes, tmp_path / "en")
    for study, report in run_both(_chinese(BASE), tmp_path / "zh"):
        assert report.findings == (), report.to_text()
        for name in english.tables:
            assert study.tables[name].drop(columns="source_row").equals(
                english.tables[name].drop(columns="source_row")), name


# --- typed cells (Parquet) read as their text (CSV) -----------------------------------------------

import datetime as dt  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from blinrwe.intake.raw import RawSheet  # noqa: E402
from blinrwe.model import ALL_TABLES, DType  # noqa: E402
from blinrwe.validate.cell_text import cell_text  # noqa: E402
from blinrwe.validate.coerce import coerce_sheet  # noqa: E402

_NUMBERS = st.floats() | st.integers(-10, 200) | st.sampled_from(
    [-0.0, 0.5, 2.0, 1e-5, 1e15, 1e16, 0.1 + 0.2, 0.00012345678901234567, 0.04097352393619469, 60.000000000000014])
_TYPED_CELL = {
    DType.FLOAT: _NUMBERS, DType.INT: _NUMBERS, DType.BOOL: st.booleans(),
    DType.DATE: st.dates(dt.date(1800, 1, 1), dt.date(2200, 12, 31))
    | st.datetimes(dt.datetime(1800, 1, 1), dt.datetime(2200, 12, 31)),
}


@st.composite
def _typed_sheet(draw):
    """A sheet of typed columns, as a Parquet file gives them (one type of value per column, some empty)."""
    table = ALL_TABLES[draw(st.sampled_from(["assessments", "adverse_events", "infusions"]))]
    n = draw(st.integers(0, 12))
    columns = {}
    for col in table.columns:
        cell = _TYPED_CELL.get(col.dtype, st.sampled_from(list(col.allowed) + ["x", "cr", "P1", " P2 "]))
        columns[col.name] = draw(st.lists(cell | st.none(), min_size=n, max_size=n))
    index = pd.Index(range(2, n + 2), dtype="int64")
    cells = pd.DataFrame({i: pd.Series(v, index=index, dtype=object) for i, v in enumerate(columns.values())},
                         index=index, dtype=object)
    return table, RawSheet(table.name, f"{table.name}.parquet", None, tuple(columns), cells)


@settings(max_examples=60)
@given(_typed_sheet())
def test_typed_cells_read_as_their_text_does(drawn):
    """A Parquet column (numbers and yes/no checked on their values, dates read once per distinct value) gives
    the table and the findings that the same cells give as CSV text; only the value a finding quotes is the
    cell as typed."""
    table, typed = drawn
    text = RawSheet(typed.name, typed.file, None, typed.header, typed.cells.map(cell_text).astype(object))
    (from_typed, typed_findings), (from_text, text_findings) = (coerce_sheet(s, table, "mid") for s in (typed, text))
    pd.testing.assert_frame_equal(from_typed, from_text)

    def where(f):
        return f.code, f.row, f.column, f.message, f.hint, f.patient_id

    assert [where(f) for f in typed_findings] == [where(f) for f in text_findings]


def test_a_number_arrives_as_stored():
    """17 significant digits (an MRD, a weight a spreadsheet computed) arrive bit for bit as typed cells (a
    workbook's, a Parquet file's) and as CSV text; '0.1' is float('0.1'). (The workbook is not written here:
    openpyxl writes numbers with 16 digits.)"""
    table = ALL_TABLES["patients"]
    mrd = [0.00012345678901234567, 0.04097352393619469, 0.1, 0.0]
    weight = [60.000000000000014, 70.12345678901234, 45.5, 1.0]
    index = pd.Index(range(2, 6), dtype="int64")
    for typed in (mrd + weight, [repr(v) for v in mrd + weight]):
        sheet = RawSheet("patients", "patients", None, ("patient_id", "mrd_at_t0", "weight_kg"), pd.DataFrame(
            {0: ["P1", "P2", "P3", "P4"], 1: typed[:4], 2: typed[4:]}, index=index, dtype=object))
        frame, findings = coerce_sheet(sheet, table, "mid")
        assert findings == []
        assert frame[["mrd_at_t0", "weight_kg"]].to_numpy().T.tobytes() == np.array([mrd, weight]).tobytes()


@settings(max_examples=30)
@given(st.lists(st.sampled_from([True, False, np.True_, np.False_, None, float("nan"), 1, 1.0, 2, "yes", "x"]),
                max_size=8))
def test_typed_yes_no_reads_as_its_text_does(values):
    """A yes/no column of booleans (read on its values) or of anything else (read as text): the table and
    findings its cells give as text."""
    table = ALL_TABLES["adverse_events"]
    index = pd.Index(range(2, len(values) + 2), dtype="int64")
    cells = pd.DataFrame({0: pd.Series(values, index=index, dtype=object)}, dtype=object)
    typed = RawSheet(table.name, "a.parquet", None, ("serious",), cells)
    text = RawSheet(table.name, "a.parquet", None, ("serious",), cells.map(cell_text).astype(object))
    (a, fa), (b, fb) = coerce_sheet(typed, table, "mid"), coerce_sheet(text, table, "mid")
    pd.testing.assert_frame_equal(a, b)
    assert [(f.code, f.row, f.message) for f in fa] == [(f.code, f.row, f.message) for f in fb]
