"""A corrupted synthetic study of 300 patients gives exactly the findings of the per-cell implementation.

The vectorised coercion (distinct values, broadcast) and the mask-based rules must
not change any finding: ``data/corrupted_findings.csv.gz`` was written by the
implementation that coerced cell by cell and copied failing rows (commit 58518d4),
less one deliberate change since: no EVENT_DETAIL_MISPLACED on a row whose
event_type is itself unreadable (events row 534, both intake paths); this study is validated through both intake paths, with a data cut-off, and
compared finding by finding, in report order (code, place, value and its type,
message, hint, patient).
"""

from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from blinrwe.intake import read_study
from blinrwe.validate import validate_study

from . import corrupted

GOLDEN = Path(__file__).parent / "data" / "corrupted_findings.csv.gz"


@pytest.fixture(scope="module")
def corrupted_paths(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("corrupted")
    tables = corrupted.corrupted_tables(tmp)
    return {"csv": corrupted.write_corrupted_csv(tables, tmp / "bad_csv"),
            "xlsx": corrupted.write_corrupted_xlsx(tables, tmp / "bad.xlsx")}


@pytest.mark.parametrize("intake", ["csv", "xlsx"])
def test_same_findings_as_the_per_cell_implementation(corrupted_paths, intake):
    golden = pd.read_csv(GOLDEN, dtype=str, keep_default_na=False)
    golden = golden[golden["intake"] == intake].drop(columns="intake").reset_index(drop=True)
    study, report = validate_study(read_study(corrupted_paths[intake]), today=corrupted.TODAY,
                                   data_cutoff=corrupted.CUTOFF)
    assert study is None
    found = corrupted.findings_frame(report)
    found = found.astype(object).where(found.notna(), "").astype(str)
    assert len(found) > 700 and found["code"].nunique() >= 35
    pdt.assert_frame_equal(found, golden)


def test_workbook_read_with_and_without_format_lookups_gives_the_same_cells(corrupted_paths, monkeypatch):
    """Values-only reading (no percent format in the workbook) equals reading every cell with its format."""
    from blinrwe.intake import readers

    with_formats = readers.read_xlsx(corrupted_paths["xlsx"])
    monkeypatch.setattr(readers, "_has_percent_format", lambda book: False)
    values_only = readers.read_xlsx(corrupted_paths["xlsx"])
    for name, sheet in with_formats.sheets.items():
        other = values_only.sheets[name].cells.copy()
        if name == "patients":  # the one percent-formatted cell: 45 % as typed, or the stored fraction
            pct = sheet.header.index("bm_blast_pct_at_t0")
            changed = (sheet.cells[pct] != other[pct]) & ~(sheet.cells[pct].isna() & other[pct].isna())
            assert sheet.cells[pct][changed].tolist() == ["45.0%"] and other[pct][changed].tolist() == [0.45]
            other.loc[changed, pct] = "45.0%"
        assert sheet.header == values_only.sheets[name].header
        pdt.assert_frame_equal(sheet.cells, other)
