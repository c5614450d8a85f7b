"""What the OMOP reader reports: each finding names the CDM table, record, column, value and a fix."""

import pandas as pd

from blinrwe.intake.omop import read_omop
from blinrwe.model.i18n import language, missing_translations, reset_missing
from blinrwe.validate import CODES, Severity, validate_study

from .conftest import CUTOFF

#: The codes these tests pin (tests/validate/test_findings.py collects them).
CODES_PINNED = {"OMOP_CONCEPT_UNMAPPED", "OMOP_NO_OBSERVATION_PERIOD", "OMOP_EXPOSURE_DUPLICATE"}


def _findings(folder):
    study, report = validate_study(read_omop(folder), data_cutoff=CUTOFF)
    return study, {f.code: f for f in report.findings if f.code.startswith("OMOP_")}


def test_the_clean_cdm_gives_no_omop_finding(cdm_folder):
    assert not read_omop(cdm_folder).notes


def test_an_unmapped_measurement_concept_is_named_with_its_table_record_column_and_value(flawed_folder):
    measurement = pd.read_parquet(flawed_folder / "measurement.parquet")
    record = int(measurement.loc[measurement.measurement_concept_id == 3000963, "measurement_id"].iloc[0])
    _, found = _findings(flawed_folder)
    f = found["OMOP_CONCEPT_UNMAPPED"]
    assert (f.file, f.sheet, f.row, f.column, f.value) == ("measurement.parquet", "measurement", record,
                                                          "measurement_concept_id", 3000963)
    assert f.severity is Severity.WARNING
    assert "'718-7'" in f.message and "1 record(s) are not read" in f.message
    assert "concepts.toml" in f.hint and "[ignore] measurement" in f.hint


def test_an_unmapped_drug_concept_is_reported_once_per_concept(cdm_folder, tmp_path):
    folder = tmp_path / "drugs"
    folder.mkdir()
    for p in cdm_folder.glob("*.parquet"):
        frame = pd.read_parquet(p)
        if p.stem == "drug_exposure":  # two records of an unknown drug for person 1
            extra = frame[frame.person_id == 1].head(2).assign(drug_concept_id=1125315, drug_source_value="paracetamol")
            extra["drug_exposure_id"] = [10**6, 10**6 + 1]
            frame = pd.concat([frame, extra], ignore_index=True)
        frame.to_parquet(folder / p.name, index=False)
    notes = [n for n in read_omop(folder).notes if n.code == "OMOP_CONCEPT_UNMAPPED"]
    assert len(notes) == 1
    n = notes[0]
    assert (n.sheet, n.row, n.column, n.value) == ("drug_exposure", 10**6, "drug_concept_id", 1125315)
    assert "2 record(s)" in n.message and "paracetamol" in n.message and "[ignore] drug" in n.hint


def test_a_patient_without_observation_period_is_named_and_has_no_last_contact(flawed_folder):
    study, found = _findings(flawed_folder)
    f = found["OMOP_NO_OBSERVATION_PERIOD"]
    assert (f.file, f.sheet, f.row, f.column, f.value) == ("person.parquet", "person", 3, "person_id", 3)
    assert "SYN-0003" in f.message and "observation_period" in f.hint
    events = study.tables["events"]
    assert not ((events.patient_id == "SYN-0003") & (events.event_type == "last_contact")).any()


def test_a_duplicate_exposure_is_named_and_read_once(flawed_folder):
    exposures = pd.read_parquet(flawed_folder / "drug_exposure.parquet")
    duplicate = int(exposures.drug_exposure_id.max())  # the flaw appended last
    first = exposures[exposures.person_id == 2].iloc[0]
    study, found = _findings(flawed_folder)
    f = found["OMOP_EXPOSURE_DUPLICATE"]
    assert (f.file, f.sheet, f.row, f.column) == ("drug_exposure.parquet", "drug_exposure", duplicate,
                                                  "drug_exposure_start_date")
    assert f.value == pd.Timestamp(first.drug_exposure_start_date)
    assert f"only {int(first.drug_exposure_id)} is read" in f.message
    infusions = study.tables["infusions"]  # no overlap error: the twin was dropped
    assert not infusions.duplicated(["patient_id", "start_date"]).any()
    assert set(infusions[infusions.patient_id == "SYN-0002"].source_row) == set(
        exposures[(exposures.person_id == 2) & (exposures.drug_exposure_id != duplicate)
                  & exposures.drug_concept_id.gt(2e9)].drug_exposure_id)


def test_the_codes_are_registered_warnings_and_read_in_chinese(flawed_folder):
    assert {c: CODES[c][0] for c in CODES_PINNED} == dict.fromkeys(CODES_PINNED, Severity.WARNING)
    reset_missing()
    with language("zh"):
        raw = read_omop(flawed_folder)
        _, report = validate_study(raw, data_cutoff=CUTOFF)
        text = report.to_text()
    assert "观察期" in text and "概念映射" in text and "重复" in text
    assert missing_translations() == set()
