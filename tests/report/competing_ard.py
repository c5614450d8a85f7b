"""ARD rows of the issue-9 analyses for the report tests, made by the analysis layer itself
from the patients of tests/analysis/golden/competing_regression.R."""

import pandas as pd

from blinrwe.analysis.ard import ard_frame
from blinrwe.analysis.competing_regression import competing_regression
from blinrwe.analysis.group_tests import group_tests
from blinrwe.analysis.summary_measures import rmst_rows, survival_difference_rows
from blinrwe.analysis.survival import SurvivalOutput, survival_analyses
from tests.analysis.golden_cohort import golden_cohort


def competing_ard(tau: float = 12.0, covariates=("age", "ph", "rare"), rho: float = 1.0) -> pd.DataFrame:
    c = golden_cohort()
    common = dict(endpoints=["OS"], variants=["none"], subgroups=["ph", "site"], time_unit="months")
    out = survival_analyses(c.tte, c.adsl, landmarks=[6.0, 12.0], out=SurvivalOutput(),
                            group_test=group_tests(c.adsl, rho=rho, strata=("site",), trend=("site",)), **common)
    parts = [ard_frame(out.rows), ard_frame(rmst_rows(c.tte, c.adsl, tau=tau, **common)),
             ard_frame(survival_difference_rows(c.tte, c.adsl, landmarks=[6.0, 12.0, 500.0], **common)),
             competing_regression(c.tte, c.adsl, endpoints=["CIR"], covariates=list(covariates))]
    return pd.concat(parts, ignore_index=True)
