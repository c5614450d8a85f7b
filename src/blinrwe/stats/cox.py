"""Cox proportional hazards regression, equal to R ``survival::coxph``.

Clinical meaning: the hazard ratio (HR) compares the instantaneous risk of the
event (death, relapse...) between patients who differ by one unit of a covariate
(or between a category and the reference category), assuming that ratio is
constant over follow-up. ``cox_zph`` (module :mod:`blinrwe.stats.cox_zph`) tests
that assumption.

Definition (Cox 1972; Therneau & Grambsch 2000, ch. 3): maximise the partial
likelihood; at each distinct event time (within a stratum) the risk set is every
subject whose time is >= that time; a subject censored at an event time is at risk.

**Ties.** ``ties="efron"`` is the default of R ``coxph`` (and of lifelines and
Stata's ``efron`` option); ``ties="breslow"`` is the default of SAS ``PROC PHREG``
(``TIES=BRESLOW``), SPSS and Stata. With whole-day data the two differ in the
second or third digit of the HR, so the method is recorded on the result: a
Python analysis reproduces a SAS PHREG table only with ``ties="breslow"``.

**Fit, as R.** Newton-Raphson from beta = 0, with R's rules (``coxph.control``):
stop when ``|1 - loglik_old / loglik_new| <= 1e-9``; at most 20 iterations; a step
that lowers the log likelihood is halved towards the previous beta (step halving);
the information matrix is factored with R's tolerant Cholesky (pivot tolerance
``eps^0.75``). A column whose pivot at beta = 0 falls below that tolerance, relative to the
largest diagonal (R) or to the column's own risk-set second moments summed over the deaths,
carries no information (collinear, or constant among the patients at risk at every event
time; R reports its coefficient NA): the fit is refused with its name. The second bound makes
the decision the same for whole, split (``start``) or repeated rows: with one covariate R's
relative test alone compares a round-off residue with itself.

**SAS PHREG's stopping rule** (``convergence="phreg_gconv"``): the same Newton-Raphson
steps, stopped as PROC PHREG stops them by default (MODEL statement ``GCONV=1E-8``, the
relative gradient convergence criterion of the SAS/STAT PHREG and LOGISTIC documentation,
"Convergence Criteria"): at the iterate beta_k (k = 0, 1, ...) with log partial likelihood
l, score (gradient) g and information matrix I (minus the Hessian), the fit stops when
``g' I^-1 g / (|l| + 1e-6) < gconv`` and reports beta_k. That is the Newton step's
predicted (doubled) gain of log likelihood relative to the log likelihood, judged *before*
the step; R judges the gain *after* a step, so R usually takes one more Newton step and
its coefficients differ from PHREG's printed ones in the 5th-6th digit (both are the
maximum to within the tolerance). ``iterations`` is k, PHREG's "Iteration" count. Checked
against PROC PHREG output published by the PSI CAMIS project (``tests/stats/golden/sas_phreg.json``):
every printed digit equal, the Wald chi-square 10.6143 included (R's rule: 10.6142).

Score (log-rank) test at beta = 0, Wald test at the estimate,
likelihood-ratio test ``2 (l(beta) - l(0))``; all on ``p`` degrees of freedom.
Missing values: complete cases (R ``na.omit``); the number dropped is recorded.
Times closer than ``sqrt(machine eps)`` (relative) are merged into ties as R's
``timefix`` (``aeqSurv``) does.

Why hand-written (not lifelines / statsmodels): lifelines ``CoxPHFitter`` (Efron
only) and statsmodels ``PHReg`` stop on their own gradient/step rules, so their
estimates differ from R's in the 7th digit and their iteration counts and
non-convergence behaviour differ; lifelines is also 10-35x slower at a million
rows (``bench/cox.py``: 2.9 s here vs 105 s for lifelines and 23 s for R coxph on
a loaded 2-core machine; coefficients equal to R's to 1e-15). Here the risk-set
sums are sums over tie groups followed by a reverse cumulative sum within each
stratum, and Efron's correction needs only scalar sums per death, so one
iteration costs a few passes over an n x (1 + p + p(p+1)/2) array.

The likelihood and the fit are in :mod:`~blinrwe.stats.cox_likelihood`, the model's rows (complete
cases, design matrix, sorted) in :mod:`~blinrwe.stats.cox_design`; this module fits them
(:class:`CoxModel`: prepared once, refitted under other conventions) and reports the fit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd
from scipy import stats as _sps

from blinrwe.errors import StatisticalInputError

from ._inputs import as_level
from .cox_design import CoxRows, cox_rows
from .cox_likelihood import _cholesky2, _chsolve2, _newton_raphson, _PartialLikelihood, gconv_criterion, merge_identical_rows

__all__ = ["ChiSquareTest", "CoxConvergenceWarning", "CoxModel", "CoxResult", "cox_model", "cox_ph",
           "CONVERGENCE_RULES", "gconv_criterion"]

_EPS = 1e-9  # coxph.control(eps)
_TOLER_INF = np.sqrt(_EPS)  # coxph.control(toler.inf)
_ITER_MAX = 20  # coxph.control(iter.max)
_GCONV = 1e-8  # SAS PROC PHREG MODEL statement GCONV= default
#: Stopping rules of the Newton-Raphson fit: R ``coxph`` (relative change of the log likelihood) or SAS PHREG
#: (relative gradient convergence, GCONV).
CONVERGENCE_RULES = ("r", "phreg_gconv")


class CoxConvergenceWarning(UserWarning):
    """The Cox fit did not converge or a coefficient may be infinite (monotone likelihood)."""


@dataclass(frozen=True)
class ChiSquareTest:
    """A chi-square test: statistic, degrees of freedom, upper-tail p-value."""

    stat: float
    df: int
    p: float


@dataclass(frozen=True, eq=False)
class _Design:
    """What cox_zph needs: the complete-case data sorted by stratum then time."""

    time: np.ndarray  # after timefix, sorted
    status: np.ndarray  # 0/1 int, sorted
    x: np.ndarray  # (n, p) covariates, sorted, not centred
    strata: np.ndarray  # int codes (0..), sorted
    linear_predictor: np.ndarray  # x @ coef - mean, sorted
    start: np.ndarray | None = None  # entry times of (start, stop] rows, sorted with them; None: all from 0
    likelihood: _PartialLikelihood | None = None  # the fit's own, when it was over these rows (not merged)


@dataclass(frozen=True, eq=False)
class CoxResult:
    """Result of :func:`cox_ph` (the numbers of R ``summary(coxph(...))``).

    ``table``: one row per model column: ``term, coef, se, hr, lower, upper, z, p``
    (HR = exp(coef); CI ``exp(coef -/+ z_{1-alpha/2} se)``; Wald z and two-sided p).
    ``loglik``: (at beta = 0, at the estimate). ``terms`` maps each covariate to its
    model columns (a categorical covariate has one column per non-reference level).
    """

    table: pd.DataFrame
    coef: np.ndarray
    var: np.ndarray
    loglik: tuple[float, float]
    lr_test: ChiSquareTest
    wald_test: ChiSquareTest
    score_test: ChiSquareTest
    n: int
    n_events: int
    n_dropped: int
    ties: str
    method: str
    iterations: int
    converged: bool
    level: float
    terms: dict
    strata: tuple
    warnings: tuple = ()
    _design: _Design | None = field(default=None, repr=False)
    _model: "CoxModel | None" = field(default=None, repr=False)

    @property
    def term_names(self) -> list[str]:
        return list(self.table["term"])

    @property
    def model(self) -> "CoxModel | None":
        """The prepared rows this fit came from (:class:`CoxModel`): refit them, or pass as ``like``."""
        return self._model

    def refit(self, ties: str = "efron", level: float = 0.95, *, iter_max: int = _ITER_MAX, eps: float = _EPS,
              convergence: str = "r", gconv: float = _GCONV) -> "CoxResult":
        """The same model of the same patients fitted under other conventions (arguments as :func:`cox_ph`),
        from the rows this fit prepared: equal to ``cox_ph`` of the data with those arguments."""
        if self._model is None:
            raise StatisticalInputError("this Cox result keeps no prepared rows to refit; call cox_ph again.")
        return self._model.fit(ties, level, iter_max=iter_max, eps=eps, convergence=convergence, gconv=gconv)


# --- public API ---------------------------------------------------------------------------------


def _fit_options(ties, level, convergence, gconv) -> tuple[str, float]:
    """The ties rule (lower case) and the confidence level, checked with the stopping rule."""
    ties_key = str(ties).lower()
    if ties_key not in ("efron", "breslow"):
        raise StatisticalInputError(f"ties must be 'efron' (R default) or 'breslow' (SAS default); got {ties!r}.")
    level = as_level(level)
    if convergence not in CONVERGENCE_RULES:
        raise StatisticalInputError(
            f"convergence must be 'r' (R coxph) or 'phreg_gconv' (SAS PHREG GCONV); got {convergence!r}.")
    if not (isinstance(gconv, (int, float)) and 0 < float(gconv) < 1):
        raise StatisticalInputError(f"gconv must be a number between 0 and 1 (SAS default 1e-8); got {gconv!r}.")
    return ties_key, level


def cox_ph(
    data: pd.DataFrame,
    time: str,
    event: str,
    covariates: Sequence[str],
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
    level: float = 0.95,
    *,
    start: str | None = None,
    iter_max: int = _ITER_MAX,
    eps: float = _EPS,
    convergence: str = "r",
    gconv: float = _GCONV,
    like: "CoxModel | None" = None,
) -> CoxResult:
    """Fit a Cox proportional hazards model as R ``coxph(Surv(time, event) ~ covariates + strata(...))``.

    Parameters
    ----------
    data : one row per patient.
    time, event : column names; time from the origin (>= 0), event 1 = event, 0 = censored.
    covariates : column names; numeric columns enter as they are, text/categorical columns
        by dummy coding against the first level (terms named ``column[level]``).
    ties : "efron" (R default) or "breslow" (SAS PHREG default).
    strata : column name(s); a separate baseline hazard per stratum (combination).
    level : confidence level of the hazard-ratio intervals.
    start : column name of entry times: rows are then ``(start, time]`` intervals, R
        ``coxph(Surv(start, time, event) ~ ...)`` (counting-process form: time-varying covariates,
        e.g. allo-HSCT as a state from the transplant day, built by
        ``blinrwe.derive.time_dependent``; and delayed entry). A row is at risk at event times t
        with ``start < t <= time``; start and stop times within sqrt(machine eps) are tied as R.
    convergence : "r" (default): stop as R ``coxph`` (``eps``, relative change of the log
        likelihood); "phreg_gconv": stop as SAS PROC PHREG by default, when the relative
        gradient criterion ``g' I^-1 g / (|l| + 1e-6)`` falls below ``gconv`` (1e-8), which
        reproduces PHREG's printed digits (module docstring).
    like : the model of another fit of the same ``data`` (``CoxResult.model``; other covariates, same
        time, event, strata and start): its sorted times are reused when its complete cases are these
        (several models of one cohort sort its rows once). The fit is the same.

    The same as ``cox_model(data, time, event, covariates, strata, start=start).fit(ties, level, ...)``.
    """
    if not isinstance(data, pd.DataFrame):
        raise StatisticalInputError(f"data must be a pandas DataFrame; got {type(data).__name__}.")
    ties_key, level = _fit_options(ties, level, convergence, gconv)
    return cox_model(data, time, event, covariates, strata, start=start, like=like).fit(
        ties_key, level, iter_max=iter_max, eps=eps, convergence=convergence, gconv=gconv)


def cox_model(data: pd.DataFrame, time: str, event: str, covariates: Sequence[str],
              strata: str | Sequence[str] | None = None, *, start: str | None = None,
              like: "CoxModel | None" = None) -> "CoxModel":
    """The rows of a Cox model prepared once (:class:`CoxModel`), to be fitted under one or more
    conventions: Efron or Breslow ties, R's or SAS PHREG's stopping rule. Arguments as :func:`cox_ph`."""
    return CoxModel(cox_rows(data, time, event, covariates, strata, start, like=like.rows if like else None))


class CoxModel:
    """One Cox model's data, prepared once (complete cases, design matrix, sorted by stratum and time)
    and fitted by :meth:`fit` under any convention.

    Clinical use: the report's primary model is also shown as SAS would print it (Breslow ties,
    PHREG's stopping rule; ``blinrwe.analysis.conventions``); refitting the same patients needs
    neither a new design matrix nor, for the other stopping rule, new passes over the rows (R's and
    PHREG's Newton steps are the same; the likelihood remembers its evaluations). Each fit equals
    :func:`cox_ph` of the same arguments to the last bit.
    """

    def __init__(self, rows: CoxRows):
        self.rows = rows
        means = rows.x.mean(axis=0)
        self._xc = rows.x - means  # centring: same estimates, less round-off (as coxfit6)
        self._merged = None if rows.start is not None else merge_identical_rows(rows.time, rows.status, self._xc,
                                                                                rows.strata)
        self._likelihoods: dict[bool, _PartialLikelihood] = {}  # by efron

    @property
    def n(self) -> int:
        return int(self.rows.time.size)

    @property
    def n_events(self) -> int:
        return int(self.rows.status.sum())

    def likelihood(self, efron: bool) -> _PartialLikelihood:
        """The partial likelihood under Efron's or Breslow's ties (one set of rows for both)."""
        efron = bool(efron)
        if efron not in self._likelihoods:
            r, made = self.rows, list(self._likelihoods.values())
            if made:
                self._likelihoods[efron] = made[0].with_ties(efron)
            elif self._merged is None:
                self._likelihoods[efron] = _PartialLikelihood(r.time, r.status, self._xc, r.strata, efron=efron,
                                                              start=r.start)
            else:  # the same likelihood from each distinct (stratum, time, status, covariates) row once, with its count
                *merged_rows, count = self._merged
                self._likelihoods[efron] = _PartialLikelihood(*merged_rows, efron=efron, count=count)
        return self._likelihoods[efron]

    def fit(self, ties: str = "efron", level: float = 0.95, *, iter_max: int = _ITER_MAX, eps: float = _EPS,
            convergence: str = "r", gconv: float = _GCONV) -> CoxResult:
        """The fit under ``ties`` and ``convergence`` (arguments as :func:`cox_ph`)."""
        ties_key, level = _fit_options(ties, level, convergence, gconv)
        r = self.rows
        names, p = r.names, r.x.shape[1]
        pl = self.likelihood(ties_key == "efron")
        fit = _newton_raphson(pl, p, int(iter_max), float(eps),
                              float(gconv) if convergence == "phreg_gconv" else None)
        if fit["rank0"] < p:
            bad = [names[i] for i in range(p) if fit["chol0"][i, i] == 0]
            raise StatisticalInputError(
                f"covariate column(s) {bad} are collinear with the other covariates or constant among the patients "
                "at risk at every event time" + (" (within strata)" if r.strata_cols else "")
                + " (R coxph would report NA); drop or recode them."
            )
        notes = self._notes(fit, pl, convergence, int(iter_max), float(eps))
        for note in notes:
            warnings.warn(note, CoxConvergenceWarning, stacklevel=2)
        return self._result(fit, ties_key, level, convergence, gconv, notes, pl)

    def _notes(self, fit, pl, convergence, iter_max: int, eps: float) -> list[str]:
        """R's warnings: no convergence; a coefficient that may be infinite (monotone likelihood)."""
        beta, var, u = fit["beta"], fit["var"], fit["u"]
        notes = []
        lp = self._xc @ beta
        if iter_max > 1:
            infs = np.abs(u @ var)
            if not fit["converged"]:
                notes.append("Ran out of iterations and did not converge")
                if np.max(lp) > 500 or not np.all(np.isfinite(infs)):
                    notes.append("one or more coefficients may be infinite")
            else:
                if convergence == "phreg_gconv":  # the next Newton step is not negligible by R's standard
                    # at a GCONV stop, so the monotone-likelihood flag is R's, judged at R's estimate
                    check = _newton_raphson(pl, self.rows.x.shape[1], iter_max, eps)
                    if check["converged"]:
                        infs = np.abs(check["u"] @ check["var"])
                        u, beta_check = check["u"], check["beta"]
                    else:
                        beta_check = beta
                else:
                    beta_check = beta
                flag_inf = ~np.isfinite(u) | ((infs > eps) & (infs > _TOLER_INF * np.abs(beta_check)))
                if flag_inf.any():
                    which = [self.rows.names[i] for i in np.flatnonzero(flag_inf)]
                    notes.append(
                        f"Loglik converged before variable(s) {which}; coefficient may be infinite "
                        "(monotone likelihood: no events, or only events, in a category)."
                    )
        return notes

    def _result(self, fit, ties_key, level, convergence, gconv, notes, pl) -> CoxResult:
        r = self.rows
        p = r.x.shape[1]
        beta, var = fit["beta"], fit["var"]
        se = np.sqrt(np.diag(var))
        z = beta / se
        zq = _sps.norm.ppf((1 + level) / 2)
        table = pd.DataFrame(
            {
                "term": r.names,
                "coef": beta,
                "se": se,
                "hr": np.exp(beta),
                "lower": np.exp(beta - zq * se),
                "upper": np.exp(beta + zq * se),
                "z": z,
                "p": _sps.chi2.sf(z * z, 1),
            }
        )
        loglik0, loglik1 = (float(v) for v in fit["loglik"])
        lr = -2.0 * (loglik0 - loglik1)
        chol_v, _ = _cholesky2(var)
        wald = float(beta @ _chsolve2(chol_v, beta))
        ties_text = (
            "Efron approximation for ties (R coxph default)"
            if ties_key == "efron"
            else "Breslow approximation for ties (SAS PHREG default)"
        )
        method = (
            "Cox proportional hazards model (partial likelihood, Newton-Raphson as R coxph), "
            + ties_text
            + (f", stratified by {', '.join(r.strata_cols)}" if r.strata_cols else "")
            + (f", counting-process ({r.start_col}, {r.time_col}] rows" if r.start is not None else "")
            + (f", stopped by SAS PHREG's relative gradient criterion (GCONV = {float(gconv):g})"
               if convergence == "phreg_gconv" else "")
        )
        design = _Design(time=r.time, status=r.status, x=r.x, strata=r.strata, linear_predictor=self._xc @ beta,
                         start=r.start, likelihood=pl if self._merged is None else None)
        return CoxResult(
            table=table,
            coef=beta.copy(),
            var=var,
            loglik=(loglik0, loglik1),
            lr_test=ChiSquareTest(float(lr), p, float(_sps.chi2.sf(lr, p))),
            wald_test=ChiSquareTest(wald, p, float(_sps.chi2.sf(wald, p))),
            score_test=ChiSquareTest(fit["score"], p, float(_sps.chi2.sf(fit["score"], p))),
            n=self.n,
            n_events=self.n_events,
            n_dropped=r.n_dropped,
            ties=ties_key,
            method=method,
            iterations=int(fit["iterations"]),
            converged=bool(fit["converged"]),
            level=level,
            terms=r.terms,
            strata=tuple(r.strata_cols),
            warnings=tuple(notes),
            _design=design,
            _model=self,
        )
