"""Applies the statistical core to the derived analysis datasets.

Sits between ``derive`` and ``report``: it chooses which statistic to compute
on which analysis set (per the study specification) and returns unformatted
results. It never formats strings.
"""
