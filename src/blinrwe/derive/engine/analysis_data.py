"""StudyData + DeriveSettings -> AnalysisData, every derivation run in an engine (DuckDB or Spark).

The same steps, in the same order, as the pandas :func:`blinrwe.derive.derive_analysis_data`
(the reference), each one the engine module of the same name. The study tables go into the
engine once; the seven analysis datasets come back as pandas frames with the reference's
columns, dtypes and row order, so the analysis layer cannot tell which engine derived them
(tests/derive/engine/test_analysis_data.py runs one study through pandas, DuckDB and Spark and
compares the analysis results row for row).

The derived tables have no schema declared apart from the pandas code that builds them, so
their dtypes come from the pandas derivation itself, run once on a small synthetic study with
the same settings (:func:`reference_types`).
"""

from __future__ import annotations

import shutil

import ibis
import ibis.expr.operations as ops
import numpy as np
import pandas as pd

from blinrwe.engines import free_memory
from blinrwe.scratch import scratch_folder
from blinrwe.validate.by_patient import StagedStudy

from .. import analysis_data as reference
from ..absent_tables import undetermined_sets, unavailable_without
from ..attrition import analysis_set_names, patient_flow
from ..exposure import reversed_segment
from ..settings import DeriveSettings
from ..study_tables import study_form, study_tables
from . import attrition, body_surface, drug_use, endpoints, exposure, outcomes, response, safety, setting
from . import therapy_paths
from .frames import as_dtype, read_parquet_frame, to_engine, to_frame

#: AnalysisData field -> the columns its rows are in order of, as the pandas derivation gives them
#: (engines give rows in no order); ``endpoint`` and ``variant`` in declared order. Not ``attrition``:
#: the patient flow's few rows are counted in the engine and laid out by ``attrition.patient_flow``
ROW_ORDER = {
    "adsl": ("patient_id",),
    "responses": ("patient_id", "assessment_date"),
    "tte": ("endpoint", "variant", "patient_id"),  # sorted in this process (``endpoints.decode_tte``)
    "adverse_events": ("patient_id", "term"),
    "therapy_paths": ("patient_id",),
    "exposure_cycles": ("patient_id", "cycle_number"),
}
_REFERENCE_TYPES: dict[str, dict[str, pd.DataFrame]] = {}
#: the key of :func:`derive_expressions` holding the patients in order the coded ``tte`` refers to
TTE_PATIENTS = "tte_patients"
DATASETS = ("adsl", "responses", "tte", "adverse_events", "therapy_paths", "attrition", "exposure_cycles")


def _join_on_patient(base: ibis.Table, parts) -> ibis.Table:
    """Left-join each per-patient part to ``base`` on ``patient_id`` (pandas: ``keys.join_on_patient``)."""
    for part in parts:
        base = base.left_join(part, "patient_id").drop("patient_id_right")
    return base


def _age_at_t0(patients: ibis.Table, exposure_: ibis.Table) -> ibis.Table:
    """Recorded ``age_at_t0`` wins; else (T0 - birth date) / 365.25 years (pandas: ``_age_at_t0``)."""
    p = patients.select("patient_id", "birth_date", "age_at_t0").left_join(
        exposure_.select("patient_id", "t0_date"), "patient_id").drop("patient_id_right")
    days = (p.t0_date.epoch_seconds() - p.birth_date.epoch_seconds()) / 86_400
    return p.select("patient_id", age_at_t0=p.age_at_t0.cast("float64").fill_null(days / 365.25))


