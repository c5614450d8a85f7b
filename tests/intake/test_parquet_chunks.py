"""A Parquet study folder split by patient: every record once, in its chunk, with its row number."""

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from blinrwe.examples import synthetic_cohort
from blinrwe.intake import read_parquet_folder, write_study_parquet
from blinrwe.intake.parquet_chunks import count_patients, split_by_patient


def _parted(tmp_path, n=90):
    """A study folder whose tables are folders of two part files, with a blank record in patients."""
    cohort = synthetic_cohort(n, seed=4)
    folder = write_study_parquet(cohort.tables, tmp_path / "flat", cohort.form)
    parted = tmp_path / "parted"
    for file in folder.glob("*.parquet"):
        table = pq.read_table(file)
        if file.stem == "patients":  # a blank record: dropped, its row number kept by the rest
            blank = pa.table({c: pa.nulls(1, table.schema.field(c).type) for c in table.column_names})
            table = pa.concat_tables([table.slice(0, 5), blank, table.slice(5)])
        half = table.num_rows // 2
        (parted / file.name).mkdir(parents=True)
        pq.write_table(table.slice(0, half), parted / file.name / "part-0.parquet")
        pq.write_table(table.slice(half), parted / file.name / "part-1.parquet")
    return parted


def test_every_record_is_in_exactly_one_chunk_with_the_row_number_of_the_whole_folder(tmp_path):
    folder = _parted(tmp_path)
    whole = read_parquet_folder(folder)
    chunks = split_by_patient(folder, tmp_path / "scratch", chunk_patients=25)
    assert chunks.count == 4 and count_patients(folder) == 91
    pieces = list(chunks)
    for name, sheet in whole.sheets.items():
        got = pd.concat([raw.sheets[name].cells for raw in pieces]).sort_index()
        assert got.index.is_unique and list(got.index) == list(sheet.cells.index), name
        pd.testing.assert_frame_equal(got.astype(str), sheet.cells.astype(str), obj=name)
        assert all(raw.sheets[name].header == sheet.header for raw in pieces)
    assert 7 not in whole.sheets["patients"].cells.index  # the blank record (row 7) is gone from both
    for raw in pieces:  # a patient's rows of every table are in its chunk
        ids = set(raw.sheets["patients"].cells[0])
        assert set(raw.sheets["infusions"].cells[0]) <= ids


def test_a_patient_id_typed_as_a_number_in_one_table_and_text_in_another_stays_together(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    pq.write_table(pa.table({"patient_id": pa.array([float(i) for i in range(1, 41)])}), folder / "patients.parquet")
    pq.write_table(pa.table({"patient_id": pa.array([f" {i} " for i in range(1, 41)])}), folder / "infusions.parquet")
    for raw in split_by_patient(folder, tmp_path / "scratch", chunk_patients=10):
        patients = {str(int(v)) for v in raw.sheets["patients"].cells[0]}
        assert {v.strip() for v in raw.sheets["infusions"].cells[0]} == patients


def test_a_patient_id_with_any_white_space_around_it_stays_with_its_patient(tmp_path):
    """A no-break space copied with an id, an ideographic space typed on a Chinese keyboard, a vertical tab:
    validation strips each (str.strip), and so does the split; so do large numbers typed as ids."""
    folder = tmp_path / "study"
    folder.mkdir()
    ids = [f"P{i}" for i in range(1, 41)] + [repr(1e15), repr(1e19)]  # as validation reads those numbers
    spaced = [f"\xa0{v}\u3000" if i % 2 else f"\x0b{v}\u2003" for i, v in enumerate(ids[:-2])]
    pq.write_table(pa.table({"patient_id": ids}), folder / "patients.parquet")
    pq.write_table(pa.table({"patient_id": spaced}), folder / "infusions.parquet")
    pq.write_table(pa.table({"patient_id": [1e15, 1e19]}), folder / "events.parquet")
    for raw in split_by_patient(folder, tmp_path / "scratch", chunk_patients=10):
        patients = set(raw.sheets["patients"].cells[0])
        assert {v.strip() for v in raw.sheets["infusions"].cells[0]} <= patients
        assert {repr(v) for v in raw.sheets["events"].cells[0]} <= patients


def test_the_split_strips_what_python_strips():
    import sys

    from blinrwe.intake.parquet_chunks import _WHITE_SPACE

    assert _WHITE_SPACE == "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())


def test_a_file_past_the_column_limit_is_a_note_of_every_chunk(tmp_path, monkeypatch):
    folder = tmp_path / "study"
    folder.mkdir()
    pq.write_table(pa.table({f"c{i}": [1] for i in range(12)} | {"patient_id": ["a"]}), folder / "patients.parquet")
    monkeypatch.setenv("BLINRWE_MAX_COLUMNS", "10")
    raw = next(iter(split_by_patient(folder, tmp_path / "scratch")))
    assert not raw.sheets and raw.notes[0].code == "INPUT_TOO_LARGE" and "13 columns" in raw.notes[0].message


def _cells_of(chunks):
    return {name: pd.concat([raw.sheets[name].cells for raw in chunks]).sort_index().astype(str)
            for name in chunks.tables}


def test_chunks_hold_the_cells_of_parquet_written_by_duckdb_whatever_the_types(tmp_path, monkeypatch):
    """The records travel as Arrow files cast to the types a DuckDB-written Parquet file reads back with (a
    categorical column as text, a time zone as UTC); a type the cast cannot give makes DuckDB write Parquet
    for that table, as it used to: the cells are the same either way."""
    import datetime as dt

    from blinrwe.intake import parquet_chunks

    folder = tmp_path / "study"
    folder.mkdir()
    ids = [f"P{i}" for i in range(30)]
    pq.write_table(pa.table({"patient_id": pa.array(ids).dictionary_encode(), "site": ["s1", "s2", None] * 10,
                             "seen": pa.array([dt.datetime(2024, 1, 1, 12, i, tzinfo=dt.timezone.utc) for i in range(30)],
                                              pa.timestamp("us", tz="Asia/Shanghai"))}), folder / "patients.parquet")
    arrow = split_by_patient(folder, tmp_path / "arrow", chunk_patients=10)
    assert list((tmp_path / "arrow" / "patients").glob("*.arrow"))

    def refuse(*args):
        raise pa.ArrowInvalid("no cast")

    monkeypatch.setattr(parquet_chunks, "_write_chunks", refuse)
    duckdb = split_by_patient(folder, tmp_path / "duckdb", chunk_patients=10)
    assert not list((tmp_path / "duckdb" / "patients").glob("*.arrow"))
    for name, cells in _cells_of(arrow).items():
        pd.testing.assert_frame_equal(cells, _cells_of(duckdb)[name])
    assert [raw.sheets["patients"].cells.shape[0] for raw in arrow] == [raw.sheets["patients"].cells.shape[0]
                                                                         for raw in duckdb]
