import pytest

from blinrwe.report.table_model import DisplayTable, Row, SpanningHeader, with_footnotes


def _table(**kw):
    base = dict(table_id="t", title="T", columns=("A", "B"),
                rows=(Row("Sex, n (%)", ("", ""), 0, True, ("sex",)), Row("Male", ("1 (50.0)", "2 (66.7)"), 1, False, ("sex", "M", "n"))))
    base.update(kw)
    return DisplayTable(**base)


def test_lookup_by_key():
    t = _table()
    assert t.cell(("sex", "M", "n"), "B") == "2 (66.7)"
    with pytest.raises(KeyError):
        t.row(("age",))


def test_width_checked():
    with pytest.raises(ValueError, match="row 'Male' has 1 cells for 2 columns"):
        _table(rows=(Row("Male", ("1",)),))
    with pytest.raises(ValueError, match="spanning headers cover 1 of 2"):
        _table(spanning=(SpanningHeader("X", 1),))


def test_frame_and_footnotes():
    t = with_footnotes(_table(spanning=(SpanningHeader("G", 2),), columns=("n", "n")), "note", "note", "")
    assert t.footnotes == ("note",)
    frame = t.to_frame()
    assert list(frame.columns) == [" ", "G | n", "G | n"]
    assert frame.iloc[1, 0] == "    Male"
