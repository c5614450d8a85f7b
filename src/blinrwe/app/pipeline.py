"""The whole study, one step at a time or in one call.

From Python::

    from blinrwe.app.pipeline import load_spec, load_study, derive, analyse, write_report

    spec = load_spec("study.toml")
    study, validation = load_study(spec)          # read + validate (raises InputDataError on errors)
    analysis_data = derive(study, spec)            # AnalysisData (ADSL, endpoints, AE worst grades...)
    results = analyse(analysis_data, spec, validation)   # StudyResults (ARD, curves, flows, methods)
    write_report(results, spec, "out/")           # report.html, report.docx, tables.xlsx, results.csv ...

or ``run_study(spec)`` for all of it into ``spec.report.output``, built in a
temporary folder beside the target and renamed into place only on success (a
failed run leaves no partial folder). The output folder rules (never the data's or
the specification's folder, never a folder blinrwe did not write) are
:mod:`blinrwe.app.output_folder`'s.

``data.path`` may also be an OMOP CDM (:mod:`blinrwe.app.data_source`). What is printed of
the validation shows a few findings of each code, ``findings.csv`` every one
(:mod:`blinrwe.app.findings_output`).

``derive`` runs in the engine of ``[data] engine`` (pandas, DuckDB or Spark; "auto" takes
DuckDB from :data:`blinrwe.engines.AUTO_DUCKDB_FROM` patients): :func:`engine_settings`
chooses it and says why, :func:`_derive` is the one place that hands the study to it.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

import pandas as pd

from blinrwe.analysis import AnalysisSettings, StudyResults, analyse_study
from blinrwe.analysis.settings import CostSettings
from blinrwe.analysis.results import FINDING_COLUMNS, empty_frame
from blinrwe.derive import DeriveSettings, derive_analysis_data
from blinrwe.derive import preset as derive_preset
from blinrwe import engines
from blinrwe.errors import InputDataError, SpecificationError, UserError
from blinrwe.intake.parquet_chunks import count_patients
from blinrwe.model.display import N_
from blinrwe.model.i18n import _, language
from blinrwe.validate.by_patient import StagedStudy

from .data_source import is_parquet_study, read_data, validate_command, validate_parquet_by_patient
from .findings_output import EXAMPLES_PER_CODE, FINDINGS_FILE, printed_findings, write_findings_csv
from .output_folder import replacing
from .spec import StudySpec, load_spec, resolved, write_spec
from .spec_fit import fit_to_data

__all__ = [
    "load_spec",
    "load_study",
    "derive_settings",
    "engine_settings",
    "derive",
    "analysis_settings",
    "analyse",
    "write_report",
    "run_study",
    "Progress",
]

OUTPUT_FILES = ("results.csv", "study.resolved.toml", "validation.txt")
#: Subtitle statement of every report on the generated cohort (``data.example = "synthetic"``).
SYNTHETIC_SUBTITLE = "SYNTHETIC DATA: a generated example cohort, not real patients"


class Progress:
    """Stage messages on stderr ("[blinrwe] derive ... 0.4 s"); never patient data."""

    def __init__(self, stream=None, enabled: bool = True):
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.times: dict[str, float] = {}

    def stage(self, name: str, fn: Callable, *args, **kwargs):
        if self.enabled:
            print(f"[blinrwe] {_(name)} ...", file=self.stream, flush=True)
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        self.times[name] = time.perf_counter() - start
        if self.enabled:
            done = _("{stage} done in {seconds} s").format(stage=_(name), seconds=f"{self.times[name]:.1f}")
            print(f"[blinrwe] {done}", file=self.stream, flush=True)
        return out

    def note(self, text: str) -> None:
        """One line about the run (e.g. the engine chosen and why)."""
        if self.enabled:
            print(f"[blinrwe] {text}", file=self.stream, flush=True)


# --- steps ------------------------------------------------------------------


def load_study(spec: StudySpec):
    """Read and validate the study data named by the specification.

    Returns ``(StudyData, validation)`` where ``validation`` is the
    ValidationReport (None for the bundled examples, which are generated typed).
    Raises :class:`InputDataError` listing every finding when the data have errors.
    """
    d = spec.data
    if d.example == "synthetic":
        from blinrwe.examples import synthetic_cohort

        kwargs = {"data_cutoff": d.cutoff} if d.cutoff else {}
        return synthetic_cohort(d.n, d.seed, **kwargs), None
    if d.example == "seed003":
        from blinrwe import examples

        if not hasattr(examples, "seed003_summary"):
            raise SpecificationError('data.example = "seed003" is not available in this version of blinrwe.')
        return examples.seed003_summary(), None
    path = spec.data_path()
    if path is None or not path.exists():
        raise SpecificationError(
            f'data.path = "{spec.data.path}" does not exist (looked for {path}); give an .xlsx workbook, a '
            "folder of CSV or Parquet files, or an OMOP CDM (a folder of CDM Parquet files or a DuckDB file), "
            "relative to the specification file."
        )
    from blinrwe.validate import validate_study

    if is_parquet_study(path) and engine_settings(spec, count_patients(path))[0].kind != "pandas":
        study, report = validate_parquet_by_patient(spec, _engine_settings(spec, "duckdb"))
    else:
        raw = read_data(spec, replace(_engine_settings(spec, "duckdb"), spark_master=""))
        study, report = validate_study(raw, data_cutoff=d.cutoff, partial_dates=d.partial_dates)
    if study is None or report.has_errors:
        text = f"{path.name}: the data have errors; fix them and run again.\n{printed_findings(report)}"
        if any(n > EXAMPLES_PER_CODE for n in report.codes().values()):
            text += "\n" + _("Every finding: {command}").format(command=validate_command(spec))
        raise InputDataError(text, report.findings)
    return study, report


def _validation_text(report) -> str:
    if report is None:
        return "No validation report: the data are a bundled example generated in typed form.\n"
    return printed_findings(report) + "\n"


def _findings_frame(report) -> pd.DataFrame:
    """Validation findings for the report's data-quality appendix (``ValidationReport.to_frame()``)."""
    if report is None:
        return empty_frame(FINDING_COLUMNS)
    return report.to_frame()


