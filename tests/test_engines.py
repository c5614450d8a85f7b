"""blinrwe.engines: opening and configuring DuckDB and Spark, and the automatic choice by size."""

import pandas as pd
import pytest

from blinrwe.engines import AUTO_DUCKDB_FROM, EngineSettings, choose_engine, connect


def test_duckdb_takes_its_memory_limit_threads_and_spill_folder_and_draws_no_progress_bar(tmp_path):
    con = connect(EngineSettings(kind="duckdb", memory_limit="1GB", threads=1, temp_directory=str(tmp_path)))
    settings = dict(con.raw_sql(
        "SELECT name, value FROM duckdb_settings() WHERE name IN "
        "('memory_limit', 'threads', 'temp_directory', 'enable_progress_bar')").fetchall())
    assert settings["enable_progress_bar"] == "false"  # a run's output and log get no progress bar
    assert settings["threads"] == "1"
    assert settings["memory_limit"].startswith(("953", "1.0", "1 "))  # 1GB as DuckDB prints it (MiB or GiB)
    assert settings["temp_directory"] == str(tmp_path)


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
