"""Shipped examples: the seed 003 patient listing (summary form) and a SYNTHETIC cohort generator."""

from .seed003 import SEED003_ORIGINAL, SEED003_SUMMARY, map_seed003, seed003_summary
from .synthetic import synthetic_cohort, write_synthetic_study

__all__ = [
    "SEED003_ORIGINAL",
    "SEED003_SUMMARY",
    "map_seed003",
    "seed003_summary",
    "synthetic_cohort",
    "write_synthetic_study",
]
