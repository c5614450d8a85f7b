"""A folder of <table>.parquet files: the workbook's layout with typed cells, the same study and findings."""

import datetime as dt
import math

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from blinrwe.errors import UserError
from blinrwe.examples import synthetic_cohort
from blinrwe.intake import read_parquet_folder, read_study, write_study, write_study_parquet
from blinrwe.model import FORMS, DType
from blinrwe.validate import validate_study

TODAY = dt.date(2026, 1, 1)


@pytest.fixture(scope="module")
def cohort():
    return synthetic_cohort(60, seed=7)


@pytest.fixture
def folders(tmp_path, cohort):
    """The same cohort as a workbook, a CSV folder and a Parquet folder."""
    return {"xlsx": write_study(cohort, tmp_path / "study.xlsx"), "csv": write_study(cohort, tmp_path / "csv"),
            "parquet": write_study_parquet(cohort.tables, tmp_path / "parquet", cohort.form)}


def test_the_same_cohort_through_workbook_csv_and_parquet_is_the_same_validated_study(folders):
    studies, reports = {}, {}
    for kind, path in folders.items():
        studies[kind], reports[kind] = validate_study(read_study(path), today=TODAY)
        assert not reports[kind].has_errors, reports[kind].to_text()
    assert read_study(folders["parquet"]).kind == "parquet"
    assert reports["parquet"].codes() == reports["csv"].codes() == reports["xlsx"].codes()
    for name, frame in studies["xlsx"].tables.items():
        for kind in ("csv", "parquet"):
            pd.testing.assert_frame_equal(studies[kind].tables[name], frame, obj=f"{kind} {name}")


def test_parquet_cells_arrive_typed_as_a_workbook_gives_them(folders):
    sheet = read_parquet_folder(folders["parquet"]).sheets["patients"]
    assert sheet.where == "patients.parquet" and sheet.file == "patients.parquet" and sheet.sheet is None
    first = dict(zip(sheet.header, sheet.cells.iloc[0]))
    assert isinstance(first["diagnosis_date"], dt.date) and isinstance(first["weight_kg"], float)
    assert isinstance(first["patient_id"], str) and isinstance(first["ph_like"], bool)
    assert list(sheet.cells.index[:3]) == [2, 3, 4]  # the first record is row 2 (the header is row 1)
    schema = pq.read_schema(folders["parquet"] / "patients.parquet")
    assert schema.field("diagnosis_date").type == pa.date32() and schema.field("relapse_number").type == pa.int64()


#: (column, value in the Parquet file, the same value as CSV text, the finding code), one patient row each.
BAD = [("weight_kg", 5000.0, "5000", "NUMBER_OUT_OF_RANGE"), ("sex", "X", "X", "CODE_INVALID"),
       ("relapse_number", 1.5, "1.5", "INTEGER_INVALID"), ("diagnosis_date", "2023-31-12", "2023-31-12",
                                                            "DATE_UNREADABLE"),
       ("height_cm", math.nan, "NaN", "NAN_TEXT"), ("bm_blast_pct_at_t0", math.inf, "inf", "NUMBER_INFINITE")]


def _spoil_parquet(path):
    table = pq.read_table(path)
    columns = {name: table[name].to_pylist() for name in table.column_names}
    columns["diagnosis_date"] = [None if v is None else v.isoformat() for v in columns["diagnosis_date"]]  # as text
    for i, (column, value, _text, _code) in enumerate(BAD):
        columns[column][i] = value
    types = {"relapse_number": pa.float64(), "diagnosis_date": pa.string()}  # a number column that holds 1.5
    arrays = [pa.array(values, type=types.get(name, table.schema.field(name).type))  # (NaN stays NaN: not null)
              for name, values in columns.items()]
    pq.write_table(pa.table(arrays, names=list(columns)), path)


def _spoil_csv(path):
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for i, (column, _value, text, _code) in enumerate(BAD):
        frame.loc[i, column] = text
    frame.to_csv(path, index=False)


