"""The pipeline end to end on a small synthetic cohort; atomic output folder."""

import csv
import io
import tomllib
from dataclasses import replace
from types import SimpleNamespace

import pandas as pd
import pytest

from blinrwe.analysis import ARD_COLUMNS
from blinrwe.app.pipeline import Progress, analyse, derive, load_spec, load_study, run_study, write_report
from blinrwe.errors import SpecificationError

SMALL = """
[study]
title = "Pipeline test"

[data]
example = "synthetic"
n = 60
seed = 3

[endpoints]
names = ["OS", "CIR"]

[subgroups]
variables = ["disease_setting"]

[survival]
landmarks = [12.0]

[cox]
covariates = ["age_at_t0", "disease_setting"]

[report]
formats = ["html", "docx", "xlsx", "csv"]
figure_formats = ["png"]
output = "out"
"""


@pytest.fixture
def spec_path(tmp_path):
    path = tmp_path / "study.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """One full run (every format rendered) shared by the tests of this module: rendering takes most of the time."""
    folder = tmp_path_factory.mktemp("rendered")
    path = folder / "study.toml"
    path.write_text(SMALL, encoding="utf-8")
    stream = io.StringIO()
    out = run_study(load_spec(path), progress=Progress(stream=stream))
    return SimpleNamespace(folder=folder, out=out, progress=stream.getvalue())


def test_steps_from_python(spec_path, tmp_path):
    spec = load_spec(spec_path)
    study, validation = load_study(spec)
    data = derive(study, spec)
    results = analyse(data, spec, validation)
    assert tuple(results.ard.columns) == ARD_COLUMNS
    assert results.synthetic and results.title == "Pipeline test"
    assert {"baseline", "response", "survival", "competing_risks", "cox"} <= set(results.ard.section)
    # CSV only: no rendering needed for this check
    csv_only = replace(spec, report=replace(spec.report, formats=("csv",), figure_formats=()))
    out = write_report(results, csv_only, tmp_path / "csv_only")
    assert sorted(p.name for p in out.iterdir()) == ["results.csv", "study.resolved.toml", "validation.txt"]
    with open(out / "results.csv", newline="") as fh:
        assert tuple(next(csv.reader(fh))) == ARD_COLUMNS


def test_run_writes_every_output(rendered):
    tmp_path, out = rendered.folder, rendered.out
    assert out == (tmp_path / "out").resolve()
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "report.docx", "tables.xlsx", "results.csv", "figures", "study.resolved.toml",
            "validation.txt"} <= names
    assert any(p.suffix == ".png" for p in (out / "figures").iterdir())
    resolved = tomllib.loads((out / "study.resolved.toml").read_text())
    assert resolved["report"]["output"] == str(out) and resolved["data"]["n"] == 60
    # the resolved specification reproduces the same results (rendering skipped: CSV only)
    again = load_spec(out / "study.resolved.toml")
    again = replace(again, report=replace(again.report, formats=("csv",), figure_formats=()))
    study, validation = load_study(again)
    second = write_report(analyse(derive(study, again), again, validation), again, tmp_path / "again")
    assert (second / "results.csv").read_text() == (out / "results.csv").read_text()
    assert "[blinrwe] analyse" in rendered.progress
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def test_results_csv_holds_the_forest_plot_rows(rendered):
    """The written ARD has the subgroup hazard ratios and the Cox reference rows the report draws from."""
    ard = pd.read_csv(rendered.out / "results.csv", keep_default_na=False, na_values=[""])
    forest = ard[ard.table == "cox_subgroups"]
    assert set(forest.variable) == {"OS"} and set(forest.group_var) == {"disease_setting"}
    assert {"hr", "cox_p"} <= set(forest.statistic)
    assert (ard[(ard.table == "cox_univariable") & (ard.note == "reference")].value == 1).all()


def test_failed_run_leaves_no_folder(spec_path, tmp_path):
    spec_path.write_text(SMALL.replace('variables = ["disease_setting"]', 'variables = ["no_such_column"]'))
    with pytest.raises(SpecificationError, match="no_such_column"):
        run_study(load_spec(spec_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml"]


def test_partial_date_rule_reaches_validation(tmp_path):
    """[data] partial_dates decides how a YYYY-MM date in the user's CSV folder is imputed."""
    from blinrwe.examples.synthetic import write_synthetic_study
    from blinrwe.app.spec import spec_from_dict

    folder = write_synthetic_study(tmp_path / "csv", n_patients=12, seed=2)
    patients = folder / "patients.csv"
    lines = patients.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("diagnosis_date")
    cells = lines[1].split(",")
    cells[col] = cells[col][:7]  # "YYYY-MM-DD" -> "YYYY-MM"
    lines[1] = ",".join(cells)
    patients.write_text("\n".join(lines) + "\n", encoding="utf-8")
    days = {}
    for rule in ("first", "last"):
        spec = spec_from_dict({"data": {"path": str(folder), "partial_dates": rule}})
        study, validation = load_study(spec)
        days[rule] = study.tables["patients"]["diagnosis_date"].iloc[0].day
        assert study.partial_dates == rule and study.tables["patients"]["diagnosis_date_imputed"].iloc[0]
    assert days["first"] == 1 and days["last"] >= 28