def derive_settings(spec: StudySpec) -> DeriveSettings:
    """The derivation settings of a specification: preset, then [definitions], endpoints, cut-off, AE window."""
    base = derive_preset(spec.endpoints.preset) if spec.endpoints.preset else DeriveSettings()
    endpoints = tuple(spec.endpoints.names)
    for e in spec.cox.endpoints:
        if e not in endpoints:
            endpoints += (e,)
    changes = dict(spec.definitions)
    changes.update(
        endpoints=endpoints,
        censoring_variants=tuple(spec.endpoints.variants),
        response_window_cycles=spec.response.window_cycles,
        ae_days_after_last_infusion=spec.safety.ae_window_days if spec.safety.ae_window == "days_after_last_infusion"
        else 0,
    )
    if spec.data.cutoff is not None:
        changes["data_cutoff"] = spec.data.cutoff
    return base.with_changes(**changes)


#: A memory size both DuckDB and Spark read: a whole number of MB or GB, e.g. "4GB", "512MB".
_MEMORY_SIZE = re.compile(r"\d+\s*(MB|GB)", re.IGNORECASE)


def require_java(kind: str) -> None:
    """Spark needs a Java runtime: without one, a user error that says how to get it."""
    if kind == "spark" and not engines.java_available():
        raise UserError(_("engine spark needs a Java runtime (Java 17 or later), and none was found on this "
                          "computer (no JAVA_HOME, no java on the PATH); install one (e.g. the OS package "
                          "openjdk-17-jre-headless) or set JAVA_HOME, or choose engine = \"duckdb\"."))


def engine_settings(spec: StudySpec, n_patients: int | None) -> tuple[engines.EngineSettings, str]:
    """The engine the derivations of ``spec`` run in for ``n_patients``, and why (in words)."""
    d = spec.data
    kind, reason = engines.choose_engine(d.engine, n_patients)
    require_java(kind)
    return _engine_settings(spec, kind), reason


def _engine_settings(spec: StudySpec, kind: str) -> engines.EngineSettings:
    """Engine ``kind`` opened with the specification's memory limit, threads, temp folder and Spark master."""
    d = spec.data
    if d.memory_limit and not _MEMORY_SIZE.fullmatch(d.memory_limit.strip()):
        raise SpecificationError(_('data.memory_limit = "{value}" is not a memory size; write a number and a unit, '
                                   'e.g. memory_limit = "4GB" or "512MB".').format(value=d.memory_limit))
    temp = d.temp_directory
    if temp and not Path(temp).expanduser().is_absolute():
        temp = str(spec.base_dir / temp)
    return engines.EngineSettings(kind=kind, memory_limit=d.memory_limit.replace(" ", "").upper() or None,
                                  threads=d.threads or None, temp_directory=temp or None,
                                  spark_master=d.spark_master)


