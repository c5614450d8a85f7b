"""The label tables of codes: every code a specification may name has its label."""


def test_grading_codes_have_labels():
    from blinrwe.app.spec import GRADINGS
    from blinrwe.report.labels_codes import METHOD_CODE_LABELS

    assert set(GRADINGS) <= set(METHOD_CODE_LABELS)  # every grading a specification may name has a label