def derive_expressions(tables: dict[str, ibis.Table], settings: DeriveSettings,
                       keep=lambda table: table, undetermined: dict[str, str] | None = None) -> dict[str, ibis.Table]:
    """The seven analysis datasets as Ibis expressions over the study tables ``tables``
    (``undetermined``: the analysis sets whose patients cannot be told, as in ``derive_attrition``);
    ``attrition`` is the attrition log counted (``attrition.count_attrition``: a few rows per analysis
    set), which ``attrition.patient_flow`` lays out once it is read; ``tte`` is coded
    (``endpoints.derive_coded_endpoints``), decoded with the patients of ``TTE_PATIENTS``
    (``endpoints.decode_tte``) once it is read.

    ``keep`` is applied to each step's result before later steps read it; ``Table.cache``
    materialises it in the engine, so each query is one step deep instead of the whole
    derivation (Spark's planner takes minutes over the nested plan) and a step read by several
    later ones (the ADSL) is computed once.
    """
    s, t = settings, tables
    patients = t["patients"]
    bsa = keep(body_surface.derive_bsa(patients, s.bsa_formula))
    exposure_, cycles = exposure.derive_exposure(patients, t["infusions"], bsa, s, keep)
    exposure_ = keep(exposure_)
    use, cycles = drug_use.derive_drug_use(patients, t["infusions"], bsa, cycles, s)
    use, cycles = keep(use), keep(cycles)
    setting_ = keep(setting.derive_setting(patients, s))
    paths = keep(therapy_paths.derive_therapy_paths(patients, t["therapies"]))
    t0 = exposure_.select("patient_id", "t0_date")
    windows = keep(response.derive_windows(t0, cycles, paths, s))
    responses = keep(response.derive_responses(t["assessments"], windows, s))
    base = t0.inner_join(setting_.select("patient_id", "in_cr_at_t0", "mrd_status_at_t0"), "patient_id")
    best = keep(response.derive_best_response(responses, base, s))
    ae = keep(safety.derive_adverse_events(t["adverse_events"], exposure_, s))
    ae_flags = keep(safety.derive_ae_flags(ae, patients))
    outcome = keep(outcomes.derive_outcomes(patients, t["events"], exposure_, s))

    adsl = patients.select("patient_id", *reference.BASELINE_COLUMNS)
    adsl = _join_on_patient(adsl, (_age_at_t0(patients, exposure_), bsa, setting_, exposure_, use, best, paths,
                                   ae_flags, outcome))
    adsl = adsl.mutate(treated=adsl.t0_date.notnull())
    adsl = keep(adsl.mutate(**response.response_population_columns(adsl, s)))  # the ADSL held once, not twice
    dates = endpoints.derive_patient_dates(adsl, t["events"], t["assessments"], t["therapies"], s)
    ids = patients.select("patient_id")  # the patient dates' patients are the ADSL's: the study's
    order = keep(endpoints.patient_order(ids))
    tte, excluded = endpoints.derive_coded_endpoints(dates, s, ids, order, keep)
    excluded = keep(excluded)
    attrition_ = attrition.count_attrition(
        attrition.derive_attrition(adsl, excluded, s.endpoints, form="study", undetermined=undetermined))
    return {"adsl": adsl, "responses": responses, "tte": tte, "adverse_events": ae, "therapy_paths": paths,
            "attrition": attrition_, "exposure_cycles": cycles, TTE_PATIENTS: order}


def reference_types(settings: DeriveSettings) -> dict[str, pd.DataFrame]:
    """Zero-row frames with the columns and dtypes the pandas derivation gives under ``settings``.

    Taken from the pandas derivation of a small synthetic study that exercises every column
    (the bundled example's generator), so there is one definition of each table: the pandas code.
    """
    key = repr(settings)  # settings hold dicts: not hashable
    if key not in _REFERENCE_TYPES:
        from blinrwe.examples import synthetic_cohort

        derived = reference.derive_analysis_data(synthetic_cohort(60, 3), settings)
        _REFERENCE_TYPES[key] = {name: getattr(derived, name).iloc[:0] for name in DATASETS}
    return _REFERENCE_TYPES[key]


