"""The data dictionary is generated from the declarations."""

from blinrwe.model import ALL_TABLES, data_dictionary


def test_one_entry_per_declared_column():
    entries = data_dictionary()
    assert len(entries) == sum(len(t.columns) for t in ALL_TABLES.values())
    blasts = next(e for e in entries if (e.table, e.column) == ("assessments", "bm_blast_pct"))
    assert (blasts.unit, blasts.minimum, blasts.maximum, blasts.required) == ("%", 0, 100, False)
    sex = next(e for e in data_dictionary("summary") if e.column == "sex")
    assert sex.allowed_values == "M, F" and sex.entry_format == "one code from the list"
