"""The one ARD row the table tests compare a cell with."""


def one(ard, **kw):
    """The single row of ``ard`` whose columns equal ``kw``."""
    rows = ard
    for k, v in kw.items():
        rows = rows[rows[k] == v]
    assert len(rows) == 1, kw
    return rows.iloc[0]
