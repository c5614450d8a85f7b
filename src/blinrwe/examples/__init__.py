"""Shipped examples: the seed 003 patient listing (summary form) and a SYNTHETIC cohort generator."""

from .synthetic import synthetic_cohort

__all__ = ["synthetic_cohort"]
