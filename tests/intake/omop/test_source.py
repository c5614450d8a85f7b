"""Reading the CDM through DuckDB (Ibis): Parquet folder, DuckDB file, a connected backend; the cohort."""

import pandas as pd
import pytest

from blinrwe.engines import EngineSettings, connect
from blinrwe.errors import UserError
from blinrwe.examples.omop import BLINATUMOMAB_PRODUCTS
from blinrwe.intake.omop import load_mapping
from blinrwe.intake.omop.source import CDM_COLUMNS, read_cdm

from .conftest import N_PATIENTS


def test_the_cohort_is_every_person_exposed_to_blinatumomab_or_a_descendant(cdm_folder):
    cdm = read_cdm(cdm_folder, load_mapping())
    assert cdm.blinatumomab_concepts == {45892531, *BLINATUMOMAB_PRODUCTS}  # via concept_ancestor
    assert len(cdm.tables["person"]) == N_PATIENTS
    assert set(cdm.tables["drug_exposure"].drug_concept_id) >= set(BLINATUMOMAB_PRODUCTS)
    assert cdm.files["measurement"] == "measurement.parquet"
    assert cdm.unmapped["measurement"].empty and cdm.unmapped["drug_exposure"].empty


def _copy(folder, target, edit):
    target.mkdir()
    for p in folder.glob("*.parquet"):
        frame = edit(p.stem, pd.read_parquet(p))
        if frame is not None:
            frame.to_parquet(target / p.name, index=False)
    return target


def test_persons_without_blinatumomab_are_not_in_the_study(cdm_folder, tmp_path):
    def add_unexposed(name, frame):
        if name == "person":
            extra = frame.head(1).assign(person_id=10_000, person_source_value="OTHER-1")
            return pd.concat([frame, extra], ignore_index=True)
        if name == "measurement":  # records of a person outside the cohort are not read nor reported
            extra = frame.head(1).assign(person_id=10_000, measurement_id=10**7, measurement_concept_id=3000963)
            return pd.concat([frame, extra], ignore_index=True)
        return frame

    cdm = read_cdm(_copy(cdm_folder, tmp_path / "c", add_unexposed), load_mapping())
    assert 10_000 not in set(cdm.tables["person"].person_id)
    assert cdm.unmapped["measurement"].empty


def test_a_duckdb_database_file_gives_the_same_records(cdm_folder):
    mapping = load_mapping()
    parquet = read_cdm(cdm_folder, mapping)
    database = read_cdm(cdm_folder / "cdm.duckdb", mapping)
    assert database.files["person"] == "cdm.duckdb"
    for name in CDM_COLUMNS:
        if name == "concept_ancestor":
            continue
        key = list(CDM_COLUMNS[name][:2])
        a = parquet.tables[name].sort_values(key).reset_index(drop=True)
        b = database.tables[name].sort_values(key).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_a_connected_backend_is_read_by_table_name(cdm_folder):
    """A warehouse the engine reaches: here a DuckDB backend holding the CDM tables."""
    con = connect(EngineSettings(kind="duckdb", threads=1))
    for p in cdm_folder.glob("*.parquet"):
        con.create_table(p.stem, pd.read_parquet(p))
    cdm = read_cdm(con, load_mapping())
    assert len(cdm.tables["person"]) == N_PATIENTS
    assert cdm.files["drug_exposure"] == "drug_exposure"


def test_optional_tables_may_be_absent(cdm_folder, tmp_path):
    folder = _copy(cdm_folder, tmp_path / "c", lambda name, f: None if name in ("death", "procedure_occurrence") else f)
    cdm = read_cdm(folder, load_mapping())
    assert cdm.tables["death"].empty and cdm.tables["procedure_occurrence"].empty


def test_a_missing_required_table_or_column_is_a_user_error(cdm_folder, tmp_path):
    with pytest.raises(UserError, match="'concept_ancestor' is missing"):
        read_cdm(_copy(cdm_folder, tmp_path / "a", lambda n, f: None if n == "concept_ancestor" else f), load_mapping())
    with pytest.raises(UserError, match="drug_exposure.parquet: the CDM table 'drug_exposure' has no column "
                                        "drug_exposure_start_date"):
        read_cdm(_copy(cdm_folder, tmp_path / "b", lambda n, f: f.drop(columns="drug_exposure_start_date")
                       if n == "drug_exposure" else f), load_mapping())


def test_a_path_that_is_neither_folder_nor_database_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        read_cdm(tmp_path / "nothing", load_mapping())
    text = tmp_path / "notes.txt"
    text.write_text("not a database")
    with pytest.raises(UserError, match="not a DuckDB database"):
        read_cdm(text, load_mapping())


def test_optional_columns_may_be_absent(cdm_folder, tmp_path):
    """No person_source_value: patients are named by person_id; no rate unit: validation names the record."""
    from blinrwe.intake.omop import read_omop
    from blinrwe.validate import validate_study

    def strip(name, frame):
        drop = {"person": ["person_source_value"], "drug_exposure": ["dose_unit_source_value"]}.get(name, [])
        return frame.drop(columns=drop)

    raw = read_omop(_copy(cdm_folder, tmp_path / "c", strip))
    assert raw.sheets["patients"].column("patient_id").tolist()[:2] == ["1", "2"]
    _, report = validate_study(raw)
    missing = [f for f in report.findings if f.code == "REQUIRED_MISSING"]
    assert {(f.sheet, f.column) for f in missing} == {("drug_exposure", "dose_unit")}
    assert missing[0].row == 1


def test_spark_reads_the_same_cdm(cdm_folder, spark_backend):
    """The same folder read on Spark (local mode) gives the same study sheets and notes."""
    from blinrwe.intake.omop import read_omop

    on_spark = read_omop(cdm_folder, settings=EngineSettings(kind="spark", threads=1))
    on_duckdb = read_omop(cdm_folder)
    assert on_spark.notes == on_duckdb.notes
    for name, sheet in on_duckdb.sheets.items():
        pd.testing.assert_frame_equal(on_spark.sheets[name].cells, sheet.cells, obj=name)