def test_a_parquet_folder_is_study_data_like_a_csv_folder(tmp_path):
    from blinrwe.app.spec import spec_from_dict
    from blinrwe.examples import synthetic_cohort
    from blinrwe.intake import write_study, write_study_parquet

    cohort = synthetic_cohort(25, seed=4)
    studies = []
    for folder in (write_study(cohort, tmp_path / "csv"),
                   write_study_parquet(cohort.tables, tmp_path / "parquet", cohort.form)):
        study, validation = load_study(spec_from_dict({"data": {"path": str(folder)}}))
        assert study.n_patients == 25 and not validation.has_errors
        studies.append(study)
    for name, frame in studies[0].tables.items():
        pd.testing.assert_frame_equal(studies[1].tables[name], frame)


def test_failed_rendering_leaves_no_folder_and_keeps_the_previous_one(spec_path, tmp_path):
    """The renderer rejects a format after results.csv was written: nothing partial remains, an old run stays."""
    spec = load_spec(spec_path)
    spec = replace(spec, data=replace(spec.data, n=20),
                   report=replace(spec.report, formats=("csv", "rtf"), figure_formats=()))  # built in code, unchecked
    quiet = Progress(enabled=False)
    with pytest.raises(SpecificationError, match="'rtf' not supported"):
        run_study(spec, progress=quiet)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml"]
    previous = run_study(replace(spec, report=replace(spec.report, formats=("csv",))), progress=quiet)
    before = {p.name: p.read_bytes() for p in previous.iterdir()}
    with pytest.raises(SpecificationError, match="'rtf' not supported"):
        run_study(spec, progress=quiet)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study.toml"]
    assert {p.name: p.read_bytes() for p in previous.iterdir()} == before


def test_rerun_replaces_a_folder_blinrwe_wrote_and_leaves_nothing_beside_it(spec_path, tmp_path):
    """The success path of a re-run: the new outputs replace the old ones; no .old-* or .partial-* folder,
    no lock file stays beside the output folder."""
    from blinrwe.app.output_folder import MARKER

    spec = load_spec(spec_path)
    spec = replace(spec, report=replace(spec.report, formats=("csv",), figure_formats=()))
    quiet = Progress(enabled=False)
    first = run_study(replace(spec, data=replace(spec.data, n=20)), progress=quiet)
    (first / "figures").mkdir()  # an earlier run's extra output, listed in its marker, must go
    (first / "figures" / "old.png").write_bytes(b"png")
    with open(first / MARKER, "a", encoding="utf-8") as marker:
        marker.write("figures/old.png\n")
    second = run_study(replace(spec, data=replace(spec.data, n=30)), progress=quiet)
    assert second == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study.toml"]
    assert sorted(p.name for p in second.iterdir()) == [MARKER, "results.csv", "study.resolved.toml",
                                                       "validation.txt"]
    assert tomllib.loads((second / "study.resolved.toml").read_text())["data"]["n"] == 30
    third = run_study(spec, progress=quiet)  # and again, from the folder the second run wrote
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "study.toml"]
    assert tomllib.loads((third / "study.resolved.toml").read_text())["data"]["n"] == 60