def _derive(study, settings: DeriveSettings, engine: engines.EngineSettings):
    """AnalysisData of ``study`` derived in ``engine``: pandas here, DuckDB or Spark through Ibis."""
    if engine.kind == "pandas":
        return derive_analysis_data(study, settings)
    from blinrwe.derive.engine.analysis_data import derive_analysis_data as derive_in_engine

    with engines.engine_resources(engine):
        backend = engines.connect(engine)
        try:
            return derive_in_engine(study, settings, backend, temp_directory=engine.temp_directory)
        finally:
            if engine.kind == "duckdb":  # (Spark's session is the process's, shared)
                backend.disconnect()


def derive(study, spec: StudySpec, engine: engines.EngineSettings | None = None):
    """AnalysisData of the study under the specification's definitions, in ``engine``
    (default: the specification's ``[data] engine`` for the study's size)."""
    if engine is None:
        engine = engine_settings(spec, study.n_patients)[0]
    return _derive(study, derive_settings(spec), engine)


def analysis_settings(spec: StudySpec) -> AnalysisSettings:
    """What the analysis layer computes, from the specification."""
    s = spec
    window = ("during blinatumomab" if s.safety.ae_window == "during_blinatumomab"
              else f"from the first infusion to {s.safety.ae_window_days} days after the last")
    return AnalysisSettings(
        endpoints=tuple(s.endpoints.names),
        variants=tuple(s.endpoints.variants),
        subgroups=tuple(s.subgroups.variables),
        table1_by=s.subgroups.table1_by,
        table1_variables=tuple(s.subgroups.table1_variables),
        time_unit=s.survival.time_unit,
        landmarks=tuple(s.survival.landmarks),
        confidence_level=s.survival.confidence_level,
        ci_transform=s.survival.ci_transform,
        followup=s.survival.followup,
        response_confidence_level=s.response.confidence_level,
        cox_endpoints=tuple(s.cox.endpoints),
        cox_covariates=tuple(s.cox.covariates),
        cox_ties=s.cox.ties,
        cox_subgroups=None if s.cox.subgroups is None else tuple(s.cox.subgroups),
        analysis_set=s.endpoints.analysis_set,
        within=None if s.survival.within is None else tuple(
            tuple(part.strip() for part in item.split(" by ", 1)) for item in s.survival.within),
        ae_window=window,
        grading=s.safety.grading,
        postbaseline_method=s.postbaseline.method,
        postbaseline_landmarks=tuple(s.postbaseline.landmarks),
        cox_convergence=s.cox.convergence,
        cost=None if not s.cost.price_per_vial else CostSettings(
            price_per_vial=s.cost.price_per_vial, currency=s.cost.currency, wastage=s.cost.wastage, by=s.cost.by,
            confidence_level=s.cost.confidence_level, bootstrap_replicates=s.cost.bootstrap_replicates,
            bootstrap_seed=s.cost.bootstrap_seed),
        conventions_appendix=s.report.conventions_appendix,
        rmst_tau=s.survival.rmst_tau,
        logrank_rho={"standard": 0.0, "peto": 1.0}.get(s.survival.logrank, s.survival.logrank_rho),
        logrank_strata=tuple(s.survival.strata),
        trend=tuple(s.survival.trend),
        cox_strata=tuple(s.cox.strata),
        competing_covariates=None if s.cox.competing_covariates is None else tuple(s.cox.competing_covariates),
    )


def analyse(analysis_data, spec: StudySpec, validation=None) -> StudyResults:
    """StudyResults of the analysis data under the specification."""
    form = getattr(analysis_data, "form", "study")
    return analyse_study(analysis_data, analysis_settings(spec), form=form, findings=_findings_frame(validation),
                         synthetic=spec.is_synthetic, title=spec.study.title)


def report_context(spec: StudySpec):
    """The report layer's ReportContext built from the specification."""
    from blinrwe.report import ReportContext

    r = spec.report
    subtitle = spec.study.subtitle
    if spec.is_synthetic and "synthetic" not in subtitle.lower():  # said once, even if the subtitle says it too
        subtitle = (subtitle + " - " if subtitle else "") + _(SYNTHETIC_SUBTITLE)
    if spec.data.cutoff:
        subtitle = (subtitle + "; " if subtitle else "") + _("data cut-off {date}").format(date=spec.data.cutoff.isoformat())
    return ReportContext(
        title=spec.study.title,
        subtitle=subtitle,
        percent_decimals=r.percent_decimals,
        continuous_decimals=r.continuous_decimals,
        hr_decimals=r.hr_decimals,
        p_decimals=r.p_decimals,
        rounding=r.rounding,
        ci_level=int(round(spec.survival.confidence_level * 100)),
        ci_separator=r.ci_separator,
        time_unit=spec.survival.time_unit,
        landmarks=tuple(spec.survival.landmarks),
        show_se=r.show_se,
        ci_bands=r.ci_bands,
        group_labels=dict(spec.group_labels),
        variable_labels=dict(spec.variable_labels),
        swimmer_max_patients=r.swimmer_max_patients,
        figure_dpi=r.figure_dpi,
        show_patient_ids=r.show_patient_ids,
        min_cell=r.min_cell,
    )


