"""blinrwe.engines: opening and configuring DuckDB and Spark, and the automatic choice by size."""

import gc
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from blinrwe.engines import AUTO_DUCKDB_FROM, EngineSettings, choose_engine, connect, free_memory, java_available


def test_duckdb_takes_its_memory_limit_threads_and_spill_folder_and_draws_no_progress_bar(tmp_path):
    con = connect(EngineSettings(kind="duckdb", memory_limit="1GB", threads=1, temp_directory=str(tmp_path)))
    settings = dict(con.raw_sql(
        "SELECT name, value FROM duckdb_settings() WHERE name IN "
        "('memory_limit', 'threads', 'temp_directory', 'enable_progress_bar')").fetchall())
    assert settings["enable_progress_bar"] == "false"  # a run's output and log get no progress bar
    assert settings["threads"] == "1"
    assert settings["memory_limit"].startswith(("953", "1.0", "1 "))  # 1GB as DuckDB prints it (MiB or GiB)
    assert settings["temp_directory"] == str(tmp_path)


def test_duckdb_spills_into_a_scratch_folder_of_its_own_not_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    con = connect(EngineSettings(kind="duckdb", memory_limit="64MB", threads=1))
    spill = Path(con.raw_sql("SELECT current_setting('temp_directory')").fetchone()[0])
    assert spill.name.startswith("blinrwe-spill-") and spill.is_dir()
    con.raw_sql("CREATE TEMP TABLE big AS SELECT range AS a, md5(range::VARCHAR) AS b FROM range(3000000)")
    assert con.raw_sql("SELECT count(DISTINCT b) FROM big").fetchone()[0] == 3_000_000
    assert list(tmp_path.iterdir()) == []  # nothing in the user's current folder
    con.disconnect()
    del con
    gc.collect()
    assert not spill.exists()


def _rss_gb() -> float:
    return int(next(line for line in Path("/proc/self/status").read_text().splitlines()
                    if line.startswith("VmRSS")).split()[1]) / 2**20


def _limit(con) -> str:
    return con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads this process's memory from /proc (Linux)")
def test_free_memory_gives_duckdbs_memory_back_and_keeps_its_limit():
    con = connect(EngineSettings(kind="duckdb", memory_limit="1500MB", threads=1))
    before = _limit(con)
    con.raw_sql("CREATE TEMP TABLE big AS SELECT hash(range) AS a, hash(range + 1) AS b FROM range(20000000)")
    con.raw_sql("DROP TABLE big")
    held = _rss_gb()
    free_memory(con)
    free_memory(con)  # twice: the limit does not drift (DuckDB shows it rounded down)
    assert _rss_gb() < held - 0.15 and _limit(con) == before
    default = connect()
    before = _limit(default)
    free_memory(default)
    assert _limit(default) == before
    default.raw_sql("CREATE TEMP TABLE kept AS SELECT range AS a FROM range(5000000)")
    free_memory(default)  # memory in use cannot be given back: nothing changes, nothing fails
    assert _limit(default) == before and default.raw_sql("SELECT count(*) FROM kept").fetchone()[0] == 5_000_000
    con.disconnect()
    default.disconnect()


def _running(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, ended but not yet reaped by whoever adopted it, does not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not java_available(), reason="no Java runtime: Spark cannot start (.ci/run installs one)")
def test_the_spark_jvm_ends_when_its_run_is_killed():
    """A run killed outright (SIGKILL: no clean-up of its own runs) leaves no Java process behind."""
    script = ("import time\nfrom blinrwe.engines import EngineSettings, spark_session\n"
              "spark_session(EngineSettings(kind='spark', threads=1))\nprint('ready', flush=True)\ntime.sleep(300)\n")
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert run.stdout.readline().strip() == "ready"
        children = [int(c) for task in Path(f"/proc/{run.pid}/task").glob("*/children")
                    for c in task.read_text().split()]
        jvm = next(c for c in children if b"java" in Path(f"/proc/{c}/cmdline").read_bytes())
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
    deadline = time.monotonic() + 60
    while _running(jvm) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _running(jvm)


def test_a_table_created_in_duckdb_reads_back(duckdb_backend):
    # guards the sqlglot pin: 30.18 broke ibis 12's create_table on DuckDB
    t = duckdb_backend.create_table("engines_check", pd.DataFrame({"x": [1, 2]}), temp=True, overwrite=True)
    assert duckdb_backend.to_pandas(t.x.sum().name("s").as_table())["s"].iloc[0] == 3


def test_spark_runs_in_utc(spark_backend):
    session = spark_backend._session
    assert session.conf.get("spark.sql.session.timeZone") == "UTC"


@pytest.mark.parametrize("requested, n, engine", [
    ("auto", 100, "pandas"), ("auto", AUTO_DUCKDB_FROM, "duckdb"), ("auto", None, "pandas"),
    ("spark", 10, "spark"), ("pandas", 10**7, "pandas"),
])
def test_the_engine_chosen_says_why(requested, n, engine):
    chosen, why = choose_engine(requested, n)
    assert chosen == engine and engine in why
    assert ("automatic" in why) == (requested == "auto")


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="unknown engine"):
        connect(EngineSettings(kind="sqlite"))


def test_duckdb_out_of_its_memory_limit_is_a_user_error_naming_the_setting(tmp_path):
    """A real DuckDB over its limit (a hash aggregate of ten million groups in 2MB): the error says to raise
    memory_limit or lower threads, as an EngineResourceError (no traceback), not DuckDB's own exception."""
    from blinrwe.engines import EngineResourceError, engine_resources

    settings = EngineSettings("duckdb", memory_limit="2MB", threads=1, temp_directory=str(tmp_path / "spill"))
    backend = connect(settings)
    try:
        with pytest.raises(EngineResourceError, match=r"more memory than its memory limit \(2MB\)") as err:
            with engine_resources(settings):
                backend.raw_sql("SELECT range % 1000003 AS k, list(range) FROM range(10000000) GROUP BY k").fetchall()
    finally:
        backend.disconnect()
    assert "[data] memory_limit" in str(err.value) and "[data] threads" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__


def test_a_full_spill_disk_and_spark_out_of_memory_say_which_setting_to_change():
    import duckdb

    from blinrwe.engines import EngineResourceError, engine_resources

    full = duckdb.IOException('IO Error: Could not write file "/big/spill/duckdb_temp_block-4.block": '
                              "No space left on device")
    with pytest.raises(EngineResourceError, match=r"disk space for its spill files in /big/spill.*temp_directory"):
        with engine_resources(EngineSettings("duckdb", temp_directory="/big/spill")):
            raise full
    with pytest.raises(EngineResourceError, match=r"Spark's driver ran out of memory \(4GB\); raise \[data\] memory_l"):
        with engine_resources(EngineSettings("spark", memory_limit="4GB")):
            raise RuntimeError("An error occurred while calling o123.collectToPython.\n: java.lang.OutOfMemoryError: "
                               "Java heap space")
    with pytest.raises(duckdb.CatalogException):  # anything else is not the environment's: it stays as it is
        with engine_resources(EngineSettings("duckdb")):
            raise duckdb.CatalogException("Catalog Error: Table with name x does not exist!")
