"""Validation a group of patients at a time: the findings of the whole study, the typed tables staged."""

import datetime as dt
import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from blinrwe.examples import synthetic_cohort
from blinrwe.intake import read_study, write_study_parquet
from blinrwe.intake.parquet_chunks import split_by_patient
from blinrwe.validate import validate_study
from blinrwe.validate import by_patient
from blinrwe.validate.by_patient import validate_by_patient

from . import corrupted

TODAY = dt.date(2026, 1, 1)


def _comparable(report):
    frame = corrupted.findings_frame(report)
    return frame.sort_values(["file", "row", "column", "code", "message", "value"], na_position="first",
                             key=lambda c: c.astype(str)).reset_index(drop=True)


@pytest.fixture(scope="module")
def corrupted_parquet(tmp_path_factory):
    """The corrupted study (many kinds of bad cells and rule breaks on every table) as Parquet text cells."""
    tmp = tmp_path_factory.mktemp("corrupted_parquet")
    folder = tmp / "study"
    folder.mkdir()
    for name, frame in corrupted.corrupted_tables(tmp).items():
        frame.replace("", None).to_parquet(folder / f"{name}.parquet", index=False)
    return folder


@pytest.mark.parametrize("chunk_patients, workers", [(37, 1), (37, 2), (160, 2)])
def test_the_corrupted_study_gives_the_findings_of_the_whole_study(corrupted_parquet, tmp_path, chunk_patients,
                                                                    workers):
    whole = validate_study(read_study(corrupted_parquet), data_cutoff=corrupted.CUTOFF, today=corrupted.TODAY)[1]
    chunks = split_by_patient(corrupted_parquet, tmp_path / "scratch", chunk_patients)
    study, parts = validate_by_patient(chunks, tmp_path / "staged", data_cutoff=corrupted.CUTOFF,
                                       today=corrupted.TODAY, workers=workers)
    assert study is None and not (tmp_path / "staged").exists()  # errors: nothing staged
    assert parts.codes() == whole.codes() and parts.row_counts == whole.row_counts
    pd.testing.assert_frame_equal(_comparable(parts), _comparable(whole))
    assert parts.lines(20) == whole.lines(20)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean_parquet")
    cohort = synthetic_cohort(120, seed=9)
    return write_study_parquet(cohort.tables, tmp / "study", cohort.form)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_clean_study_is_staged_as_the_validated_tables(clean, tmp_path, workers):
    study, whole = validate_study(read_study(clean), today=TODAY)
    staged, report = validate_by_patient(split_by_patient(clean, tmp_path / "scratch", 30), tmp_path / "staged",
                                         today=TODAY, workers=workers)
    assert report.codes() == whole.codes() and staged.n_patients == 120 and staged.form == "study"
    for name, frame in study.tables.items():
        assert staged.columns[name] == tuple(frame.columns), name
        back = pq.read_table(staged.path(name)).to_pandas()[list(frame.columns)]
        back = back.sort_values("source_row").reset_index(drop=True)
        for column in frame.columns:  # the same values (each column's engine type)
            want, got = frame[column].astype(object), back[column].astype(object)
            same = [(pd.isna(a) and pd.isna(b)) if not isinstance(a, tuple) else tuple(b) == a
                    for a, b in zip(want, got)] if len(frame) else []
            assert all(s or a == b for s, a, b in zip(same, want, got)), (name, column)
    staged.close()
    assert not (tmp_path / "staged").exists()


def test_a_table_without_rows_is_empty_for_the_whole_study_not_for_a_chunk(clean, tmp_path):
    """With 12 chunks of 10 patients, some chunks may have no adverse event; the study has some: no TABLE_EMPTY.
    An empty infusions table is one TABLE_EMPTY, not one per chunk."""
    report = validate_by_patient(split_by_patient(clean, tmp_path / "a", 10), None, today=TODAY)[1]
    assert "TABLE_EMPTY" not in report.codes()
    folder = tmp_path / "no_infusions"
    folder.mkdir()
    for file in clean.glob("*.parquet"):
        table = pq.read_table(file)
        pq.write_table(table.slice(0, 0) if file.stem == "infusions" else table, folder / file.name)
    report = validate_by_patient(split_by_patient(folder, tmp_path / "b", 40), None, today=TODAY)[1]
    assert report.codes()["TABLE_EMPTY"] == 1 and report.has_errors


def _killed(*args):
    os._exit(9)  # what the kernel's out-of-memory killer leaves: a worker gone without a word


def test_a_killed_worker_is_memory_running_out_and_nothing_is_staged(clean, tmp_path, monkeypatch):
    monkeypatch.setattr(by_patient, "_validate_chunk", _killed)  # the workers are forked: they see it too
    with pytest.raises(MemoryError, match="memory ran out"):
        validate_by_patient(split_by_patient(clean, tmp_path / "scratch", 30), tmp_path / "staged", today=TODAY,
                            workers=2)
    assert not (tmp_path / "staged").exists()


def test_a_table_the_folder_does_not_have_is_absent_from_the_staged_study(clean, tmp_path):
    folder = tmp_path / "no_events"
    folder.mkdir()
    for file in clean.glob("*.parquet"):
        if file.stem != "events":
            pq.write_table(pq.read_table(file), folder / file.name)
    staged, report = validate_by_patient(split_by_patient(folder, tmp_path / "scratch", 40), tmp_path / "staged",
                                         today=TODAY)
    assert report.codes()["TABLE_ABSENT"] == 1 and staged.absent == {"events"}
    staged.close()
