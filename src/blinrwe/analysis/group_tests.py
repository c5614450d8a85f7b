"""The test between the groups of a survival comparison, as the specification chooses it.

Domain-spec section 5 ("Log-rank test"): by default the log-rank test (R ``survdiff``,
rho = 0; :func:`.survival._logrank_rows`). The ``[survival]`` keys ``logrank``,
``logrank_rho``, ``strata`` and ``trend`` choose instead (issue 9):

* a weighted test of the Fleming-Harrington G(rho) family, each event time weighted by
  S(t-)^rho of the pooled Kaplan-Meier curve: rho = 1 is the Peto-Peto test (more weight
  on early differences), as R ``survdiff(rho = )`` (:func:`blinrwe.stats.logrank.logrank`);
* stratified by one or more ADSL columns: O - E and its variance summed over the strata
  (R ``survdiff(... + strata(s))``); patients with an unknown stratum are left out, as R
  drops rows with a missing stratum, and the method says how many;
* for a grouping whose levels are ordered (named in ``trend``), the log-rank test for trend
  with scores 1, 2, ... in level order (SAS LIFETEST ``TREND``; R has no built-in), given
  beside the test above as ``trend_chisq`` / ``trend_p``.

Rows are the ARD rows of the default test (``logrank_chisq``, ``logrank_p``; group ""),
with ``method`` naming the test actually used (the table footnote prints it). A test that
cannot be computed gives NaN with "not_estimable: <reason>", never an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from blinrwe.errors import SpecificationError, StatisticalInputError
from blinrwe.stats.logrank import logrank, logrank_trend

from .ard import ard_row, not_estimable
from .levels import codes_at, factor_levels, patient_positions

__all__ = ["GroupTests", "group_tests"]

SECTION = "survival"
TABLE = "survival"


def group_tests(adsl: pd.DataFrame, *, rho: float = 0.0, strata=(), trend=()) -> "GroupTests | None":
    """The test to use for every survival comparison, or None for the default log-rank test."""
    strata = tuple(s for s in strata if s)
    trend = tuple(t for t in trend if t)
    if not rho and not strata and not trend:
        return None
    return GroupTests(adsl, rho=float(rho), strata=strata, trend=trend)


class GroupTests:
    """Called by :func:`.survival.survival_analyses` for each comparison with the patients'
    times, events, group (a Categorical of the levels present), patient ids and the row keys."""

    def __init__(self, adsl: pd.DataFrame, *, rho: float, strata: tuple, trend: tuple):
        self.adsl, self.rho, self.strata, self.trend = adsl, rho, strata, trend
        missing = [s for s in strata if s not in adsl.columns]
        if missing:
            raise SpecificationError(f"survival.strata names {missing}, which the derived patient table does not have.")
        combined = np.zeros(len(adsl), dtype=np.int64)
        for column in strata:  # one integer code per combination of the strata, -1 when any is unknown
            codes, labels = factor_levels(adsl[column])
            combined = np.where((codes < 0) | (combined < 0), -1, combined * max(len(labels), 1) + codes)
        self.stratum_codes = combined

    def __call__(self, time, event, group: pd.Categorical, patient_ids, keys: dict) -> list[dict]:
        rows = self._test_rows(time, event, group, patient_ids, keys)
        if keys.get("group_var", "").partition("|")[0] in self.trend:
            rows += self._trend_rows(time, event, group, patient_ids, keys)
        return rows

    def _strata_of(self, patient_ids) -> tuple[np.ndarray | None, str]:
        """Stratum code per patient (-1 unknown) and the words of the method."""
        if not self.strata:
            return None, ""
        codes = codes_at(self.stratum_codes, patient_positions(self.adsl, patient_ids))
        return codes, f"; stratified by {', '.join(self.strata)}"

    def _test_rows(self, time, event, group, patient_ids, keys) -> list[dict]:
        gvar = keys.get("group_var", "").partition("|")[0]
        strata, words = self._strata_of(patient_ids)
        keep = np.ones(len(time), dtype=bool) if strata is None else strata >= 0
        unknown = int((~keep).sum())
        if unknown:
            words += f" ({unknown} patients with an unknown stratum left out)"
        common = dict(denominator=int(keep.sum()), n=int(np.asarray(event)[keep].sum()), **keys)
        if gvar in self.strata:
            reason = f"the test is stratified by {gvar}, the grouping compared (no comparison within strata)"
            return _not_estimable_rows(common, reason, f"stratified log-rank test{words}")
        try:
            res = logrank(np.asarray(time)[keep], np.asarray(event)[keep], group[keep],
                          strata=None if strata is None else strata[keep], rho=self.rho)
        except StatisticalInputError as err:
            return _not_estimable_rows(common, str(err), f"log-rank test{words}")
        method = res.method + words
        if not (np.isfinite(res.chisq) and np.isfinite(res.p)):
            return _not_estimable_rows(common, res.note or "the test statistic is not a finite number", method)
        common["method"] = method
        return [ard_row(SECTION, TABLE, statistic="logrank_chisq", value=res.chisq, **common),
                ard_row(SECTION, TABLE, statistic="logrank_p", value=res.p, **common)]

    def _trend_rows(self, time, event, group, patient_ids, keys) -> list[dict]:
        strata, words = self._strata_of(patient_ids)
        keep = np.ones(len(time), dtype=bool) if strata is None else strata >= 0
        scores = np.asarray(group.codes, dtype=float) + 1.0  # 1, 2, ... in level order
        common = dict(denominator=int(keep.sum()), n=int(np.asarray(event)[keep].sum()), **keys)
        method = ("log-rank test for trend (scores 1, 2, ... in the order "
                  + ", ".join(map(str, group.categories)) + "; 1 df)" + words)
        try:
            res = logrank_trend(np.asarray(time)[keep], np.asarray(event)[keep], scores[keep],
                                strata=None if strata is None else strata[keep])
        except StatisticalInputError as err:
            return _not_estimable_rows(common, str(err), method, ("trend_chisq", "trend_p"))
        if not (np.isfinite(res.chisq) and np.isfinite(res.p)):
            return _not_estimable_rows(common, res.note or "the trend statistic is not a finite number", method,
                                       ("trend_chisq", "trend_p"))
        common["method"] = method
        return [ard_row(SECTION, TABLE, statistic="trend_chisq", value=res.chisq, **common),
                ard_row(SECTION, TABLE, statistic="trend_p", value=res.p, **common)]


def _not_estimable_rows(common: dict, reason: str, method: str,
                        statistics=("logrank_chisq", "logrank_p")) -> list[dict]:
    note = not_estimable(reason.rstrip(".") + " (test not estimable)")
    return [ard_row(SECTION, TABLE, statistic=s, value=None, method=method, note=note, **common) for s in statistics]
