"""Statistical core: per-time counts in, unformatted result objects naming their method out.

Depends only on numpy, scipy and pandas; never imports the clinical layers.
"""

from .counts import (
    EventCounts,
    GroupedEventCounts,
    event_counts,
    event_counts_from_table,
    grouped_event_counts,
)

__all__ = [
    "EventCounts",
    "GroupedEventCounts",
    "event_counts",
    "event_counts_from_table",
    "grouped_event_counts",
]