def _as_reference(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (``like``'s columns, in order) with ``like``'s dtypes, converted column by column in
    place; a whole-number column the data leave with gaps becomes float, as pandas makes it."""
    for name in like.columns:
        values, dtype = frame[name], like[name].dtype
        if isinstance(dtype, np.dtype) and dtype.kind in "iu" and values.isna().any():
            dtype = np.dtype("float64")
        if values.dtype != dtype:
            frame[name] = as_dtype(values, dtype)
    return frame


def _reference_order(expr: ibis.Table, name: str, settings: DeriveSettings) -> list:
    """The sort keys of ``ROW_ORDER[name]`` on ``expr``: declared columns by their declared position."""
    declared = {"endpoint": settings.endpoints, "variant": settings.censoring_variants}
    keys = []
    for column in ROW_ORDER[name]:
        value = expr[column]
        if column in declared:
            value = ibis.cases(*((value == v, i) for i, v in enumerate(declared[column])), else_=len(declared[column]))
        keys.append(ibis.asc(value, nulls_first=False))  # pandas sorts missing last
    return keys


def _study_in_engine(study, backend) -> dict[str, ibis.Table]:
    """The study's tables as engine tables: a staged study's Parquet files read by the engine itself
    (never through Python), an in-memory study's frames uploaded."""
    if isinstance(study, StagedStudy):
        return {name: backend.read_parquet(study.path(name)).select(*columns) for name, columns in study.columns.items()}
    return {name: to_engine(frame) for name, frame in study_tables(study).items()}


def _release(backend, table) -> None:
    """Drop a step's table (``keep`` below): a Spark view's name or a DuckDB cached table."""
    if isinstance(table, str):
        backend._session.catalog.dropTempView(table)
    else:
        table.release()


def _release_unread(backend, held: list, expressions) -> None:
    """Drop the step tables in ``held`` that none of ``expressions`` (the datasets still to be written)
    reads: at 1e6 patients the steps held 4 GB (patient-days, two ADSLs) and spilled them under the
    memory limit while the endpoints query ran (and DuckDB ran out of memory in one run in three)."""
    read = {node.name for e in expressions for node in e.op().find(ops.PhysicalTable)}
    for table in list(held):
        if (table if isinstance(table, str) else table.op().name) not in read:
            _release(backend, table)
            held.remove(table)


def derive_analysis_data(study, settings: DeriveSettings | None = None, backend=None,
                         temp_directory: str | None = None):
    """Derive every analysis dataset from ``study`` in the engine ``backend`` (an Ibis backend from
    :func:`blinrwe.engines.connect`); the same AnalysisData as the pandas derivation.

    DuckDB writes the datasets as Parquet files into a scratch folder of ``temp_directory`` (default
    the system's), frees its memory, and only then are they read into this process: the engine's
    memory and the datasets' are never held at once (a registry's peak). Spark's come back as Arrow.
    The patient flow (``attrition``) is counted in the engine and only its counts come back (a few rows
    per analysis set; the attrition log of one row per set x patient never leaves the engine).

    The summary form (no dates, a few rows per study) has nothing to gain from an engine and is
    derived by pandas.
    """
    settings = settings or DeriveSettings()
    study_cutoff = getattr(study, "data_cutoff", None)
    if settings.data_cutoff is None and study_cutoff is not None:
        settings = settings.with_changes(data_cutoff=study_cutoff)
    if study_form(study) == "summary" or backend is None:
        return reference.derive_analysis_data(study, settings)
    tables = _study_in_engine(study, backend)
    reversed_ = to_frame(backend, exposure.invalid_segments(tables["infusions"]).order_by("source_row").limit(1))
    if len(reversed_):
        raise reversed_segment(reversed_.iloc[0])
    held = []  # each step's table stays in the engine until every dataset is read back

    def keep(table: ibis.Table) -> ibis.Table:
        # each step computed once and read by later steps as a table, so that each query is one
        # step deep (Spark's planner takes minutes, and its driver's heap, over the nested plan)
        backend._run_pre_execute_hooks(table)  # registers the in-memory study tables
        if backend.name == "pyspark":
            # a local checkpoint cuts the plan's lineage (Spark's cache() keeps the whole plan)
            name = f"blinrwe_step_{len(held)}_{id(held)}"
            backend._session.sql(backend.compile(table)).localCheckpoint().createOrReplaceTempView(name)
            held.append(name)
            return backend.table(name)
        # what Table.cache() does, on this backend (for a plan over in-memory tables only,
        # Table.cache() would pick Ibis's default backend instead of ``backend``)
        held.append(backend._cached_table(table))
        return held[-1]

    unavailable = unavailable_without(getattr(study, "absent", ()), settings.endpoints, settings.censoring_variants)
    undetermined = undetermined_sets(unavailable, settings.endpoints)
    types = reference_types(settings.with_changes(data_cutoff=None))
    out, read, scratch = {}, {}, None
    try:
        try:  # a step that fails partway leaves none of the cached steps behind
            expressions = derive_expressions(tables, settings, keep=keep, undetermined=undetermined)
            if backend.name == "duckdb":
                scratch = scratch_folder("derived", temp_directory)
            for k, name in enumerate(DATASETS):
                pending = [expressions[later] for later in DATASETS[k:]]
                _release_unread(backend, held, pending + [expressions[TTE_PATIENTS]] * ("tte" in DATASETS[k:]))
                expr = expressions[name]
                if name == "attrition":  # the patient flow: its counts come back, never the patients
                    flow = patient_flow(to_frame(backend, expr), analysis_set_names(settings.endpoints), undetermined)
                    out[name] = _as_reference(flow, types[name])
                    continue
                if name == "tte":  # coded, rows in no order: written with the patients it refers to
                    results = {name: expr, TTE_PATIENTS: expressions[TTE_PATIENTS]}
                else:
                    results = {name: expr.order_by(_reference_order(expr, name, settings))
                               .select(*types[name].columns)}
                for file, table in results.items():
                    if scratch is None:
                        read[file] = to_frame(backend, table)
                    else:
                        backend.to_parquet(table, scratch / f"{file}.parquet")
        finally:
            for table in held:
                _release(backend, table)
        if scratch is not None:
            free_memory(backend)

        def result(file: str, columns=None) -> pd.DataFrame:
            return read.pop(file) if scratch is None else read_parquet_frame(scratch / f"{file}.parquet", columns)

        for name in (name for name in DATASETS if name not in out):  # the patient flow is read already
            if name == "tte":
                frame = endpoints.decode_tte(result(name), result(TTE_PATIENTS), settings)
                frame = frame if list(frame.columns) == list(types[name].columns) else frame[list(types[name].columns)]
            else:
                frame = result(name, types[name].columns)
            out[name] = _as_reference(frame, types[name])
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return reference.AnalysisData(**out, settings=settings, form="study", unavailable=unavailable)
