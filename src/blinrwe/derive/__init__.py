"""Derivation layer: StudyData + DeriveSettings -> AnalysisData (docs/architecture.md).

Pure dataset-in, dataset-out table operations (merges, group-bys, sorts), so the
same definitions can run in a database engine on registry-sized data.
"""

from .analysis_data import AnalysisData, derive_analysis_data
from .endpoints import Endpoint, Source, derive_time_to_event, endpoint_definitions
from .post_baseline import POST_BASELINE, applies_among, is_post_baseline, post_baseline_event
from .presets import PRESETS, preset
from .settings import CutPoints, DeriveSettings

__all__ = [
    "AnalysisData",
    "CutPoints",
    "DeriveSettings",
    "Endpoint",
    "POST_BASELINE",
    "PRESETS",
    "Source",
    "applies_among",
    "derive_analysis_data",
    "derive_time_to_event",
    "endpoint_definitions",
    "is_post_baseline",
    "post_baseline_event",
    "preset",
]
