"""Column/Table declarations check themselves."""

import pytest

from blinrwe.model import Column, DType, Table, imputed_flag


def test_enum_needs_allowed_values():
    with pytest.raises(ValueError):
        Column("x", DType.ENUM, "x")
    with pytest.raises(ValueError):
        Column("x", DType.STR, "x", allowed=("a",))


def test_table_helpers():
    t = Table("t", "t", (Column("patient_id", DType.STR, "id", required=True, references="patients.patient_id"),
                         Column("d", DType.DATE, "d")))
    assert t.column_names == ("patient_id", "d") and t.required_columns == ("patient_id",)
    assert t.date_columns == ("d",) and t.patient_id_reference == "patients.patient_id"
    assert imputed_flag("d") == "d_imputed"
    with pytest.raises(KeyError):
        t.column("nope")
