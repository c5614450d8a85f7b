"""Test of proportional hazards from scaled Schoenfeld residuals, equal to R ``cox.zph``.

Clinical meaning: a Cox hazard ratio summarises follow-up with one number; the
test asks whether the ratio drifts with time (e.g. a treatment effect that fades).
A small p-value for a covariate says its hazard ratio is not constant; GLOBAL
tests all covariates together.

Definition (Grambsch & Therneau 1994; R ``survival`` >= 3.0 ``cox.zph``): add to
the fitted model the time-varying terms ``x * g(t)`` for a function g of time and
compute the *score test* of their coefficients being 0 at the fitted beta, using
the full 2p x 2p information matrix (R < 3.0 used an approximation with the
average variance; the numbers differ). ``g`` is ``transform``:

* ``"km"`` (default, as R): ``g(t) = 1 - S(t-)``, the left-continuous Kaplan-Meier
  estimate of all subjects pooled (strata ignored), so g runs over the deaths evenly;
* ``"rank"``: ranks of the times (average ranks for ties); ``"identity"``: t itself.

g is centred on its mean over the event times. One row per covariate (a
categorical covariate is one term with one df per dummy column), plus GLOBAL
(all terms, p df). Ties follow the fit (Efron or Breslow), strata are honoured:
the risk sets restart in each stratum as in the fit.

Ported from the math of ``survival/R/cox.zph.R`` and ``survival/src/zph1.c``: no
Python library implements the >= 3.0 test (lifelines ``proportional_hazard_test``
implements the older variance approximation).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as _sps
from scipy.stats import rankdata

from blinrwe.errors import StatisticalInputError

from .counts import counting_process_counts, event_counts
from .cox import CoxResult
from .cox_likelihood import _PartialLikelihood

__all__ = ["cox_zph", "CoxZphResult"]

_TRANSFORMS = ("km", "rank", "identity")


class CoxZphResult:
    """Result of :func:`cox_zph`: ``table`` with ``term, chisq, df, p`` (last row GLOBAL)."""

    def __init__(self, table: pd.DataFrame, transform: str, method: str):
        self.table = table
        self.transform = transform
        self.method = method

    def __repr__(self) -> str:
        return f"CoxZphResult(transform={self.transform!r})\n{self.table!r}"


def _time_function(time: np.ndarray, status: np.ndarray, transform: str, start=None) -> np.ndarray:
    if transform == "identity":
        return time.astype(float)
    if transform == "rank":
        return rankdata(time, method="average")
    # pooled Kaplan-Meier; of the (start, stop] rows for a counting-process fit (R survfitKM on Surv(start, stop))
    counts = event_counts(time, status) if start is None else counting_process_counts(start, time, status)
    surv = np.cumprod(1.0 - counts.n_event / counts.n_risk)
    surv_before = np.concatenate(([1.0], surv[:-1]))  # S(t-): left-continuous
    return 1.0 - surv_before[np.searchsorted(counts.time, time, side="left")]


def cox_zph(fit: CoxResult, transform: str = "km") -> CoxZphResult:
    """Schoenfeld-residual test of proportional hazards for a :func:`cox_ph` fit (R ``cox.zph``)."""
    if not isinstance(fit, CoxResult) or fit._design is None:
        raise StatisticalInputError("cox_zph needs the result of blinrwe.stats.cox_ph; got " f"{type(fit).__name__}.")
    key = str(transform).lower()
    if key not in _TRANSFORMS:
        raise StatisticalInputError(f"transform must be one of {list(_TRANSFORMS)}; got {transform!r}.")
    if not np.all(np.isfinite(fit.coef)):
        raise StatisticalInputError("the Cox fit has non-finite coefficients; the zph test is not defined.")
    design = fit._design
    x = design.x
    p = x.shape[1]
    status = design.status
    pl = design.likelihood  # the fit's own over these rows (its last evaluation was at the estimate), if not merged
    if pl is None:
        pl = _PartialLikelihood(design.time, status, x - x.mean(axis=0), design.strata, efron=(fit.ties == "efron"),
                                start=design.start)
    _, _, mean_sum, m_g = pl.group_terms(fit.coef)
    g_all = _time_function(design.time, status, key, design.start)
    g_all = g_all - g_all[status == 1].mean()
    g = g_all[pl.group_time_index]  # one time weight per tie group with deaths

    # score for the x*g(t) terms and the 2p x 2p information, all at the fitted beta
    u2 = (g[:, None] * (pl.xd_by_group - mean_sum)).sum(axis=0)
    i11 = m_g.sum(axis=0)
    i12 = np.einsum("k,kij->ij", g, m_g)
    i22 = np.einsum("k,kij->ij", g * g, m_g)
    imat = np.block([[i11, i12], [i12.T, i22]])

    names = list(fit.table["term"])
    rows = []
    for term, cols in fit.terms.items():
        jj = [names.index(c) for c in cols]
        kk = list(range(p)) + [j + p for j in jj]
        u = np.concatenate((np.zeros(p), u2[jj]))
        stat = float(np.linalg.solve(imat[np.ix_(kk, kk)], u) @ u)
        rows.append((term, stat, len(jj)))
    u = np.concatenate((np.zeros(p), u2))
    rows.append(("GLOBAL", float(np.linalg.solve(imat, u) @ u), p))
    table = pd.DataFrame(rows, columns=["term", "chisq", "df"])
    table["p"] = _sps.chi2.sf(table["chisq"].to_numpy(), table["df"].to_numpy())
    method = (
        f"Score test of proportional hazards (Grambsch-Therneau, R survival >= 3.0 cox.zph), "
        f"{key} transform of time, {'Efron' if fit.ties == 'efron' else 'Breslow'} ties"
    )
    return CoxZphResult(table=table, transform=key, method=method)
