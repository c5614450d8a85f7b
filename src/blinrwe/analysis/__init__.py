"""Applies the statistical core to the derived analysis datasets.

Sits between ``derive`` and ``report``: it chooses which statistic to compute
on which analysis set (per the study specification) and returns unformatted
results (:class:`StudyResults`). It never formats strings.
"""

from .ard import ARD_COLUMNS, empty_ard
from .results import StudyResults
from .settings import AnalysisSettings
from .study import analyse_study

__all__ = ["ARD_COLUMNS", "AnalysisSettings", "StudyResults", "analyse_study", "empty_ard"]
