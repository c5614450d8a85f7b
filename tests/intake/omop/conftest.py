"""Synthetic OMOP CDMs written once per session (blinrwe.examples.omop): a clean one and one with flaws."""

import datetime as dt

import pytest

from blinrwe.examples.omop import write_synthetic_omop

N_PATIENTS, SEED = 60, 3
CUTOFF = dt.date(2024, 4, 30)


@pytest.fixture(scope="session")
def cdm_folder(tmp_path_factory):
    """A clean synthetic CDM (Parquet files and the same tables in cdm.duckdb)."""
    return write_synthetic_omop(tmp_path_factory.mktemp("cdm"), N_PATIENTS, SEED, duckdb_file="cdm.duckdb")


@pytest.fixture(scope="session")
def flawed_folder(tmp_path_factory):
    """The same CDM with an unmapped measurement, a duplicate exposure and a patient without observation period."""
    return write_synthetic_omop(tmp_path_factory.mktemp("flawed"), N_PATIENTS, SEED, flaws=True)
