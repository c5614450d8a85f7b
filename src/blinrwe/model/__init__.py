"""Declared input tables: the single source for template, readers, validation, dictionary and synthetic data."""

from .dictionary import DictionaryEntry, data_dictionary
from .schema import Analysis, Column, DType, Table, imputed_flag
from .tables import (
    ALL_TABLES,
    ANALYSES,
    ANALYSES_NEEDING_DATES,
    FORMS,
    PATIENT_SUMMARY,
    REQUIRED_TABLES,
    STUDY_TABLES,
    SUMMARY_ANALYSES,
    SUMMARY_TABLES,
)

__all__ = [
    "ALL_TABLES",
    "ANALYSES",
    "ANALYSES_NEEDING_DATES",
    "Analysis",
    "Column",
    "DType",
    "DictionaryEntry",
    "FORMS",
    "PATIENT_SUMMARY",
    "REQUIRED_TABLES",
    "STUDY_TABLES",
    "SUMMARY_ANALYSES",
    "SUMMARY_TABLES",
    "Table",
    "data_dictionary",
    "imputed_flag",
]