def test_synthetic_data_said_once_in_the_subtitle():
    """The demo subtitle is one statement that the data are synthetic, not two."""
    from blinrwe.app.pipeline import SYNTHETIC_SUBTITLE, bundled_spec, report_context

    demo = load_spec(bundled_spec("example_study"))
    subtitle = report_context(demo).subtitle
    assert subtitle == SYNTHETIC_SUBTITLE
    assert subtitle.lower().count("synthetic") == 1 and subtitle.lower().count("generated") == 1
    own = replace(demo, study=replace(demo.study, subtitle="Centre A, 2019-2023"))
    assert report_context(own).subtitle == f"Centre A, 2019-2023 - {SYNTHETIC_SUBTITLE}"
    says_it = replace(demo, study=replace(demo.study, subtitle="Synthetic cohort for training"))
    assert report_context(says_it).subtitle == "Synthetic cohort for training"


def test_methods_quote_the_definitions_actually_used(spec_path, tmp_path):
    """Changed [definitions] reach the method records and the methods paragraph (not the defaults)."""
    from blinrwe.app.pipeline import report_context
    from blinrwe.report.methods_text import methods_text

    changed = SMALL.replace('[subgroups]', '''[definitions]
mrd_threshold = 0.001
cr_blast_max_pct = 10.0
cr_blast_inclusive = false
response_window_days = 70
efs_failure_window_days = 56
efs_failure_time_days = 2
days_per_month = 30.0

[safety]
ae_window = "days_after_last_infusion"
ae_window_days = 14

[subgroups]''').replace('names = ["OS", "CIR"]', 'names = ["OS", "EFS", "CIR"]')
    path = tmp_path / "changed.toml"
    path.write_text(changed, encoding="utf-8")
    spec = load_spec(path)
    study, validation = load_study(spec)
    data = derive(study, spec)
    results = analyse(data, spec, validation)
    values = {}
    for v in results.methods["values"]:
        values.update(v)
    assert values["mrd_threshold"] == 0.001 and values["days_per_month"] == 30.0
    text = methods_text(results, report_context(spec))
    assert "MRD negativity is MRD below 10\u207b\u00b3" in text and "10\u207b\u2074" not in text and "1e-4" not in text
    assert "marrow blasts < 10%" in text
    # the EFS rule quotes its own window (efs_failure_window_days), not the best-response window
    assert "no CR/CRi within 56 days (patients not in CR at the first infusion; an event at day 2)" in text
    assert "without CR/CRi within 70 days" not in text
    assert "(1 month = 30 days)" in text and "30.4375" not in text
    assert "from the first infusion to 14 days after the last infusion day" in text
    default_spec = load_spec(spec_path)
    default = analyse(derive(study, default_spec), default_spec)
    default_text = methods_text(default, report_context(default_spec))
    assert "MRD below 10\u207b\u2074" in default_text and "marrow blasts \u2264 5%" in default_text


@pytest.mark.parametrize("test, rho", [("standard", 0.0), ("peto", 1.0), ("fh", 0.25)])
def test_issue_9_keys_reach_the_analysis_settings(tmp_path, test, rho):
    """[survival] rmst_tau, logrank (+ logrank_rho), strata, trend and [cox] strata,
    competing_covariates are declared once in spec_model and arrive in AnalysisSettings."""
    from blinrwe.app.pipeline import analysis_settings

    path = tmp_path / "study.toml"
    path.write_text(f'[data]\nexample = "synthetic"\n[survival]\nrmst_tau = 18\nlogrank = "{test}"\n'
                    'logrank_rho = 0.25\nstrata = ["intent"]\ntrend = ["disease_setting"]\n'
                    '[cox]\nstrata = ["intent"]\ncompeting_covariates = ["age_at_t0"]\n', encoding="utf-8")
    s = analysis_settings(load_spec(path))
    assert (s.rmst_tau, s.logrank_rho, s.logrank_strata, s.trend) == (18.0, rho, ("intent",), ("disease_setting",))
    assert (s.cox_strata, s.competing_covariates) == (("intent",), ("age_at_t0",))
    assert analysis_settings(load_spec(tmp_path / "study.toml")).competing_covariates is not None


