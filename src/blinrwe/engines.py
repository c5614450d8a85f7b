"""Data engines: where the table work of a study runs (docs/architecture.md, "Engines").

``pandas`` keeps every table in memory in this process (fastest for a clinic's 20 to
10,000 patients). ``duckdb`` (embedded, the default for registry-sized data) works out
of core under a memory limit and reads Parquet and CSV folders itself. ``spark`` runs
the same expressions on Apache Spark: ``local[N]`` on this computer (the tests) or a
cluster's master URL.

DuckDB and Spark are reached through Ibis (one dataframe expression compiled to each
engine's SQL), so every derivation is written once for both. This module only opens
and configures the connection; the derivations live in ``blinrwe.derive.engine``. It is a
root module, usable by every layer (intake reads Parquet and OMOP through it, validate
checks at scale through it).
"""

from __future__ import annotations

import atexit
import os
import shutil
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

from blinrwe.errors import UserError
from blinrwe.model.i18n import _
from blinrwe.scratch import scratch_folder

ENGINES = ("pandas", "duckdb", "spark")

#: Patients from which ``engine = "auto"`` takes DuckDB instead of pandas.
AUTO_DUCKDB_FROM = 200_000


@dataclass(frozen=True)
class EngineSettings:
    """How to open an engine.

    ``memory_limit``: DuckDB's limit (e.g. "4GB"; it spills to ``temp_directory``
    beyond it) and Spark's driver memory; None = the engine's default.
    ``temp_directory``: DuckDB's spill folder; None = a scratch folder of its own in the
    system's temporary folder, removed with the connection.
    ``threads``: worker threads (DuckDB) or local cores (Spark ``local[threads]``).
    ``spark_master``: "" = ``local[threads]``; a cluster's URL (spark://host:7077, yarn).
    """

    kind: str = "duckdb"
    memory_limit: str | None = None
    threads: int | None = None
    temp_directory: str | None = None
    spark_master: str = ""


def choose_engine(requested: str, n_patients: int | None) -> tuple[str, str]:
    """The engine to use and why, in words (``requested`` "auto" decides by size)."""
    if requested != "auto":
        return requested, _("engine {engine} (as specified)").format(engine=requested)
    if n_patients is not None and n_patients >= AUTO_DUCKDB_FROM:
        return "duckdb", _("engine duckdb (automatic: {n} patients >= {limit})").format(
            n=f"{n_patients:,}", limit=f"{AUTO_DUCKDB_FROM:,}")
    return "pandas", _("engine pandas (automatic: a study that fits in memory)")


def connect(settings: EngineSettings | None = None):
    """An Ibis backend of ``settings.kind`` ("duckdb" or "spark"), configured."""
    import ibis

    s = settings or EngineSettings()
    if s.kind == "duckdb":
        config = {}
        if s.memory_limit:
            config["memory_limit"] = s.memory_limit
        if s.threads:
            config["threads"] = int(s.threads)
        # DuckDB's own default spill folder is ".tmp" in the current folder, which is the user's
        config["temp_directory"] = s.temp_directory or str(scratch_folder("spill"))
        backend = ibis.duckdb.connect(**config)
        if not s.temp_directory:
            weakref.finalize(backend, shutil.rmtree, config["temp_directory"], ignore_errors=True)
        backend.raw_sql("SET enable_progress_bar = false")  # else drawn on stderr for a long query, even into a log
        _MEMORY_LIMITS[backend] = s.memory_limit
        return backend
    if s.kind == "spark":
        return ibis.pyspark.connect(spark_session(s))
    raise ValueError(f"unknown engine {s.kind!r}; one of {', '.join(ENGINES)}")


