"""Which reader a specification's ``data.path`` needs: a study workbook, CSV or Parquet folder, or an OMOP CDM.

An OMOP CDM v5.4 database is a DuckDB database file or a folder of CDM Parquet files
(``person.parquet``, ``drug_exposure.parquet``, ...); it is read by
:func:`blinrwe.intake.read_omop` with the concept mapping ``data.omop_mapping`` (empty: the
shipped ``concepts.toml``) and its tables in ``data.omop_schema``. Everything else is read
by :func:`blinrwe.intake.read_study`. Validation then runs the same on either.

A Parquet study folder whose derivation runs in an engine (DuckDB or Spark) is not read into
memory at once: :func:`validate_parquet_by_patient` validates it a group of patients at a time and
stages the typed tables as Parquet files that the engine reads (``blinrwe.validate.by_patient``).
"""

from __future__ import annotations

from pathlib import Path

from blinrwe.engines import EngineSettings, engine_resources
from blinrwe.errors import SpecificationError
from blinrwe.model.i18n import _
from blinrwe.validate.dates import DEFAULT_RULE

#: File suffixes of a DuckDB database holding an OMOP CDM.
OMOP_DATABASE_SUFFIXES = (".duckdb", ".db", ".ddb")


def is_omop_source(path: Path) -> bool:
    """Is ``path`` an OMOP CDM: a DuckDB database file, or a folder of CDM Parquet files (``person.parquet``)
    that is not a study folder (``patients.parquet``)."""
    path = Path(path)
    if path.is_file():
        return path.suffix.lower() in OMOP_DATABASE_SUFFIXES
    return (path / "person.parquet").is_file() and not (path / "patients.parquet").exists()


def read_data(spec, reading: EngineSettings | None = None):
    """The RawStudy of ``spec.data.path`` (it exists). An OMOP CDM is read through DuckDB with ``reading``
    (the specification's memory limit and threads)."""
    path, d = spec.data_path(), spec.data
    if not is_omop_source(path):
        if d.omop_mapping or d.omop_schema:
            raise SpecificationError(_('data.omop_mapping and data.omop_schema apply to an OMOP CDM, and '
                                       'data.path = "{path}" is not one (a folder with person.parquet or a DuckDB '
                                       'file); remove them, or point data.path at the CDM.').format(path=d.path))
        from blinrwe.intake import read_study

        return read_study(path)
    from blinrwe.intake import read_omop

    mapping = spec.omop_mapping_path()
    if mapping is not None and not mapping.is_file():
        raise SpecificationError(_('data.omop_mapping = "{value}" does not exist (looked for {path}); write one with '
                                   '`blinrwe template --omop-mapping FILE`, or leave it empty for the shipped '
                                   'mapping.').format(value=d.omop_mapping, path=mapping))
    reading = reading or EngineSettings(kind="duckdb")
    with engine_resources(reading):
        return read_omop(path, mapping, settings=reading, schema=d.omop_schema)


def validate_command(spec) -> str:
    """The ``blinrwe validate`` command that lists every finding of the specification's data."""
    path, d = spec.data_path(), spec.data
    if not is_omop_source(path):
        return f"blinrwe validate --all-findings {path}"
    mapping = spec.omop_mapping_path()
    return (f"blinrwe validate --all-findings --omop {path}" + (f" --omop-mapping {mapping}" if mapping else "")
            + (f" --omop-schema {d.omop_schema}" if d.omop_schema else ""))


def is_parquet_study(path: Path) -> bool:
    """A folder of study tables as Parquet files, with a ``patients`` table (not an OMOP CDM)."""
    from blinrwe.intake.parquet import SUFFIX, is_parquet_folder

    path = Path(path)
    return path.is_dir() and is_parquet_folder(path) and (path / f"patients{SUFFIX}").exists()


def validate_parquet_by_patient(spec, engine: EngineSettings):
    """(StagedStudy or None, ValidationReport) of the Parquet study folder ``spec.data.path``, validated a
    group of patients at a time (:func:`validate_parquet_folder`)."""
    d = spec.data
    return validate_parquet_folder(spec.data_path(), engine, d.chunk_patients, data_cutoff=d.cutoff,
                                   partial_dates=d.partial_dates)


def validate_parquet_folder(path: Path, engine: EngineSettings, chunk_patients: int, data_cutoff=None,
                            partial_dates: str = DEFAULT_RULE, stage: bool = True):
    """(StagedStudy or None, ValidationReport) of the Parquet study folder ``path``, validated
    ``chunk_patients`` at a time; its scratch folders are in the engine's temporary folder (default the
    system's), the staged study's removed by ``StagedStudy.close()`` (``stage=False``: validate only)."""
    import shutil

    from blinrwe.engines import connect
    from blinrwe.intake.parquet_chunks import split_by_patient
    from blinrwe.scratch import scratch_folder
    from blinrwe.validate.by_patient import validate_by_patient as validate

    scratch = scratch_folder("split", engine.temp_directory)
    staging = scratch_folder("staged", engine.temp_directory) if stage else None
    splitting = EngineSettings("duckdb", memory_limit=engine.memory_limit, threads=engine.threads,
                               temp_directory=str(scratch / "spill"))
    backend = connect(splitting)
    study = None
    try:
        try:  # closed before the validation workers are forked
            with engine_resources(splitting):
                chunks = split_by_patient(path, scratch, chunk_patients, connection=backend.con)
        finally:
            backend.disconnect()
        study, report = validate(chunks, staging, data_cutoff=data_cutoff, partial_dates=partial_dates,
                                 workers=engine.threads)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if study is None and staging is not None:  # errors, or stopped: nothing staged is kept
            shutil.rmtree(staging, ignore_errors=True)
    return study, report
