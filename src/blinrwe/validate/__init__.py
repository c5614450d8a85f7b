"""Validation: RawStudy -> (StudyData, ValidationReport with every finding at once)."""

from .annotate import annotate_workbook
from .dates import IMPUTATION_RULES
from .findings import CODES, Finding, Severity, ValidationReport
from .study import detect_form, require_valid, validate_study
from .study_data import StudyData

__all__ = [
    "CODES",
    "Finding",
    "IMPUTATION_RULES",
    "Severity",
    "StudyData",
    "ValidationReport",
    "annotate_workbook",
    "detect_form",
    "require_valid",
    "validate_study",
]
