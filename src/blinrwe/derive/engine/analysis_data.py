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
import pyarrow as pa

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
from .frames import arrow_to_frame, as_dtype, read_parquet_table, to_engine, to_frame

#: AnalysisData field -> the columns its rows are in order of, as the pandas derivation gives them
#: (engines give rows in no order); ``endpoint`` and ``variant`` in declared order. Not ``attrition``:
#: the patient flow's few rows are counted in the engine and laid out by ``attrition.patient_flow``
ROW_ORDER = {
    "adsl": ("patient_id",),  # put in order in this process, by ``PATIENT_ORDER`` (``_in_patient_order``)
    "responses": ("patient_id", "assessment_date"),
    "tte": ("endpoint", "variant", "patient_id"),  # sorted in this process (``endpoints.decode_tte``)
    "adverse_events": ("patient_id", "term"),
    "therapy_paths": ("patient_id",),
    "exposure_cycles": ("patient_id", "cycle_number"),
}
_REFERENCE_TYPES: dict[str, dict[str, pd.DataFrame]] = {}
#: the key of :func:`derive_expressions` holding the patients in order the coded ``tte`` refers to
TTE_PATIENTS = "tte_patients"
#: the column the ADSL and ``adverse_events`` are written with: each row's patient's place in the order of the
#: ids (``endpoints.patient_order``) = the patient's ADSL row; dropped when read back
PATIENT_ORDER = "patient_order"
DATASETS = ("adsl", "responses", "tte", "adverse_events", "therapy_paths", "attrition", "exposure_cycles")


def _join_on_patient(base: ibis.Table, parts) -> ibis.Table:
    """Left-join each per-patient part to ``base`` on ``patient_id`` (pandas: ``keys.join_on_patient``)."""
    for part in parts:
        base = base.left_join(part, "patient_id").drop("patient_id_right")
    return base