# --- the engine the derivations run in (issue 10) -----------------------------

ENGINE_SPEC = '[data]\nexample = "synthetic"\nn = 40\nseed = 5\n'


def _engine_spec(tmp_path, extra=""):
    path = tmp_path / "study.toml"
    path.write_text(ENGINE_SPEC + extra, encoding="utf-8")
    return load_spec(path)


def test_auto_engine_is_pandas_for_a_clinic_and_duckdb_for_a_registry(tmp_path):
    from blinrwe.app.pipeline import engine_settings
    from blinrwe.engines import AUTO_DUCKDB_FROM

    spec = _engine_spec(tmp_path)
    assert spec.data.engine == "auto"
    small, why = engine_settings(spec, 40)
    assert small.kind == "pandas" and why == "engine pandas (automatic: a study that fits in memory)"
    large, why = engine_settings(spec, 1_200_000)
    assert large.kind == "duckdb" and "1,200,000 patients" in why and f"{AUTO_DUCKDB_FROM:,}" in why


def test_engine_keys_reach_the_engine_settings(tmp_path):
    from blinrwe.app.pipeline import engine_settings

    spec = _engine_spec(tmp_path, 'engine = "duckdb"\nmemory_limit = "4 GB"\nthreads = 2\ntemp_directory = "spill"\n'
                                  'spark_master = "spark://head:7077"\n')
    settings, why = engine_settings(spec, 40)
    assert why == "engine duckdb (as specified)"
    assert (settings.kind, settings.memory_limit, settings.threads) == ("duckdb", "4GB", 2)
    assert settings.temp_directory == str(tmp_path / "spill")  # relative to the specification's folder
    assert settings.spark_master == "spark://head:7077"
    defaults, _ = engine_settings(_engine_spec(tmp_path, 'engine = "duckdb"\n'), 40)
    assert (defaults.memory_limit, defaults.threads, defaults.temp_directory) == (None, None, None)


def test_a_memory_limit_that_is_not_a_size_is_a_specification_error(tmp_path):
    from blinrwe.app.pipeline import engine_settings

    for value in ("lots", "1.5GB", "4 GiB"):
        with pytest.raises(SpecificationError, match=f'data.memory_limit = "{value}" is not a memory size'):
            engine_settings(_engine_spec(tmp_path, f'engine = "duckdb"\nmemory_limit = "{value}"\n'), 40)
    assert engine_settings(_engine_spec(tmp_path, 'memory_limit = "512mb"\n'), 40)[0].memory_limit == "512MB"


def test_spark_without_java_is_a_user_error_before_any_data_is_read(tmp_path, monkeypatch):
    from blinrwe import engines
    from blinrwe.errors import UserError

    monkeypatch.setattr(engines, "java_available", lambda: False)
    spec = _engine_spec(tmp_path, 'engine = "spark"\n')
    with pytest.raises(UserError, match="engine spark needs a Java runtime"):
        run_study(spec, progress=Progress(enabled=False))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study.toml"]


def test_the_run_says_which_engine_it_used_and_why(rendered):
    assert "[blinrwe] engine pandas (automatic: a study that fits in memory)" in rendered.progress
    assert rendered.progress.index("engine pandas") < rendered.progress.index("[blinrwe] derive ...")


def test_pandas_engine_is_the_pandas_derivation(tmp_path):
    from blinrwe.app.pipeline import _derive, derive_settings
    from blinrwe.derive import derive_analysis_data
    from blinrwe.engines import EngineSettings

    spec = _engine_spec(tmp_path, 'engine = "pandas"\n')
    study, _ = load_study(spec)
    data = _derive(study, derive_settings(spec), EngineSettings(kind="pandas"))
    _assert_same_analysis_data(data, derive_analysis_data(study, derive_settings(spec)))


def _assert_same_analysis_data(got, want):
    for name in ("adsl", "responses", "tte", "adverse_events", "therapy_paths", "attrition", "exposure_cycles"):
        pd.testing.assert_frame_equal(getattr(got, name).reset_index(drop=True),
                                      getattr(want, name).reset_index(drop=True), check_dtype=False, obj=name)
    assert (got.form, got.unavailable) == (want.form, want.unavailable)