def test_bad_values_in_parquet_are_the_csv_findings_naming_file_row_column_and_value(folders):
    _spoil_parquet(folders["parquet"] / "patients.parquet")
    _spoil_csv(folders["csv"] / "patients.csv")
    parquet = validate_study(read_study(folders["parquet"]), today=TODAY)[1]
    csv = validate_study(read_study(folders["csv"]), today=TODAY)[1]

    def where(report):
        return sorted((f.code, f.table, f.row, f.column) for f in report.findings)

    assert where(parquet) == where(csv)
    found = {(f.code, f.column): f for f in parquet.findings}
    for i, (column, value, _text, code) in enumerate(BAD):
        f = found[(code, column)]
        assert (f.file, f.sheet, f.table, f.row) == ("patients.parquet", None, "patients", i + 2)
        assert f.value == value or (code == "NAN_TEXT" and f.value == "NaN")
    assert "patients.parquet" in parquet.to_text()


def test_a_parquet_file_past_a_read_limit_is_refused_from_its_footer(folders):
    raw = read_study(folders["parquet"], max_rows=10)
    assert raw.sheets == {} and [n.code for n in raw.notes] == ["INPUT_TOO_LARGE"]
    assert "more than 10" in raw.notes[0].message and "BLINRWE_MAX_ROWS" in raw.notes[0].hint
    wide = read_study(folders["parquet"], max_uncompressed_mb=0.001)
    assert "uncompressed" in wide.notes[0].message


def test_one_parquet_file_a_damaged_file_and_a_mixed_folder(folders, tmp_path):
    one = read_study(folders["parquet"] / "patients.parquet")
    assert set(one.sheets) == {"patients"} and one.kind == "parquet"
    (folders["parquet"] / "events.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(UserError, match="events.parquet: cannot be read as Parquet"):
        read_study(folders["parquet"])
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "patients.csv").write_text("patient_id\nP1\n")
    (mixed / "infusions.parquet").write_bytes((folders["parquet"] / "infusions.parquet").read_bytes())
    with pytest.raises(UserError, match="both .csv and .parquet files"):
        read_study(mixed)


def test_registry_style_columns_read_as_their_values(tmp_path):
    """Dictionary-encoded codes, time-zoned timestamps at midnight and a list of codes, as a registry writes them."""
    folder = tmp_path / "registry"
    folder.mkdir()
    table = pa.table({
        "patient_id": pa.array(["P1", "P2", None, " "]).dictionary_encode(),
        "diagnosis_date": pa.array([dt.datetime(2022, 3, 1), dt.datetime(2023, 5, 2, 10, 30), None, None],
                                   type=pa.timestamp("us", tz="UTC")),
        "genetic_abnormalities": pa.array([["KMT2A_r", "IKZF1_deletion"], [], None, None],
                                          type=pa.list_(pa.string())),
        "weight_kg": pa.array([60, None, 70, None], type=pa.int32()),
    })
    pq.write_table(table, folder / "patients.parquet")
    sheet = read_parquet_folder(folder).sheets["patients"]
    cells = sheet.cells
    assert list(cells.index) == [2, 3, 4]  # the record of white space only is an empty row, dropped
    assert list(cells[0]) == ["P1", "P2", None] and list(cells[3]) == [60, None, 70]
    assert cells.loc[2, 1] == dt.datetime(2022, 3, 1) and cells.loc[3, 1] == dt.datetime(2023, 5, 2, 10, 30)
    assert cells.loc[2, 2] == "KMT2A_r;IKZF1_deletion" and cells.loc[3, 2] in ("", None)


def test_the_empty_parquet_layout_has_every_declared_table_and_type(tmp_path):
    folder = write_study_parquet({}, tmp_path / "layout", "study")
    assert sorted(p.stem for p in folder.iterdir()) == sorted(t.name for t in FORMS["study"])
    expected = {DType.DATE: pa.date32(), DType.BOOL: pa.bool_(), DType.INT: pa.int64(), DType.FLOAT: pa.float64()}
    for table in FORMS["study"]:
        schema = pq.read_schema(folder / f"{table.name}.parquet")
        assert schema.names == [c.name for c in table.columns]
        assert [schema.field(c.name).type for c in table.columns] == [expected.get(c.dtype, pa.string())
                                                                        for c in table.columns]
    raw = read_study(folder)
    assert set(raw.sheets) == {t.name for t in FORMS["study"]} and all(s.cells.empty for s in raw.sheets.values())