def _narrow_adsl(patients: ibis.Table, parts, columns) -> ibis.Table:
    """The ADSL's ``columns`` only (``treated`` among them), joined from the parts holding them: what later
    steps read, held in the engine instead of the whole ADSL (138 columns, written straight from its query)."""
    wanted = set(columns) - {"patient_id", "treated"}
    base = patients.select("patient_id", *(c for c in patients.columns if c in wanted))
    base = _join_on_patient(base, (part.select("patient_id", *have) for part in parts
                                   if (have := [c for c in part.columns if c in wanted and c != "patient_id"])))
    return base.mutate(treated=base.t0_date.notnull()).select(*columns)


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
    (``endpoints.decode_tte``) once it is read; ``adsl`` (rows in no order) and ``adverse_events`` carry each
    row's ``PATIENT_ORDER`` (the order of ``TTE_PATIENTS``), by which the ADSL is put in order once read and
    which are ``AnalysisData.adsl_rows``.

    ``keep`` is applied to each step's result before later steps read it; ``Table.cache``
    materialises it in the engine, so each query is one step deep instead of the whole
    derivation (Spark's planner takes minutes over the nested plan) and a step read by several
    later ones (the ADSL) is computed once.
    """
    s, t = settings, tables
    patients = t["patients"]
    bsa = keep(body_surface.derive_bsa(patients, s.bsa_formula))
    segments = keep(exposure.dosed_segments(t["infusions"], patients, bsa, s))  # read three times
    exposure_, cycles = exposure.derive_exposure(patients, t["infusions"], bsa, s, keep, segments)
    exposure_ = keep(exposure_)
    use, cycles = drug_use.derive_drug_use(patients, t["infusions"], bsa, cycles, s, segments)
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
    parts = (_age_at_t0(patients, exposure_), bsa, setting_, exposure_, use, best, paths, ae_flags, outcome)
    adsl = _join_on_patient(adsl, parts)
    adsl = adsl.mutate(treated=adsl.t0_date.notnull())
    adsl = adsl.mutate(**response.response_population_columns(adsl, s))
    # the later steps read a few ADSL columns: those held, the ADSL written from its own query (never held)
    narrow = keep(_narrow_adsl(patients, parts, dict.fromkeys(
        (*endpoints.ADSL_DATE_COLUMNS, *attrition.ADSL_FLAG_COLUMNS))))
    dates = endpoints.derive_patient_dates(narrow, t["events"], t["assessments"], t["therapies"], s)
    ids = patients.select("patient_id")  # the patient dates' patients are the ADSL's: the study's
    order = keep(endpoints.patient_order(ids))
    tte, excluded = endpoints.derive_coded_endpoints(dates, s, ids, order, keep)
    excluded = keep(excluded)
    attrition_ = attrition.count_attrition(
        attrition.derive_attrition(narrow, excluded, s.endpoints, form="study", undetermined=undetermined))
    return {"adsl": _with_patient_order(adsl, order), "responses": responses, "tte": tte,
            "adverse_events": _with_patient_order(ae, order), "therapy_paths": paths, "attrition": attrition_,
            "exposure_cycles": cycles, TTE_PATIENTS: order}


def _with_patient_order(table: ibis.Table, order: ibis.Table) -> ibis.Table:
    """``table`` with each row's ``PATIENT_ORDER`` (missing for a patient not in ``order``)."""
    return table.left_join(order, "patient_id").drop("patient_id_right")


def _in_patient_order(table: pa.Table, sort: bool) -> tuple[pa.Table, np.ndarray | None]:
    """``table`` without ``PATIENT_ORDER``, its rows put in that order when ``sort`` (stable; missing last), and
    each row's ADSL row when the orders are those of the ADSL read in order (one patient per row, every
    order once), else None."""
    column = table.column(PATIENT_ORDER)
    order = (column.fill_null(-1) if column.null_count else column).to_numpy().astype(np.int64, copy=False)
    table = table.drop_columns([PATIENT_ORDER])
    if sort:
        rows = np.argsort(np.where(order < 0, np.iinfo(np.int64).max, order), kind="stable")
        order = order[rows]
        if not np.array_equal(rows, np.arange(len(rows))):
            table = table.take(rows)
        return table, order if np.array_equal(order, np.arange(len(order))) else None
    return table, None if column.null_count else order


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
                elif name == "adsl":  # rows in no order (138 columns not sorted in the engine): see ``result``
                    results = {name: expr.select(*types[name].columns, PATIENT_ORDER)}
                else:
                    results = {name: expr.order_by(_reference_order(expr, name, settings))
                               .select(*types[name].columns, *[PATIENT_ORDER] * (name == "adverse_events"))}
                for file, table in results.items():
                    if scratch is None:
                        read[file] = backend.to_pyarrow(table)
                    else:
                        backend.to_parquet(table, scratch / f"{file}.parquet")
        finally:
            for table in held:
                _release(backend, table)
        if scratch is not None:
            free_memory(backend)

        def result(file: str, columns=None) -> pa.Table:
            return read.pop(file) if scratch is None else read_parquet_table(scratch / f"{file}.parquet", columns)

        adsl_rows, adsl_in_order = {}, False  # the ADSL's rows are its patients' orders 0, 1, ...
        for name in (name for name in DATASETS if name not in out):  # the patient flow is read already
            if name == "tte":
                frame, orders = endpoints.decode_tte_patients(arrow_to_frame(result(name)),
                                                              arrow_to_frame(result(TTE_PATIENTS)), settings)
                frame = frame if list(frame.columns) == list(types[name].columns) else frame[list(types[name].columns)]
                if adsl_in_order:  # each row's patient order, that of every study patient (the ADSL's)
                    adsl_rows[name] = orders
            elif name in ("adsl", "adverse_events"):
                table, rows = _in_patient_order(result(name, [*types[name].columns, PATIENT_ORDER]), name == "adsl")
                if name == "adsl":
                    adsl_in_order = rows is not None
                elif adsl_in_order and rows is not None:
                    adsl_rows[name] = rows
                frame = arrow_to_frame(table)
            else:
                frame = arrow_to_frame(result(name, types[name].columns))
            out[name] = _as_reference(frame, types[name])
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return reference.AnalysisData(**out, settings=settings, form="study", unavailable=unavailable,
                                  adsl_rows=adsl_rows)
