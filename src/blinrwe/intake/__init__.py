"""Intake: read a study workbook, CSV or Parquet folder into a RawStudy; write the template and filled studies."""

from .limits import ReadLimits, read_limits
from .omop import read_omop
from .raw import RawSheet, RawStudy, ReadNote
from .readers import read_csv_folder, read_study
from .xlsx import read_xlsx
from .workbook import write_study, write_study_csv, write_study_xlsx, write_template
from .parquet import read_parquet_folder, write_study_parquet  # Parquet folders (issue 10)

__all__ = [
    "RawSheet",
    "RawStudy",
    "ReadLimits",
    "ReadNote",
    "read_csv_folder",
    "read_limits",
    "read_omop",
    "read_study",
    "read_xlsx",
    "write_study",
    "write_study_csv",
    "write_study_xlsx",
    "write_template",
    "read_parquet_folder", "write_study_parquet",
]
