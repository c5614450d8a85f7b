"""data.path as an OMOP CDM: a study run on a synthetic CDM gives the same results as its workbook."""

import datetime as dt

import pandas as pd
import pytest

from blinrwe.app.cli import main
from blinrwe.app.data_source import is_omop_source, validate_command
from blinrwe.app.pipeline import load_spec
from blinrwe.examples import synthetic_cohort
from blinrwe.examples.omop import omop_view, write_synthetic_omop
from blinrwe.intake import write_study

N_PATIENTS, SEED = 60, 3
CUTOFF = dt.date(2024, 4, 30)
SPEC = '[data]\npath = "{path}"\ncutoff = 2024-04-30\n{extra}\n[report]\nformats = ["csv"]\noutput = "{out}"\n'


def spec_file(folder, name, path, out, extra=""):
    spec = folder / name
    spec.write_text(SPEC.format(path=path, out=out, extra=extra), encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """(folder, OMOP run's output, workbook run's output) of the same synthetic cohort."""
    folder = tmp_path_factory.mktemp("omop_run")
    write_synthetic_omop(folder / "cdm", N_PATIENTS, SEED, CUTOFF, duckdb_file="cdm.duckdb")
    write_study(omop_view(synthetic_cohort(N_PATIENTS, SEED, CUTOFF)), folder / "study.xlsx")
    assert main(["template", "--omop-mapping", str(folder / "my_concepts.toml")]) == 0
    omop = spec_file(folder, "omop.toml", "cdm", "out_omop", 'omop_mapping = "my_concepts.toml"')
    workbook = spec_file(folder, "workbook.toml", "study.xlsx", "out_workbook")
    assert main(["--quiet", "run", str(omop)]) == 0
    assert main(["--quiet", "run", str(workbook)]) == 0
    return folder, folder / "out_omop", folder / "out_workbook"


def test_the_omop_run_gives_the_workbook_runs_results(runs):
    folder, omop, workbook = runs
    a, b = (pd.read_csv(out / "results.csv", keep_default_na=False) for out in (omop, workbook))
    cr = (a.section == "response") & (a.variable == "CR") & (a.statistic == "proportion") & (a.group == "Overall")
    os12 = (a.variable == "OS") & (a.statistic == "km_rate") & (a.group == "Overall") & (a.variant == "none")
    assert cr.sum() >= 1 and os12.sum() >= 1
    assert a[cr | os12].value.astype(float).between(0, 1).all()
    pd.testing.assert_frame_equal(a, b)  # every ARD row, OS rates and CR rates among them


def test_the_resolved_spec_names_the_mapping_absolutely_and_the_findings_say_where(runs):
    folder, omop, _ = runs
    spec = load_spec(omop / "study.resolved.toml")
    assert spec.data_path() == folder / "cdm" and spec.omop_mapping_path() == folder / "my_concepts.toml"
    findings = pd.read_csv(omop / "findings.csv", keep_default_na=False)
    assert "TABLE_ABSENT" in set(findings.code)  # adverse events: OMOP holds no grades


def test_a_duckdb_file_is_read_as_omop_too(runs, capsys):
    folder = runs[0]
    assert is_omop_source(folder / "cdm") and is_omop_source(folder / "cdm" / "cdm.duckdb")
    assert not is_omop_source(folder / "study.xlsx")
    spec = spec_file(folder, "duck.toml", "cdm/cdm.duckdb", "out_duck")
    assert validate_command(load_spec(spec)) == f"blinrwe validate --all-findings --omop {folder / 'cdm' / 'cdm.duckdb'}"
    assert main(["--quiet", "run", str(spec)]) == 0
    assert (folder / "out_duck" / "results.csv").read_text() == (folder / "out_workbook" / "results.csv").read_text()


def test_omop_keys_on_a_workbook_or_a_missing_mapping_are_specification_errors(runs, capsys):
    folder = runs[0]
    wrong = spec_file(folder, "wrong.toml", "study.xlsx", "out_wrong", 'omop_schema = "cdm"')
    assert main(["run", str(wrong)]) == 4
    assert "data.omop_mapping and data.omop_schema apply to an OMOP CDM" in capsys.readouterr().err
    missing = spec_file(folder, "missing.toml", "cdm", "out_missing", 'omop_mapping = "absent.toml"')
    assert main(["run", str(missing)]) == 4
    err = capsys.readouterr().err
    assert 'data.omop_mapping = "absent.toml" does not exist' in err and "Traceback" not in err


def test_a_broken_mapping_is_a_user_error_naming_the_file_and_key(runs, capsys):
    folder = runs[0]
    broken = folder / "broken.toml"
    broken.write_text((folder / "my_concepts.toml").read_text().replace("[blinatumomab]", "[blinatumomab_x]"))
    spec = spec_file(folder, "broken_spec.toml", "cdm", "out_broken", 'omop_mapping = "broken.toml"')
    assert main(["run", str(spec)]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "'blinatumomab'" in err and "Traceback" not in err
    bad_toml = folder / "bad.toml"
    bad_toml.write_text("[measurement]\nanc = = 1\n[condition]\n", encoding="utf-8")
    assert main(["validate", "--omop", str(folder / "cdm"), "--omop-mapping", str(bad_toml)]) == 2
    err = capsys.readouterr().err
    assert str(bad_toml) in err and "line 2" in err and "Traceback" not in err


def test_validate_omop_names_the_three_omop_findings_by_table_row_and_column(tmp_path, capsys):
    flawed = write_synthetic_omop(tmp_path / "flawed", N_PATIENTS, SEED, CUTOFF, flaws=True)
    assert main(["validate", "--omop", str(flawed)]) == 0  # warnings only
    out = capsys.readouterr().out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("WARNING OMOP_")}
    assert set(lines) == {"OMOP_CONCEPT_UNMAPPED", "OMOP_EXPOSURE_DUPLICATE", "OMOP_NO_OBSERVATION_PERIOD"}
    assert "measurement.parquet, sheet 'measurement', row " in lines["OMOP_CONCEPT_UNMAPPED"]
    assert "column 'measurement_concept_id'" in lines["OMOP_CONCEPT_UNMAPPED"]
    assert "sheet 'drug_exposure'" in lines["OMOP_EXPOSURE_DUPLICATE"]
    assert "column 'drug_exposure_start_date'" in lines["OMOP_EXPOSURE_DUPLICATE"]
    assert "sheet 'person', row 3, column 'person_id'" in lines["OMOP_NO_OBSERVATION_PERIOD"]


def test_template_writes_the_shipped_mapping_once(tmp_path, capsys):
    from blinrwe.intake.omop import DEFAULT_MAPPING

    target = tmp_path / "my_concepts.toml"
    assert main(["template", "--omop-mapping", str(target)]) == 0
    assert target.read_bytes() == DEFAULT_MAPPING.read_bytes()
    target.write_text("# edited\n", encoding="utf-8")
    assert main(["template", "--omop-mapping", str(target)]) == 2
    assert "already exists" in capsys.readouterr().err and target.read_text() == "# edited\n"
    assert main(["validate", str(tmp_path), "--omop-mapping", str(target)]) == 2
    assert "go with --omop" in capsys.readouterr().err


def test_a_parquet_folder_with_errors_on_an_engine_names_each_finding_and_leaves_no_scratch(tmp_path, capsys):
    """Validated by patient (DuckDB): the run stops with the findings (file, row, column, value), as the
    whole-folder read gives them, and removes its split and staged tables."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from blinrwe.app.data_source import is_parquet_study
    from blinrwe.intake import write_study_parquet

    cohort = synthetic_cohort(30, SEED, CUTOFF)
    folder = write_study_parquet(cohort.tables, tmp_path / "study", cohort.form)
    patients = pq.read_table(folder / "patients.parquet")
    sex = patients.column("sex").to_pylist()
    sex[4] = "female"
    pq.write_table(patients.set_column(patients.column_names.index("sex"), "sex", pa.array(sex)),
                   folder / "patients.parquet")
    assert is_parquet_study(folder) and not is_omop_source(folder)
    spec = spec_file(tmp_path, "study.toml", "study", "out",
                     'engine = "duckdb"\nchunk_patients = 7\ntemp_directory = "scratch"')
    assert main(["run", str(spec)]) == 3  # the data have errors
    err = capsys.readouterr().err
    assert "patients.parquet" in err and "row 6" in err and "sex" in err and "'female'" in err
    assert "Traceback" not in err and not any((tmp_path / "scratch").iterdir())
    assert not (tmp_path / "out").exists()


def test_auto_chooses_the_same_engine_before_and_after_a_folder_is_validated_by_patient(tmp_path, monkeypatch):
    """The footers count a blank record as a patient and validation does not; at the threshold of the
    automatic choice the staged study still goes to the engine that staged it (not to pandas)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from blinrwe import engines
    from blinrwe.intake import write_study_parquet

    cohort = synthetic_cohort(30, SEED, CUTOFF)
    folder = write_study_parquet(cohort.tables, tmp_path / "study", cohort.form)
    patients = pq.read_table(folder / "patients.parquet")
    blank = pa.table({c: pa.nulls(1, patients.schema.field(c).type) for c in patients.column_names})
    pq.write_table(pa.concat_tables([patients, blank]), folder / "patients.parquet")
    monkeypatch.setattr(engines, "AUTO_DUCKDB_FROM", 31)
    spec = spec_file(tmp_path, "study.toml", "study", "out", 'chunk_patients = 10')
    assert main(["--quiet", "run", str(spec)]) == 0
    assert (tmp_path / "out" / "results.csv").is_file()


def test_an_omop_cdm_read_over_duckdbs_memory_limit_is_a_clear_user_error(runs, capsys):
    """The CDM is read through DuckDB under the specification's limit: over it, the run stops with a message
    naming the setting, not a traceback, and writes no output folder."""
    folder = runs[0]
    spec = spec_file(folder, "tight.toml", "cdm", "out_tight", 'memory_limit = "2MB"\nthreads = 1')
    assert main(["--quiet", "run", str(spec)]) == 2
    assert "DuckDB needed more memory than its memory limit (2MB)" in capsys.readouterr().err
    assert not (folder / "out_tight").exists()
