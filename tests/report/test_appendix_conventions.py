"""The R-versus-SAS appendix (report/appendix_conventions.py) from the rows of analysis/conventions.py."""

import pandas as pd

from blinrwe.analysis.ard import ard_frame, ard_row
from blinrwe.analysis.conventions import convention_rows
from blinrwe.analysis.settings import AnalysisSettings
from blinrwe.model.i18n import language
from blinrwe.report.appendix_conventions import CONVENTIONS, conventions_tables
from blinrwe.report.context import ReportContext
from tests.analysis.test_conventions import tte


def _ard():
    response = ard_frame([ard_row("response", "response", "cr_cri", "proportion", 0.8, lower=0.519, upper=0.957,
                                  n=12, denominator=15, level="overall", method="Clopper-Pearson")])
    s = AnalysisSettings(endpoints=("OS",), cox_endpoints=(), time_unit="days", landmarks=(1.0, 10.0))
    return pd.concat([response, convention_rows(response, tte([1, 2, 3, 4], [1, 1, 0, 0]),
                                                pd.DataFrame({"patient_id": []}), s)], ignore_index=True)


def test_defaults_table_and_numbers_under_the_other_convention():
    listing, numbers = conventions_tables(_ard(), ReportContext(time_unit="days"))
    assert [r.key[0] for r in listing.rows[:len(CONVENTIONS)]] == list(CONVENTIONS)
    assert listing.cell(("cox_ties", "convention"), "Used in this report") == "Efron, as R"
    assert listing.cell(("binomial_ci", "convention"), "SAS default").startswith("Wald")
    assert numbers.cell(("median_rule", "OS", None), "As reported") == "3.0 (95% CI 1.0-NE)"
    assert numbers.cell(("median_rule", "OS", None), "Under the other convention").startswith("NR")
    assert numbers.cell(("landmark_beyond", "OS", 10.0), "As reported") == "NE"
    assert numbers.cell(("landmark_beyond", "OS", 10.0), "Under the other convention").startswith("50.0")
    assert numbers.cell(("binomial_ci", "cr_cri", None), "Under the other convention") == "80.0 (95% CI 59.8-100.0)"


def test_off_without_rows_and_in_chinese():
    assert conventions_tables(ard_frame([]), ReportContext()) == ()
    with language("zh"):
        listing, _numbers = conventions_tables(_ard(), ReportContext(time_unit="days"))
    assert listing.columns == ("R 默认", "SAS 默认", "本报告采用")
