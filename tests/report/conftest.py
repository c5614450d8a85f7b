"""Small, realistic StudyResults for the report tests (seed 001-like cohort: 96 patients,
53 newly diagnosed, 43 relapsed/refractory), built through the analysis layer's own
ARD row helpers so the fixture follows the contract in blinrwe/analysis/ard.py.

Kaplan-Meier steps for the curve fixtures are computed here with a few lines of numpy
(product-limit, Greenwood, log-log CI); they only need to be plausible, the report
never recomputes them.
"""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.ard import ard_frame, ard_row
from blinrwe.analysis.results import StudyResults
from blinrwe.report import ReportContext

Z = 1.959963984540054


def km_steps(time: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Product-limit steps with log-log pointwise 95% CI, first row at time 0."""
    order = np.argsort(time, kind="stable")
    time, event = time[order], event[order]
    rows = [dict(time=0.0, estimate=1.0, lower=1.0, upper=1.0, n_risk=len(time), n_event=0, n_censor=0)]
    s, green = 1.0, 0.0
    for t in np.unique(time):
        at = time == t
        n = int((time >= t).sum())
        d = int(event[at].sum())
        c = int(at.sum()) - d
        if d:
            s *= 1 - d / n
            green += d / (n * (n - d)) if n > d else np.inf
        if 0 < s < 1 and np.isfinite(green):
            se = np.sqrt(green) / abs(np.log(s))
            lo, hi = s ** np.exp(Z * se), s ** np.exp(-Z * se)
        else:
            lo = hi = np.nan if s == 0 else 1.0
        rows.append(dict(time=float(t), estimate=s, lower=lo, upper=hi, n_risk=n, n_event=d, n_censor=c))
    return pd.DataFrame(rows)


def _at(steps: pd.DataFrame, t: float) -> pd.Series:
    return steps[steps["time"] <= t].iloc[-1]


def _median(steps: pd.DataFrame):
    below = steps[steps["estimate"] <= 0.5]
    return float(below["time"].iloc[0]) if not below.empty else np.nan


def make_cohort(n_nd: int = 53, n_rr: int = 43, seed: int = 20240425) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = n_nd + n_rr
    setting = np.array(["newly_diagnosed"] * n_nd + ["relapsed_refractory"] * n_rr, dtype=object)
    hazard = np.where(setting == "newly_diagnosed", 0.012, 0.05)
    death = rng.exponential(1 / hazard)
    censor = rng.uniform(1, 22, n)
    os_time = np.round(np.minimum(death, censor), 2)
    os_event = (death <= censor).astype(int)
    ids = [f"P{i:03d}" for i in range(1, n + 1)]
    t0 = pd.Timestamp("2022-01-03") + pd.to_timedelta(rng.integers(0, 500, n), unit="D")
    return pd.DataFrame({"patient_id": ids, "disease_setting": setting, "os_time": os_time, "os_event": os_event, "t0": t0})


def build_results(cohort: pd.DataFrame, *, with_curves: bool = True) -> StudyResults:
    rows = []
    groups = [("", "Overall", cohort)] + [("disease_setting", g, cohort[cohort["disease_setting"] == g])
                                         for g in ("newly_diagnosed", "relapsed_refractory")]
    # Table 1
    for gv, g, c in groups:
        rows.append(ard_row("baseline", "table1", "patients", "N", len(c), n=len(c), group_var=gv, group=g))
        age = {"Overall": (34, 11, 67, 35.2, 15.1), "newly_diagnosed": (36, 13, 67, 37.0, 14.2),
               "relapsed_refractory": (32.5, 11, 64, 33.0, 15.9)}[g]
        for stat, val in zip(("median", "min", "max", "mean", "sd"), age):
            rows.append(ard_row("baseline", "table1", "age_at_t0", stat, val, group_var=gv, group=g, denominator=len(c), method="sample statistic"))
        rows.append(ard_row("baseline", "table1", "age_at_t0", "missing", 0, group_var=gv, group=g, denominator=len(c)))
        males = {"Overall": 53, "newly_diagnosed": 30, "relapsed_refractory": 23}[g]
        for level, k in (("F", len(c) - males), ("M", males)):
            rows.append(ard_row("baseline", "table1", "sex", "n", k, level=level, n=k, denominator=len(c), group_var=gv, group=g))
            rows.append(ard_row("baseline", "table1", "sex", "pct", 100 * k / len(c), level=level, n=k, denominator=len(c), group_var=gv, group=g))
        rows.append(ard_row("baseline", "table1", "sex", "missing", 0, group_var=gv, group=g))
        pos = {"Overall": 29, "newly_diagnosed": 21, "relapsed_refractory": 8}[g]
        miss = {"Overall": 2, "newly_diagnosed": 1, "relapsed_refractory": 1}[g]
        known = len(c) - miss
        for level, k in (("negative", known - pos), ("positive", pos)):
            rows.append(ard_row("baseline", "table1", "ph_status", "n", k, level=level, n=k, denominator=known, group_var=gv, group=g))
            rows.append(ard_row("baseline", "table1", "ph_status", "pct", 100 * k / known, level=level, n=k, denominator=known, group_var=gv, group=g))
        rows.append(ard_row("baseline", "table1", "ph_status", "missing", miss, group_var=gv, group=g))
    rows.append(ard_row("baseline", "table1", "age_at_t0", "test_p", 0.2113, group_var="disease_setting", group="", method="Wilcoxon rank-sum test (normal approximation, continuity correction)"))
    rows.append(ard_row("baseline", "table1", "sex", "test_p", 0.8376, group_var="disease_setting", group="", method="Pearson's chi-squared test with Yates' continuity correction"))
    rows.append(ard_row("baseline", "table1", "ph_status", "test_p", 0.00042, group_var="disease_setting", group="", method="Pearson's chi-squared test with Yates' continuity correction"))
    # Exposure
    for gv, g, c in groups:
        cyc = {"Overall": (1, 1, 5, 1.5, 0.9), "newly_diagnosed": (1, 1, 5, 1.7, 1.0), "relapsed_refractory": (1, 1, 3, 1.3, 0.6)}[g]
        for stat, val in zip(("median", "min", "max", "mean", "sd"), cyc):
            rows.append(ard_row("exposure", "exposure", "cycles_started", stat, val, group_var=gv, group=g, denominator=len(c)))
        short = {"Overall": 40, "newly_diagnosed": 20, "relapsed_refractory": 20}[g]
        for level, k in (("<= 14 days", short), ("15-28 days", len(c) - short)):
            rows.append(ard_row("exposure", "exposure", "duration_class_cycle1", "n", k, level=level, n=k, denominator=len(c), group_var=gv, group=g))
    # Response (Clopper-Pearson limits from R binom.test)
    resp = {"Overall": (28, 42, 0.5047, 0.7956), "newly_diagnosed": (14, 14, 0.7684, 1.0), "relapsed_refractory": (14, 28, 0.3065, 0.6935)}
    for gv, g, c in groups:
        k, nn, lo, hi = resp[g]
        # as analysis/response.py writes them: level = assessment window [| MRD denominator]
        rows.append(ard_row("response", "response", "evaluable", "n", nn, level="2_cycles", n=nn, denominator=nn, group_var=gv, group=g))
        rows.append(ard_row("response", "response", "cr_cri", "proportion", k / nn, lower=lo, upper=hi, n=k, denominator=nn,
                            level="2_cycles", group_var=gv, group=g, method="Clopper-Pearson exact 95% CI"))
        rows.append(ard_row("response", "response", "mrd_negative", "proportion", 0.5, lower=0.3, upper=0.7, n=k // 2, denominator=k,
                            level="2_cycles|responders", group_var=gv, group=g, method="Clopper-Pearson exact 95% CI"))
        rows.append(ard_row("response", "response", "cr_cri", "proportion", k / nn, lower=lo, upper=hi, n=k, denominator=nn,
                            level="overall", group_var=gv, group=g, method="Clopper-Pearson exact 95% CI"))
    # Survival from the cohort (KM), one variant for OS, two for EFS
    curves = []
    for endpoint, variants in (("OS", ("",)), ("EFS", ("", "censor_hsct_cart"))):
        for variant in variants:
            for gv, g, c in groups:
                time = c["os_time"].to_numpy(float) * (0.8 if endpoint == "EFS" else 1.0) * (1.1 if variant else 1.0)
                event = c["os_event"].to_numpy(int)
                steps = km_steps(time, event)
                analysis = f"{endpoint}:{variant}:{gv}"
                curves.append(steps.assign(analysis=analysis, endpoint=endpoint, variant=variant, group_var=gv, group=g, kind="km"))
                keys = dict(group_var=gv, group=g, variant=variant, time_unit="months")
                rows.append(ard_row("survival", "survival", endpoint, "events", event.sum(), n=event.sum(), denominator=len(c), **keys))
                med = _median(steps)
                rows.append(ard_row("survival", "survival", endpoint, "km_median", med, lower=(2.1 if not np.isnan(med) else 9.4), upper=np.nan,
                                    note="" if not np.isnan(med) else "not_reached", method="Kaplan-Meier; Brookmeyer-Crowley CI (log-log)", **keys))
                for landmark in (12.0, 24.0):
                    if landmark > time.max():
                        rows.append(ard_row("survival", "survival", endpoint, "km_rate", None, time=landmark, note="beyond_follow_up",
                                            method="Kaplan-Meier; log-log CI", **keys))
                        continue
                    at = _at(steps, landmark)
                    rows.append(ard_row("survival", "survival", endpoint, "km_rate", at["estimate"], lower=at["lower"], upper=at["upper"],
                                        time=landmark, method="Kaplan-Meier; log-log CI", **keys))
                    rows.append(ard_row("survival", "survival", endpoint, "km_se", at["estimate"] * 0.1, time=landmark, method="Greenwood", **keys))
            rows.append(ard_row("survival", "survival", endpoint, "logrank_p", 0.00031, group_var="disease_setting", group="", variant=variant,
                                method="log-rank test (Mantel-Cox)"))
    rows.append(ard_row("followup", "survival", "OS", "followup_median", 11.2, lower=9.8, upper=13.0, group_var="", group="Overall",
                        method="reverse Kaplan-Meier"))
    # Cox
    for table, hr, p in (("cox_univariable", (0.54, 0.31, 0.93), 0.026), ("cox_multivariable", (0.61, 0.34, 1.09), 0.095)):
        # as analysis/regression.py writes them: variable = endpoint, level = model term
        cox = dict(variant="", n=45, denominator=96)
        rows.append(ard_row("cox", table, "OS", "hr", hr[0], lower=hr[1], upper=hr[2], level="ph_status[positive]", method="Cox proportional hazards (Efron ties)", **cox))
        rows.append(ard_row("cox", table, "OS", "cox_p", p, level="ph_status[positive]", method="Wald test", **cox))
        rows.append(ard_row("cox", table, "OS", "hr", 1.021, lower=1.004, upper=1.038, level="age_at_t0", method="Cox proportional hazards (Efron ties)", **cox))
        rows.append(ard_row("cox", table, "OS", "cox_p", 0.0149, level="age_at_t0", method="Wald test", **cox))
        rows.append(ard_row("cox", table, "OS", "zph_p", 0.41, level="GLOBAL", method="Grambsch-Therneau score test", **cox))
    # Cox subgroups (analysis/regression.py): group = level compared, level = reference level,
    # the reference level itself as an "hr" row of 1 marked "reference"
    for gv, ref, others in (("disease_setting", "newly_diagnosed", (("relapsed_refractory", 2.9, 1.6, 5.3, 0.0004),)),
                            ("ph_status", "negative", (("positive", 0.8, 0.42, 1.52, 0.49),))):
        sg = dict(variant="", n=45, denominator=96, group_var=gv, level=ref, method="Cox proportional hazards (Efron ties)")
        rows.append(ard_row("cox", "cox_subgroups", "OS", "hr", 1.0, group=ref, note="reference", **sg))
        for level, hr, lo, hi, p in others:
            rows.append(ard_row("cox", "cox_subgroups", "OS", "hr", hr, lower=lo, upper=hi, group=level, **sg))
            rows.append(ard_row("cox", "cox_subgroups", "OS", "cox_p", p, group=level, **{**sg, "method": "Wald test"}))
    # Table 1: an integer variable that does not apply to newly diagnosed patients
    for gv, g, c in groups:
        if g == "newly_diagnosed":
            rows.append(ard_row("baseline", "table1", "relapse_number", "n", 0, group_var=gv, group=g, denominator=len(c), note="integer"))
            rows.append(ard_row("baseline", "table1", "relapse_number", "missing", 0, group_var=gv, group=g, denominator=0, note="not_applicable; integer"))
            rows.append(ard_row("baseline", "table1", "relapse_number", "not_applicable", len(c), group_var=gv, group=g, denominator=len(c), note="integer"))
            continue
        for stat, val in zip(("median", "min", "max", "mean", "sd"), (1.5, 1, 3, 1.44, 0.63)):
            rows.append(ard_row("baseline", "table1", "relapse_number", stat, val, group_var=gv, group=g, denominator=43, note="integer"))
        rows.append(ard_row("baseline", "table1", "relapse_number", "not_applicable", 53 if g == "Overall" else 0,
                            group_var=gv, group=g, denominator=len(c), note="integer"))
    # Competing risks
    for gv, g, c in groups:
        rows.append(ard_row("competing_risks", "competing_risks", "relapse", "events", 9, n=9, denominator=len(c), group_var=gv, group=g))
        rows.append(ard_row("competing_risks", "competing_risks", "relapse", "cif", 0.154, lower=0.08, upper=0.25, time=12.0, group_var=gv, group=g,
                            method="Aalen-Johansen; competing event death without relapse"))
    rows.append(ard_row("competing_risks", "competing_risks", "relapse", "gray_p", 0.041, group_var="disease_setting", group="", method="Gray's test"))
    # Safety (seed 001 Table 3)
    for term, counts in (("any", (19, 7, 12)), ("CRS", (7, 4, 3)), ("ICANS", (1, 0, 1)), ("infection", (6, 2, 4)), ("neutropenia", (1, 0, 1))):
        for stat, k in zip(("grade_any", "grade_1_2", "grade_3plus"), counts):
            rows.append(ard_row("safety", "safety", term, stat, k, n=k, denominator=96, method="worst grade per patient; CTCAE v5.0, ASTCT 2019 for CRS/ICANS"))
    # Patterns
    for level, k in (("allo_hsct", 51), ("car_t", 18), ("chemotherapy", 15), ("none", 12)):
        rows.append(ard_row("patterns", "patterns", "first_next_therapy", "n", k, level=level, n=k, denominator=96))
    ard = ard_frame(rows)

    flows = pd.DataFrame({
        "flow": ["duration_class_cycle1->first_next_therapy"] * 6,
        "source": ["<= 14 days", "<= 14 days", "<= 14 days", "15-28 days", "15-28 days", "15-28 days"],
        "target": ["allo_hsct", "car_t", "chemotherapy", "allo_hsct", "chemotherapy", "none"],
        "n": [25, 10, 5, 26, 10, 20],
    })
    curves_df = pd.concat(curves, ignore_index=True) if with_curves else None
    risk = []
    if with_curves:
        for analysis, c in curves_df.groupby("analysis", sort=False):
            for g, cg in c.groupby("group", sort=False):
                for t in (0, 6, 12, 18, 24):
                    risk.append(dict(analysis=analysis, endpoint=cg["endpoint"].iloc[0], variant=cg["variant"].iloc[0],
                                     group_var=cg["group_var"].iloc[0], group=g, time=float(t),
                                     n_risk=int(cg.loc[cg["time"] >= t, "n_risk"].max()) if (cg["time"] >= t).any() else 0))
    methods = pd.DataFrame({"topic": ["km", "ci", "software"], "text": [
        "Time-to-event endpoints were estimated with the Kaplan-Meier product-limit estimator",
        "Pointwise confidence intervals used the log-log transformation of the Greenwood variance",
        "Analyses used blinrwe 0.1.0 with numpy, scipy and pandas"]})
    analysis_data = types.SimpleNamespace(
        adsl=pd.DataFrame({"patient_id": cohort["patient_id"], "disease_setting": cohort["disease_setting"],
                           "last_infusion_date": cohort["t0"] + pd.Timedelta(days=27),
                           "date_first_cr_cri": cohort["t0"] + pd.Timedelta(days=35)}),
        tte=pd.DataFrame({"patient_id": cohort["patient_id"], "endpoint": "OS", "variant": "", "origin_date": cohort["t0"],
                          "time_days": cohort["os_time"] * 30.4375, "time_months": cohort["os_time"], "event": cohort["os_event"]}),
        therapy_paths=pd.DataFrame({"patient_id": cohort["patient_id"][::3], "allo_hsct_date": cohort["t0"][::3] + pd.Timedelta(days=80)}),
        attrition=pd.DataFrame({"analysis_set": ["all_treated", "response_evaluable", "response_evaluable"],
                                "included": pd.array([True, True, False], dtype="boolean"),
                                "reason": [None, None, "in CR at first infusion"],
                                "n": [len(cohort), 42, len(cohort) - 42]}),  # the patient flow
    )
    findings = pd.DataFrame({"severity": ["warning", "warning"], "table": ["infusions", "patients"], "row": [14, 3],
                             "column": ["end_date", "birth_date"], "message": ["Segment ends after the data cut-off; kept", "Partial date imputed to mid-year"]})
    kwargs = dict(ard=ard, flows=flows, methods=methods, analysis_data=analysis_data, findings=findings, title="Fixture study")
    if with_curves:
        kwargs.update(curves=curves_df, risk_tables=pd.DataFrame(risk))
    return StudyResults(**kwargs)


@pytest.fixture(scope="session")
def cohort() -> pd.DataFrame:
    return make_cohort()


@pytest.fixture(scope="session")
def results(cohort) -> StudyResults:
    return build_results(cohort)


@pytest.fixture(scope="session")
def ard(results) -> pd.DataFrame:
    return results.ard


@pytest.fixture(scope="session")
def context() -> ReportContext:
    return ReportContext(title="Blinatumomab in B-ALL: a real-world cohort", subtitle="Fixture data", landmarks=(12.0, 24.0))


@pytest.fixture(scope="session")
def rendered(results, context, tmp_path_factory):
    """The full report rendered once for the writer tests (html, docx, xlsx, png, svg, pdf).

    Rendered once per test run, not once per xdist worker: the first worker to get here
    renders into the run's shared temporary folder and pickles the result; the others wait
    on a file lock and load it (pytest-xdist's documented pattern for session data).
    PNGs at 72 dpi: what is drawn is the same, the pixels are fewer."""
    import os
    import pickle
    from dataclasses import replace

    from blinrwe.report import render_report

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by every worker of this run
    try:
        import fcntl
    except ImportError:  # no flock (Windows): each worker renders its own
        return render_report(results, replace(context, figure_dpi=72), tmp_path_factory.mktemp("report"))
    with open(root / "rendered.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        cached = root / "rendered.pickle"
        if cached.exists():
            return pickle.loads(cached.read_bytes())
        report = render_report(results, replace(context, figure_dpi=72), root / "rendered_report")
        cached.write_bytes(pickle.dumps(report))
        return report
