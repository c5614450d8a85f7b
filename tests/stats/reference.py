"""Deliberately naive second implementations (loops over subjects, no numpy tricks).

Used by the property tests to check the fast, count-based estimators: written
straight from the textbook definitions (Kaplan and Meier 1958; Greenwood 1926;
Mantel 1966), one subject at a time, so that a shared mistake is unlikely.
"""

from __future__ import annotations

import math
from fractions import Fraction


def kaplan_meier_reference(time, event):
    """Rows (t, n_risk, n_event, n_censor, S, greenwood_se_of_S) at every distinct time."""
    rows = []
    s = 1.0
    green = 0.0
    for t in sorted(set(float(x) for x in time)):
        n = sum(1 for x in time if float(x) >= t)
        d = sum(1 for x, e in zip(time, event) if float(x) == t and int(e) == 1)
        c = sum(1 for x, e in zip(time, event) if float(x) == t and int(e) == 0)
        if d:
            s *= (n - d) / n
            green = math.inf if n == d else green + d / (n * (n - d))
        se = s * math.sqrt(green) if s > 0 else math.nan
        rows.append((t, n, d, c, s, se))
    return rows


def logrank_reference(time, event, group):
    """Unstratified log-rank (chi-square, O, E) via the hypergeometric O - E and V (loops).

    Exact rational arithmetic, so a variance that is singular in exact terms is known to
    be: the chi-square is then None (not estimable), as it is with fewer than two groups
    expecting events.
    """
    labels = sorted(set(group))
    k = len(labels)
    o = [Fraction(0)] * k
    e = [Fraction(0)] * k
    v = [[Fraction(0)] * k for _ in range(k)]
    for t in sorted(set(Fraction(x) for x in time)):
        at_risk = [sum(1 for x, g in zip(time, group) if Fraction(x) >= t and g == lab) for lab in labels]
        deaths = [sum(1 for x, ev, g in zip(time, event, group) if Fraction(x) == t and int(ev) == 1 and g == lab)
                  for lab in labels]
        n = sum(at_risk)
        d = sum(deaths)
        if d == 0:
            continue
        for j in range(k):
            o[j] += deaths[j]
            e[j] += Fraction(at_risk[j] * d, n)
            if n > 1:
                for m in range(k):
                    delta = 1 if j == m else 0
                    share_j, share_m = Fraction(at_risk[j], n), Fraction(at_risk[m], n)
                    v[j][m] += Fraction(d * (n - d), n - 1) * share_j * (delta - share_m)
    as_float = ([float(x) for x in o], [float(x) for x in e])
    # Solve the (k-1) x (k-1) system (drop the first group) by Gauss-Jordan elimination.
    idx = [j for j in range(k) if e[j] > 0][1:]
    if not idx:
        return None, *as_float
    a = [[v[r][c] for c in idx] + [o[r] - e[r]] for r in idx]
    m = len(a)
    for col in range(m):
        piv = next((r for r in range(col, m) if a[r][col] != 0), None)
        if piv is None:
            return None, *as_float  # singular
        a[col], a[piv] = a[piv], a[col]
        for r in range(m):
            if r != col:
                f = a[r][col] / a[col][col]
                a[r] = [x - f * y for x, y in zip(a[r], a[col])]
    sol = [a[r][m] / a[r][r] for r in range(m)]
    return float(sum(s * (o[j] - e[j]) for s, j in zip(sol, idx))), *as_float
