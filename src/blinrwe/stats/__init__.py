"""Statistical core: per-time counts in, unformatted result objects naming their method out.

Depends only on numpy, scipy and pandas; never imports the clinical layers.
Conventions (R vs SAS) are in docs/statistics.md and in each module's docstring.
"""

from .counts import (
    EventCounts,
    GroupedEventCounts,
    event_counts,
    counting_process_counts,
    event_counts_from_table,
    grouped_event_counts,
)
from .kaplan_meier import KaplanMeier, SurvivalQuantile, kaplan_meier, kaplan_meier_from_counts
from .follow_up import FollowUp, median_follow_up, median_follow_up_from_counts
from .logrank import LogRankTest, LogRankTrend, logrank, logrank_from_counts, logrank_trend
from .proportion import ProportionCI, proportion_ci
from .mantel_byar import MantelByarTest, mantel_byar
from .simon_makuch import SimonMakuch, simon_makuch
from .landmark import LandmarkAnalysis, landmark
from .rmst import RestrictedMean, rmst, rmst_from_counts
from .survival_difference import SurvivalDifference, survival_difference
from .fisher import FisherTest, fisher_exact

# Cox models and competing risks (owned by another module author).
from .cox import CoxResult, cox_ph
from .cox_zph import CoxZphResult, cox_zph
from .competing_risks import CumulativeIncidence, cumulative_incidence, gray_test
from .fine_gray import FineGrayResult, fine_gray

__all__ = [
    "EventCounts",
    "GroupedEventCounts",
    "event_counts",
    "event_counts_from_table",
    "grouped_event_counts",
    "FollowUp",
    "KaplanMeier",
    "SurvivalQuantile",
    "kaplan_meier",
    "kaplan_meier_from_counts",
    "median_follow_up",
    "median_follow_up_from_counts",
    "LogRankTest",
    "LogRankTrend",
    "logrank",
    "logrank_from_counts",
    "logrank_trend",
    "ProportionCI",
    "proportion_ci",
    "MantelByarTest",
    "mantel_byar",
    "SimonMakuch",
    "counting_process_counts",
    "simon_makuch",
    "LandmarkAnalysis",
    "landmark",
    "RestrictedMean",
    "rmst",
    "rmst_from_counts",
    "SurvivalDifference",
    "survival_difference",
    "FisherTest",
    "fisher_exact",
    "CoxResult",
    "cox_ph",
    "CoxZphResult",
    "cox_zph",
    "CumulativeIncidence",
    "cumulative_incidence",
    "gray_test",
    "FineGrayResult",
    "fine_gray",
]
