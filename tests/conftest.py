"""Hypothesis profiles for the whole suite: derandomised in CI, random locally.

CI sets ``CI=true``: the "ci" profile makes every property test draw the same examples on
every run (``derandomize``), so a run can only fail on a change to the code or the test,
never on the luck of the draw (and no example database carries draws from run to run); a
failure prints the blob that reproduces it. Elsewhere the
"dev" profile explores new random examples each run (and replays stored failures). Pick
one explicitly with ``pytest --hypothesis-profile=ci``; replay a random run with
``--hypothesis-seed=N``. Degenerate inputs are handled by the code, not filtered out here.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


# --- engines (blinrwe.engines) -------------------------------------------------------------
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def duckdb_backend():
    """One in-memory DuckDB connection (Ibis backend) for the session."""
    from blinrwe.engines import EngineSettings, connect

    return connect(EngineSettings(kind="duckdb", threads=1))


@pytest.fixture(scope="session")
def spark_backend():
    """The Spark engine in local mode (one session per test process; startup ~10 s).

    Skipped only where no Java runtime exists; `.ci/run` installs one, so CI always runs it."""
    from blinrwe.engines import EngineSettings, connect, java_available

    if not java_available():
        pytest.skip("no Java runtime: Spark cannot start (.ci/run installs one)")
    return connect(EngineSettings(kind="spark", threads=1))


@pytest.fixture(params=["duckdb", "spark"])
def engine_backend(request):
    """Each Ibis engine in turn: a test using it runs on DuckDB and on Spark."""
    return request.getfixturevalue(f"{request.param}_backend")