def test_a_table_written_as_a_folder_of_part_files_as_spark_writes_one(folders, tmp_path):
    """``infusions.parquet/`` holding part files (and Spark's _SUCCESS marker) reads as one table, parts in order."""
    source = pq.read_table(folders["parquet"] / "infusions.parquet")
    (folders["parquet"] / "infusions.parquet").unlink()
    parts = folders["parquet"] / "infusions.parquet"
    parts.mkdir()
    half = source.num_rows // 2
    pq.write_table(source.slice(0, half), parts / "part-00000-a.snappy.parquet")
    pq.write_table(source.slice(half), parts / "part-00001-a.snappy.parquet")
    (parts / "_SUCCESS").write_bytes(b"")
    whole = validate_study(read_study(folders["parquet"]), today=TODAY)[0]
    csv = validate_study(read_study(folders["csv"]), today=TODAY)[0]
    pd.testing.assert_frame_equal(whole.tables["infusions"], csv.tables["infusions"])
    alone = read_study(parts)
    assert set(alone.sheets) == {"infusions"} and len(alone.sheets["infusions"].cells) == source.num_rows
    refused = read_study(parts, max_rows=source.num_rows - 1)  # each part is within it, the table is not
    assert [(n.code, n.file) for n in refused.notes] == [("INPUT_TOO_LARGE", "infusions.parquet")]


# --- what a column's Parquet type tells validation (KnownColumn) ---------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def _known_is_what_pandas_finds(table):
    """Every KnownColumn of the table's sheet says what pandas would find in the cells."""
    import numpy as np

    from blinrwe.intake.parquet import _sheet
    from blinrwe.validate.numbers import numbers_of

    sheet = _sheet("t", "t.parquet", table)
    for i, known in sheet.known.items():
        cells = sheet.cells[i].to_numpy(dtype=object)
        assert known.kind == pd.api.types.infer_dtype(cells, skipna=True), (i, known.kind)
        if known.factors is not None:
            codes, distinct = pd.factorize(cells, use_na_sentinel=True)
            assert codes.tolist() == known.factors[0].tolist() and list(distinct) == list(known.factors[1]), i
        if known.numbers is not None:
            want, got = numbers_of(cells, known.kind), known.numbers + 0.0
            assert np.array_equal(want, got, equal_nan=True) and np.array_equal(np.signbit(want), np.signbit(got)), i
    return sheet


_TEXTS = st.one_of(st.none(), st.sampled_from(["", " ", "a", " a", "a ", "\u3000", "B", "NaN", "中"]), st.text(max_size=3))
_FLOATS = st.one_of(st.none(), st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, -0.0]))
_DATES = st.one_of(st.none(), st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 12).flatmap(lambda n: st.tuples(
    st.lists(_TEXTS, min_size=n, max_size=n), st.lists(_FLOATS, min_size=n, max_size=n),
    st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), min_size=n, max_size=n),
    st.lists(st.one_of(st.none(), st.booleans()), min_size=n, max_size=n), st.lists(_DATES, min_size=n, max_size=n))))
def test_what_a_parquet_column_type_tells_is_what_pandas_finds_in_its_cells(columns):
    texts, floats, integers, booleans, dates = columns
    table = pa.table({"t": pa.array(texts, pa.string()), "f": pa.array(floats, pa.float64()),
                      "f32": pa.array(floats, pa.float64()).cast(pa.float32(), safe=False),
                      "i": pa.array(integers, pa.int64()), "b": pa.array(booleans, pa.bool_()),
                      "d": pa.array(dates, pa.date32())})
    _known_is_what_pandas_finds(table)


def test_a_column_pandas_would_look_at_again_is_not_told():
    """A NaN among numbers reads as the text "NaN" (a mixed column), a date past Python's is read as before."""
    table = pa.table({"f": [1.5, math.nan, None], "d": pa.array([0, 2**31 - 1, None], pa.int32()).cast(pa.date32()),
                      "u": pa.array([1, 2**64 - 1, None], pa.uint64())})
    with pytest.raises(OverflowError):  # (pyarrow refuses the year past 9999, as it did)
        _known_is_what_pandas_finds(table)
    sheet = _known_is_what_pandas_finds(table.drop_columns(["d"]))
    assert 0 not in sheet.known and sheet.known[1].numbers is None
