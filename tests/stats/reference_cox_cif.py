"""Deliberately naive second implementations (explicit loops, no vectorisation).

Used only by the tests: they share no code with blinrwe.stats, so agreement
between the two is evidence for both.

* :func:`naive_cox` - Cox partial likelihood (Efron or Breslow, strata) written as
  a loop over event times, maximised by scipy.optimize.
* :func:`naive_aalen_johansen` - cumulative incidence by a loop over times, with
  the cmprsk (Gray 1988 / delta-method) variance written as its defining double sum.
* :func:`naive_gray_test` - Gray's (1988) K-sample test, a loop over time points
  following the formulas of the paper as laid out in cmprsk's crstm.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize


def _cox_terms(beta, time, status, x, strata, ties):
    loglik = 0.0
    p = x.shape[1]
    grad = np.zeros(p)
    hess = np.zeros((p, p))
    for s in np.unique(strata):
        ins = strata == s
        ts, ds, xs = time[ins], status[ins], x[ins]
        risk_score = np.exp(xs @ beta)
        for t in np.unique(ts[ds == 1]):
            at_risk = ts >= t
            dead = (ts == t) & (ds == 1)
            d = int(dead.sum())
            r0 = risk_score[at_risk].sum()
            r1 = (risk_score[at_risk, None] * xs[at_risk]).sum(axis=0)
            r2 = np.einsum("i,ij,ik->jk", risk_score[at_risk], xs[at_risk], xs[at_risk])
            d0 = risk_score[dead].sum()
            d1 = (risk_score[dead, None] * xs[dead]).sum(axis=0)
            d2 = np.einsum("i,ij,ik->jk", risk_score[dead], xs[dead], xs[dead])
            loglik += float(xs[dead].sum(axis=0) @ beta)
            grad += xs[dead].sum(axis=0)
            for k in range(d):
                f = k / d if ties == "efron" else 0.0
                den = r0 - f * d0
                m1 = (r1 - f * d1) / den
                m2 = (r2 - f * d2) / den
                loglik -= np.log(den)
                grad -= m1
                hess -= m2 - np.outer(m1, m1)
    return loglik, grad, hess


def naive_cox(time, status, x, ties="efron", strata=None):
    """Maximise the partial likelihood with scipy (trust-region Newton); return coef, se, loglik."""
    time = np.asarray(time, float)
    status = np.asarray(status, int)
    x = np.asarray(x, float)
    strata = np.zeros(time.shape[0]) if strata is None else np.asarray(strata)

    def fun(b):
        ll, g, h = _cox_terms(b, time, status, x, strata, ties)
        return -ll, -g, -h

    res = minimize(lambda b: fun(b)[0], np.zeros(x.shape[1]), jac=lambda b: fun(b)[1],
                   hess=lambda b: fun(b)[2], method="trust-exact", options={"gtol": 1e-10})
    ll, _, h = _cox_terms(res.x, time, status, x, strata, ties)
    return {"coef": res.x, "se": np.sqrt(np.diag(np.linalg.inv(-h))), "loglik": ll}


def naive_aalen_johansen(time, event_type, cause):
    """Cumulative incidence of ``cause`` (event_type 0 = censored) at each distinct time.

    Returns (times, estimate, variance); the variance is cmprsk's
    sum over event times t_i <= t of
      cause events:      (1 + (F(t_i) - F(t)) / S(t_i))^2 * S(t_i-)^2 * d1 (n-d1)/(n-1) / n^2
      competing events:  ((F(t_i) - F(t)) / S(t_i))^2     * S(t_i-)^2 * d2 (n-d2)/(n-1) / n^2
    (the (n-d)/(n-1) factor only when d > 1; competing terms dropped when S(t_i) = 0).
    """
    time = np.asarray(time, float)
    event_type = np.asarray(event_type)
    times = np.unique(time)
    surv = 1.0
    rows = []  # (t, S(t-), S(t), F(t), n, d1, d2)
    cif = 0.0
    for t in times:
        n = int(np.sum(time >= t))
        d1 = int(np.sum((time == t) & (event_type == cause)))
        d2 = int(np.sum((time == t) & (event_type != cause) & (event_type != 0)))
        s_before = surv
        cif += s_before * d1 / n
        surv = s_before * (n - d1 - d2) / n
        rows.append((t, s_before, surv, cif, n, d1, d2))
    est = np.array([r[3] for r in rows])
    var = np.zeros(len(rows))
    for j, (_, _, _, f_t, _, _, _) in enumerate(rows):
        total = 0.0
        for (ti, s_b, s_a, f_i, n, d1, d2) in rows[: j + 1]:
            for d, is_cause in ((d1, True), (d2, False)):
                if d == 0:
                    continue
                if not is_cause and s_a <= 0:
                    continue
                corr = 1.0 if d == 1 else 1 - (d - 1) / (n - 1)
                weight = s_b * s_b * corr * d / (n * n)
                inv = 1.0 / s_a if s_a > 0 else 0.0
                h = (1.0 if is_cause else 0.0) + (f_i - f_t) * inv
                total += h * h * weight
        var[j] = total
    # the variance only changes at event times of the cause (F is constant in between)
    last = 0.0
    for j, r in enumerate(rows):
        if r[5] > 0:
            last = var[j]
        var[j] = last
    return times, est, var


def naive_gray_test(time, event_type, cause, group, strata=None, rho=0.0):
    """Gray's test statistic for equality of the cause's CIF across groups (loops)."""
    time = np.asarray(time, float)
    event_type = np.asarray(event_type)
    group = np.asarray(group)
    strata = np.zeros(time.shape[0]) if strata is None else np.asarray(strata)
    labels = sorted(set(group.tolist()))
    ng = len(labels)
    gidx = np.array([labels.index(g) for g in group])
    m = np.where(event_type == 0, 0, np.where(event_type == cause, 1, 2))
    score = np.zeros(ng - 1)
    var = np.zeros((ng - 1, ng - 1))
    for s in np.unique(strata):
        ins = strata == s
        ts, ms, gs = time[ins], m[ins], gidx[ins]
        rs = np.array([np.sum(gs == g) for g in range(ng)], float)
        f1m = np.zeros(ng)
        skmm = np.ones(ng)
        c = np.zeros((ng, ng))
        v3 = np.zeros(ng)
        v2 = np.zeros((ng - 1, ng))
        vs = np.zeros((ng - 1, ng - 1))
        fm = 0.0
        for t in np.unique(ts):
            at = ts == t
            d = np.array([[np.sum(at & (gs == g) & (ms == k)) for g in range(ng)] for k in range(3)], float)
            nd1, nd2 = d[1].sum(), d[2].sum()
            skm, f1 = skmm.copy(), f1m.copy()
            if nd1 + nd2 > 0:
                live = rs > 0
                skm[live] = skmm[live] * (rs[live] - d[1, live] - d[2, live]) / rs[live]
                f1[live] = f1m[live] + skmm[live] * d[1, live] / rs[live]
                tr = np.sum(rs[live] / skmm[live])
                tq = np.sum(rs[live] * (1 - f1m[live]) / skmm[live])
                f = fm + nd1 / tr
                fb = (1 - fm) ** rho
                a = np.zeros((ng, ng))
                for i in range(ng):
                    if rs[i] <= 0:
                        continue
                    ti = rs[i] / skmm[i]
                    a[i, i] = fb * ti * (1 - ti / tr)
                    for j in range(ng):
                        if j != i and rs[j] > 0:
                            a[i, j] = -fb * ti * rs[j] / (skmm[j] * tr)
                    for j in range(ng):
                        if a[i, j] != 0:
                            c[i, j] += a[i, j] * nd1 / (tr * (1 - fm))
                for i in range(ng - 1):
                    if rs[i] > 0:
                        score[i] += fb * (d[1, i] - nd1 * rs[i] * (1 - f1m[i]) / (skmm[i] * tq))
                if nd1 > 0:
                    for k in range(ng):
                        if rs[k] <= 0:
                            continue
                        t4 = 1 - (1 - f) / skm[k] if skm[k] > 0 else 1.0
                        t5 = 1 - (nd1 - 1) / (tr * skmm[k] - 1) if nd1 > 1 else 1.0
                        t3 = t5 * skmm[k] * nd1 / (tr * rs[k])
                        v3[k] += t4 * t4 * t3
                        for i in range(ng - 1):
                            t1 = a[i, k] - t4 * c[i, k]
                            v2[i, k] += t1 * t4 * t3
                            for j in range(i + 1):
                                vs[i, j] += t1 * (a[j, k] - t4 * c[j, k]) * t3
                if nd2 > 0:
                    for k in range(ng):
                        if skm[k] <= 0 or d[2, k] <= 0:
                            continue
                        t4 = (1 - f) / skm[k]
                        t5 = 1 - (d[2, k] - 1) / (rs[k] - 1) if d[2, k] > 1 else 1.0
                        t3 = t5 * skmm[k] ** 2 * d[2, k] / rs[k] ** 2
                        v3[k] += t4 * t4 * t3
                        for i in range(ng - 1):
                            t1 = t4 * c[i, k]
                            v2[i, k] -= t1 * t4 * t3
                            for j in range(i + 1):
                                vs[i, j] += t1 * t4 * c[j, k] * t3
                fm = f
            rs -= np.array([np.sum(at & (gs == g)) for g in range(ng)])
            f1m, skmm = f1, skm
        for i in range(ng - 1):
            for j in range(i + 1):
                for k in range(ng):
                    vs[i, j] += c[i, k] * c[j, k] * v3[k] + c[i, k] * v2[j, k] + c[j, k] * v2[i, k]
        var += vs
    var = np.tril(var) + np.tril(var, -1).T
    stat = float(score @ np.linalg.solve(var, score))
    return stat
