"""OMOP CDM v5.4 intake: a folder of CDM Parquet files, a DuckDB database or a warehouse -> RawStudy.

``read_omop(source, mapping=None)`` reads person, observation_period, drug_exposure,
condition_occurrence, measurement, procedure_occurrence, death and concept_ancestor through
DuckDB (Ibis) and gives the workbook's tables, so validation, derivation and the report run
unchanged. The concept mapping is ``concepts.toml`` (shipped, commented; copy and edit it for
local concepts). What OMOP cannot carry: :mod:`blinrwe.intake.omop.convert`.
"""

from .convert import CARRIED, CARRIED_EVENTS, CARRIED_THERAPIES, not_carried
from .mapping import DEFAULT_MAPPING, OmopMapping, load_mapping
from .reader import read_omop

__all__ = ["CARRIED", "CARRIED_EVENTS", "CARRIED_THERAPIES", "DEFAULT_MAPPING", "OmopMapping", "load_mapping",
           "not_carried", "read_omop"]
