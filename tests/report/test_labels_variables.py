"""The label tables of variables: every variable a study may group by has its declared label."""

from .test_document import _grouping_variables


def test_every_grouping_variable_has_a_declared_label():
    from blinrwe.derive import DeriveSettings, derive_analysis_data
    from blinrwe.examples.seed003 import seed003_summary
    from blinrwe.examples.synthetic import synthetic_cohort
    from blinrwe.report.labels_variables import VARIABLE_LABELS

    for study in (synthetic_cohort(30, seed=2), seed003_summary()):
        adsl = derive_analysis_data(study, DeriveSettings()).adsl
        assert [v for v in _grouping_variables(adsl) if v not in VARIABLE_LABELS] == []