@pytest.mark.parametrize("kind", ["duckdb"])  # Spark: the run test below
def test_duckdb_and_spark_engines_derive_what_pandas_derives(tmp_path, kind):
    from blinrwe.engines import EngineSettings

    spec = _engine_spec(tmp_path)
    study, _ = load_study(spec)
    pandas_data = derive(study, spec, EngineSettings(kind="pandas"))
    _assert_same_analysis_data(derive(study, spec, EngineSettings(kind=kind, threads=2)), pandas_data)


def test_one_study_run_on_every_engine_gives_the_same_results_table(tmp_path):
    """The engine-equivalence test of issue 10: pandas, DuckDB and Spark write the same long results
    table (results.csv, every statistic of the report) for one synthetic study, row for row. The study
    is a Parquet folder: with an engine it is validated by patient and staged, and the engine reads it."""
    from blinrwe.engines import java_available

    from blinrwe.examples import synthetic_cohort
    from blinrwe.intake import write_study_parquet

    cohort = synthetic_cohort(40, 5)
    write_study_parquet(cohort.tables, tmp_path / "study", cohort.form)
    path = tmp_path / "study.toml"  # pandas reads the folder whole; an engine by patient, 15 at a time
    path.write_text('[data]\npath = "study"\nchunk_patients = 15\ntemp_directory = "scratch"\n'
                    '[report]\nformats = ["csv"]\nfigure_formats = []\n', encoding="utf-8")
    spec = load_spec(path)
    by_pandas = run_study(replace(spec, data=replace(spec.data, engine="pandas")), tmp_path / "pandas",
                          progress=Progress(enabled=False))
    def results(folder):
        """results.csv with its number columns as numbers (empty cells missing), the rest as text."""
        table = pd.read_csv(folder / "results.csv", dtype=str, keep_default_na=False)
        for column in ("value", "lower", "upper", "n", "denominator", "time"):
            table[column] = pd.to_numeric(table[column].replace("", None))
        return table

    want = results(by_pandas)
    for kind in ("duckdb", "spark") if java_available() else ("duckdb",):
        stream = io.StringIO()
        out = run_study(replace(spec, data=replace(spec.data, engine=kind)), tmp_path / kind,
                        progress=Progress(stream=stream))
        assert f"[blinrwe] engine {kind} (as specified)" in stream.getvalue()
        # every row, label and number the same, to the last digit
        pd.testing.assert_frame_equal(results(out), want, check_exact=True, obj=kind)
        assert not any((tmp_path / "scratch").iterdir())  # the split and staged tables are gone


def test_the_duckdb_settings_of_the_specification_reach_duckdb(tmp_path):
    """memory_limit, threads and temp_directory open DuckDB as the specification says (what _derive connects)."""
    from blinrwe.app.pipeline import engine_settings
    from blinrwe.engines import connect

    spec = _engine_spec(tmp_path, 'engine = "duckdb"\nmemory_limit = "1GB"\nthreads = 1\ntemp_directory = "spill"\n')
    backend = connect(engine_settings(spec, 40)[0])
    try:
        settings = {name: backend.raw_sql(f"SELECT current_setting('{name}')").fetchone()[0]
                    for name in ("memory_limit", "threads", "temp_directory")}
    finally:
        backend.disconnect()
    assert settings["threads"] == 1 and settings["temp_directory"] == str(tmp_path / "spill")
    assert settings["memory_limit"] == "953.6 MiB"  # 1 GB = 10^9 bytes, shown in MiB


def test_progress_lines_are_in_the_report_language():
    """A Chinese run's stage lines are Chinese (the timings keyed by the English stage name, for benchmarks)."""
    from blinrwe.model.i18n import language, missing_translations, reset_missing

    stream = io.StringIO()
    progress = Progress(stream=stream)
    reset_missing()
    with language("zh"):
        for stage in ("read and validate", "derive", "analyse", "render"):
            progress.stage(stage, lambda: None)
    assert not missing_translations()
    assert "[blinrwe] 统计分析 ..." in stream.getvalue() and "统计分析完成，用时 0.0 秒" in stream.getvalue()
    assert set(progress.times) == {"read and validate", "derive", "analyse", "render"}
