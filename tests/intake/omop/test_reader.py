"""read_omop: the same cohort through the workbook and through OMOP gives the same study and analysis."""

import pandas as pd
import pytest

from blinrwe.derive import derive_analysis_data
from blinrwe.examples import synthetic_cohort
from blinrwe.examples.omop import omop_view
from blinrwe.intake import read_omop as exported
from blinrwe.intake import read_study, write_study
from blinrwe.intake.omop import CARRIED, read_omop
from blinrwe.validate import validate_study

from .conftest import CUTOFF, N_PATIENTS, SEED

DERIVED = ("adsl", "responses", "tte", "adverse_events", "therapy_paths", "attrition", "exposure_cycles")


@pytest.fixture(scope="module")
def both(cdm_folder, tmp_path_factory):
    """(validated through OMOP, validated through the workbook) of the same synthetic cohort."""
    through_omop, omop_report = validate_study(read_omop(cdm_folder), data_cutoff=CUTOFF)
    workbook = tmp_path_factory.mktemp("wb") / "study.xlsx"
    write_study(omop_view(synthetic_cohort(N_PATIENTS, SEED, CUTOFF)), workbook)
    through_workbook, workbook_report = validate_study(read_study(workbook), data_cutoff=CUTOFF)
    assert not omop_report.has_errors and not workbook_report.has_errors
    assert omop_report.codes() == {"TABLE_ABSENT": 1}  # adverse events: OMOP holds no grades
    assert workbook_report.codes() == {"TABLE_ABSENT": 1}  # the view leaves them out as OMOP does
    return through_omop, through_workbook


def test_the_validated_study_is_the_same_table_for_table(both):
    omop, workbook = both
    assert omop.form == workbook.form == "study"
    for name, table in omop.tables.items():
        pd.testing.assert_frame_equal(table.drop(columns="source_row"),
                                      workbook.tables[name].drop(columns="source_row"),
                                      check_exact=False, rtol=1e-12, obj=name)


def test_the_derived_analysis_data_are_the_same(both):
    omop, workbook = both
    a, b = derive_analysis_data(omop), derive_analysis_data(workbook)
    for name in DERIVED:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=False, rtol=1e-12, obj=name)
    assert a.unavailable == b.unavailable
    assert a.tte.event.sum() > 0 and a.adsl.responder.any()  # the comparison is not between empty tables


def test_the_carried_columns_are_filled(both):
    omop, _ = both
    for name, columns in CARRIED.items():
        table = omop.tables[name]
        filled = {c for c in columns if table[c].notna().any()}
        assert filled == set(columns), name


def test_each_sheet_names_its_cdm_tables_and_rows_are_record_ids(cdm_folder):
    raw = exported(cdm_folder)
    assert raw.kind == "omop" and not raw.notes
    sheets = {name: (s.file, s.sheet) for name, s in raw.sheets.items()}
    assert sheets["patients"] == ("person.parquet", "person")
    assert sheets["infusions"] == ("drug_exposure.parquet", "drug_exposure")
    assert sheets["assessments"] == ("measurement.parquet", "measurement")
    assert sheets["events"][1] == "condition_occurrence + death + observation_period"
    assert sheets["therapies"][1] == "procedure_occurrence + drug_exposure"
    person = pd.read_parquet(cdm_folder / "person.parquet")
    assert list(raw.sheets["patients"].cells.index) == sorted(person.person_id)
    exposures = pd.read_parquet(cdm_folder / "drug_exposure.parquet")
    assert set(raw.sheets["infusions"].cells.index) == set(exposures.drug_exposure_id[exposures.drug_concept_id > 2e9])
    assert list(raw.sheets["events"].cells.index) == list(range(2, len(raw.sheets["events"].cells) + 2))


def test_a_validation_finding_names_the_cdm_record(cdm_folder, tmp_path):
    """A rate outside the declared range: the finding points at drug_exposure, that record, dose_value."""
    folder = tmp_path / "bad"
    folder.mkdir()
    for p in cdm_folder.glob("*.parquet"):
        frame = pd.read_parquet(p)
        if p.stem == "drug_exposure":
            frame.loc[frame.drug_exposure_id == 1, "quantity"] = 900.0
        frame.to_parquet(folder / p.name, index=False)
    _, report = validate_study(read_omop(folder), data_cutoff=CUTOFF)
    f = next(f for f in report.findings if f.code == "NUMBER_OUT_OF_RANGE")
    assert (f.file, f.sheet, f.row, f.column, f.value) == ("drug_exposure.parquet", "drug_exposure", 1, "dose_value",
                                                          900.0)


def test_the_synthetic_cdm_is_deterministic_synthetic_and_in_cdm_names():
    from blinrwe.examples.omop import synthetic_cdm
    from blinrwe.intake.omop.source import CDM_COLUMNS

    a, b = synthetic_cdm(20, 5), synthetic_cdm(20, 5)
    assert a.keys() == b.keys() == CDM_COLUMNS.keys()
    for name, frame in a.items():
        pd.testing.assert_frame_equal(frame, b[name])
        assert set(CDM_COLUMNS[name]) <= set(frame.columns), name
    assert a["person"].person_source_value.str.startswith("SYN-").all()