def free_memory(backend) -> None:
    """Have DuckDB give the memory it no longer uses back to the system (it keeps it otherwise, as a cache,
    until the connection closes). Lowering its memory limit is the one way DuckDB offers; the limit is then
    set back to the one :func:`connect` gave (its setting shows it rounded down), or to DuckDB's default."""
    if backend.name != "duckdb":
        return
    import duckdb

    limit = _MEMORY_LIMITS.get(backend)
    try:
        backend.raw_sql("SET memory_limit = '1MB'")
    except duckdb.Error:  # memory still in use (tables the connection's owner keeps): nothing to give back
        return
    backend.raw_sql(f"SET memory_limit = '{limit}'" if limit else "RESET memory_limit")


_MEMORY_LIMITS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # DuckDB backend -> its limit as given
_SPARK_LOCK = threading.Lock()


def spark_session(settings: EngineSettings | None = None):
    """The process's Spark session (created once; Spark allows one per process).

    Timestamps are read and written in UTC so that a date is the same day in every
    engine; shuffles use few partitions in local mode (the default 200 is for clusters).
    """
    from pyspark.sql import SparkSession

    s = settings or EngineSettings(kind="spark")
    with _SPARK_LOCK:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        threads = s.threads or os.cpu_count() or 2
        master = s.spark_master or f"local[{threads}]"
        builder = (SparkSession.builder.master(master).appName("blinrwe")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")  # no progress bars in a run's output
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                   .config("spark.driver.extraJavaOptions", "-Duser.timezone=UTC")
                   .config("spark.executor.extraJavaOptions", "-Duser.timezone=UTC"))
        if master.startswith("local"):
            builder = builder.config("spark.sql.shuffle.partitions", str(max(2, threads)))
        if s.memory_limit:
            builder = builder.config("spark.driver.memory", s.memory_limit.replace("GB", "g").replace("MB", "m"))
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        atexit.register(session.stop)
        return session


def java_available() -> bool:
    """Whether a Java runtime is on this computer (Spark needs one)."""
    import shutil

    return bool(os.environ.get("JAVA_HOME")) or shutil.which("java") is not None


class EngineResourceError(UserError):
    """The engine ran out of its memory limit or of disk for its spill files: an environment error,
    fixed by a setting (``[data] memory_limit``, ``threads``, ``temp_directory``), not a bug."""


@contextmanager
def engine_resources(settings: EngineSettings) -> Iterator[None]:
    """Turn the engine's out-of-memory and disk-full errors inside the block into an
    :class:`EngineResourceError` saying which setting to change (DuckDB raises its own exception
    types, Spark a Java error through py4j; neither is Python's ``MemoryError``)."""
    try:
        yield
    except Exception as err:
        message = _resource_message(err, settings)
        if message is None:
            raise
        raise EngineResourceError(message) from None


def _resource_message(err: Exception, s: EngineSettings) -> str | None:
    text, engine = str(err), {"duckdb": "DuckDB", "spark": "Spark"}.get(s.kind, s.kind)
    if "No space left on device" in text:
        spill = s.temp_directory or _("the system's temporary folder")
        return _("{engine} ran out of disk space for its spill files in {folder}; free space there, or set "
                 "[data] temp_directory to a folder on a disk with more room.").format(engine=engine, folder=spill)
    if type(err).__name__ == "OutOfMemoryException" or "java.lang.OutOfMemoryError" in text:
        if s.kind == "spark":
            return _("Spark's driver ran out of memory ({limit}); raise [data] memory_limit, or run on a cluster "
                     "(spark_master).").format(limit=s.memory_limit or _("its default"))
        limit = (_("its memory limit ({limit})").format(limit=s.memory_limit) if s.memory_limit
                 else _("its default memory limit (80% of RAM)"))
        return _("DuckDB needed more memory than {limit}, even spilling to disk; raise [data] memory_limit (e.g. "
                 "memory_limit = \"8GB\"), or lower [data] threads (each thread holds its own buffers).").format(
                     limit=limit)
    return None


__all__ = ["ENGINES", "AUTO_DUCKDB_FROM", "EngineSettings", "EngineResourceError", "choose_engine", "connect",
           "engine_resources", "free_memory", "spark_session", "java_available"]