def write_report(results: StudyResults, spec: StudySpec, out_dir, validation=None,
                 progress: Progress | None = None) -> Path:
    """Write every output of one run into ``out_dir`` (created if needed)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_spec(_resolved(spec), out / "study.resolved.toml")
    (out / "validation.txt").write_text(_validation_text(validation), encoding="utf-8")
    if validation is not None:  # every finding (validation.txt shows EXAMPLES_PER_CODE of each code)
        write_findings_csv(validation, out / FINDINGS_FILE)
    # results.csv is always written (OUTPUT_FILES), by the report layer (escaped, suppressed)
    formats = ["csv"] + [f for f in spec.report.formats if f != "csv"] + list(spec.report.figure_formats)
    from blinrwe.report import render_report

    run = (progress or Progress(enabled=False)).stage
    with language(spec.report.language):  # every table, figure and paragraph in the report's language
        run("render", render_report, results, report_context(spec), out, formats)
    return out


def _resolved(spec: StudySpec) -> StudySpec:
    """``resolved(spec)`` with the OMOP concept mapping's path made absolute too (the run can be repeated from
    the output folder)."""
    mapping = spec.omop_mapping_path()
    out = resolved(spec)
    return out if mapping is None else replace(out, data=replace(out.data, omop_mapping=str(mapping)))


def run_study(spec: StudySpec, out_dir=None, *, progress: Progress | None = None) -> Path:
    """Run the whole study into ``out_dir`` (default ``spec.report.output``); returns the folder.

    The outputs are built in a temporary folder beside the target and moved into place
    only when everything succeeded. The target must be new, empty or a folder blinrwe
    wrote; the data's and the specification's folders (and any folder holding them) are
    refused: see :mod:`blinrwe.app.output_folder`.
    """
    progress = progress or Progress()
    target = Path(out_dir) if out_dir is not None else spec.output_path()
    target = target.resolve()
    if out_dir is not None:
        spec = replace(spec, report=replace(spec.report, output=str(target)))
    require_java(spec.data.engine)  # before reading: Spark asked for on a computer without Java
    # the findings too are in the report's language (validation.txt, findings.csv, the data errors)
    with language(spec.report.language), replacing(target, _read_folders(spec)) as tmp:
        study, validation = progress.stage("read and validate", load_study, spec)
        try:  # a staged study: the engine chosen when it was read, from the same count (blank records too)
            staged = isinstance(study, StagedStudy)
            engine, reason = engine_settings(spec, count_patients(spec.data_path()) if staged else study.n_patients)
            progress.note(reason)
            data = progress.stage("derive", derive, study, spec, engine)
        finally:
            if staged:  # its Parquet files are in blinrwe's scratch folder
                study.close()
        spec, validation = fit_to_data(spec, data, validation)  # unusable variables: reported, never dropped silently
        if validation is not None and validation.warnings:
            progress.note(_("{count} warnings about the data or the specification: each is in {file}").format(
                count=len(validation.warnings), file=target / "validation.txt"))
        results = progress.stage("analyse", analyse, data, spec, validation)
        write_report(results, spec, tmp, validation, progress)
    return target


def _read_folders(spec: StudySpec) -> list[tuple[str, Path]]:
    """The folders a run reads from, which its output folder may neither be nor contain."""
    folders = []
    if spec.source:
        folders.append((N_("the folder of the study specification"), spec.base_dir))
    data = spec.data_path()
    if data is not None:
        folders.append((N_("the folder of the study data"), data if data.is_dir() else data.parent))
    return folders


def bundled_spec(name: str) -> Path:
    """Path of a bundled example specification ("example_study" or "seed003")."""
    from importlib import resources

    path = Path(str(resources.files("blinrwe.examples").joinpath("studies", f"{name}.toml")))
    if not path.is_file():
        raise UserError(f"bundled study {name!r} not found at {path}; reinstall blinrwe.")
    return path
