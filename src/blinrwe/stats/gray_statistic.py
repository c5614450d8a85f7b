"""Gray's test that a cause's cumulative incidence is the same in K groups, as R ``cmprsk::cuminc``.

Definitions (Gray 1988, Ann. Stat. 16:1141; R ``cmprsk`` 2.2, whose Fortran
``crstm``/``crst`` this module ports as vectorised array arithmetic): for each cause,
the score ``s`` of the first K-1 groups (weighted observed minus expected events of
the cause under a common subdistribution hazard) and its variance ``V``;
``s' V^-1 s`` ~ chi-square(K-1). Weight ``(1 - F(t-))^rho`` (rho = 0 default, as
cmprsk), F the pooled cumulative incidence. With ``strata`` the scores and variances
are summed over strata. The counts per time come from the same tabulation as the
Aalen-Johansen curves (:mod:`blinrwe.stats.counts`), censorings tied with events at
risk at that time.

A singular variance (by R ``qr()``'s rank rule, as cmprsk decides it,
:mod:`blinrwe.stats._chi_square`: e.g. a group with nobody at risk at the cause's
event times) gives a NaN statistic with the reason (:data:`_GRAY_SINGULAR`); cmprsk
reports ``stat = -1, p = 1`` there, a p value that reads as "no difference" where
there is no test.

Hand-written because no Python library implements Gray's test (lifelines has the
Aalen-Johansen estimate only, with a different variance; scikit-survival and
statsmodels none). The result table (``CumulativeIncidence.gray_test``) and the
function :func:`blinrwe.stats.competing_risks.gray_test` are in
:mod:`blinrwe.stats.competing_risks`.
"""

from __future__ import annotations

import numpy as np

from ._chi_square import quadratic_form
from .counts import _grouped_from_codes

_GRAY_SINGULAR = (
    "variance of the score is singular: a group has no patients at risk at any event time of the cause "
    "(cmprsk reports stat -1, p 1)"
)


def _gray_stratum(n_risk, d_cause, d_other, rho: float):
    """Score (ng) and variance (ng x ng) of one stratum; arrays are (times, groups)."""
    keep = (d_cause.sum(axis=1) + d_other.sum(axis=1)) > 0  # times without events add nothing
    rs = n_risk[keep].astype(float)
    d1 = d_cause[keep].astype(float)
    d2 = d_other[keep].astype(float)
    ng = rs.shape[1]
    if rs.shape[0] == 0:
        return np.zeros(ng), np.zeros((ng, ng))
    live = rs > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(live, (rs - d1 - d2) / rs, 1.0)
        skm = np.cumprod(step, axis=0)  # group KM of any event, right-continuous
        skmm = np.vstack((np.ones((1, ng)), skm[:-1]))  # left-continuous
        f1 = np.cumsum(np.where(live, skmm * d1 / rs, 0.0), axis=0)  # group CIF of the cause
        f1m = np.vstack((np.zeros((1, ng)), f1[:-1]))
        t1 = np.where(live, rs / skmm, 0.0)
        tr = t1.sum(axis=1)  # sum_r h_r in Gray's notation
        tq = np.where(live, rs * (1 - f1m) / skmm, 0.0).sum(axis=1)  # sum_r R_r
        nd1 = d1.sum(axis=1)
        f = np.cumsum(nd1 / tr)  # pooled CIF
        fm = np.concatenate(([0.0], f[:-1]))
        fb = (1 - fm) ** rho
        a = fb[:, None, None] * (
            t1[:, :, None] * np.eye(ng)[None] - t1[:, :, None] * t1[:, None, :] / tr[:, None, None]
        )
        cw = np.where(nd1 > 0, nd1 / (tr * (1 - fm)), 0.0)
        c = np.cumsum(np.where(a != 0, a * cw[:, None, None], 0.0), axis=0)
        score = (fb[:, None] * np.where(live, d1 - nd1[:, None] * rs * (1 - f1m) / (skmm * tq[:, None]), 0.0)).sum(axis=0)

        # cause-of-interest events
        t4 = np.where(skm > 0, 1 - (1 - f)[:, None] / skm, 1.0)
        t5 = np.where(nd1[:, None] > 1, 1 - (nd1[:, None] - 1) / (tr[:, None] * skmm - 1), 1.0)
        t3 = np.where(live & (nd1[:, None] > 0), t5 * skmm * nd1[:, None] / (tr[:, None] * rs), 0.0)
        b = a - t4[:, None, :] * c  # b[t, i, k] = a(i,k) - t4_k c(i,k)
        v3 = (t4 * t4 * t3).sum(axis=0)
        v2 = np.einsum("tik,tk->ik", b, t4 * t3)
        v = np.einsum("tik,tjk,tk->ij", b, b, t3)

        # competing events
        ok = (skm > 0) & (d2 > 0)
        u4 = np.where(ok, (1 - f)[:, None] / skm, 0.0)
        u5 = np.where(d2 > 1, 1 - (d2 - 1) / (rs - 1), 1.0)
        u3 = np.where(ok, u5 * skmm**2 * d2 / rs**2, 0.0)
        v3 = v3 + (u4 * u4 * u3).sum(axis=0)
        v2 = v2 - np.einsum("tik,tk->ik", c, u4 * u4 * u3)
        v = v + np.einsum("tik,tjk,tk->ij", c, c, u4 * u4 * u3)

    cf = c[-1]
    v = v + (cf * v3[None, :]) @ cf.T + cf @ v2.T + v2 @ cf.T
    return score, v


def _gray_all_causes(t, codes, gidx, n_groups, scodes, n_causes, rho):
    rows = []
    for k in range(1, n_causes + 1):
        m = np.where(codes == 0, 0, np.where(codes == k, 1, 2))
        score = np.zeros(n_groups)
        var = np.zeros((n_groups, n_groups))
        for s in np.unique(scodes):
            ins = scodes == s
            counts = _grouped_from_codes(t[ins], m[ins], gidx[ins], tuple(range(n_groups)), None, (1, 2))
            sc, vv = _gray_stratum(
                counts.n_risk, counts.n_event_by_cause[:, :, 0], counts.n_event_by_cause[:, :, 1], rho
            )
            score += sc
            var += vv
        stat = quadratic_form(score[:-1], var[:-1, :-1])
        rows.append((stat, _GRAY_SINGULAR if np.isnan(stat) else ""))
    return rows
