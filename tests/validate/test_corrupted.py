"""A corrupted synthetic study of 300 patients gives exactly the findings of the per-cell implementation.

The vectorised coercion (distinct values, broadcast) and the mask-based rules must
not change any finding: ``data/corrupted_findings.csv.gz`` was written by the
implementation that coerced cell by cell and copied failing rows (commit 58518d4),
less deliberate changes since: no EVENT_DETAIL_MISPLACED on a row whose
event_type is itself unreadable (events row 534, both intake paths); 'inf' is
NUMBER_INFINITE, not NUMBER_INVALID; the workbook's '=1+1' text cells, which
openpyxl writes as formulas without a value, are FORMULA_NOT_CALCULATED (they
were read as empty without a finding of their own); a date typed day first that
can only be read one way ('31/01/2023') has a hint giving the ISO date; an infusion segment longer than
a whole cycle (42 days) is INFUSION_LONG (five segments whose dates were garbled); a value still no number once
its percent sign is removed ('1,5%') is NUMBER_INVALID alone, without PERCENT_SIGN. This study is validated
through both intake paths, with a data cut-off, and compared finding by finding, in report order (code, place, value and its type,
message, hint, patient).
"""

from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from blinrwe.intake import read_study
from blinrwe.model.i18n import language, missing_translations, reset_missing
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


def test_workbook_cells_equal_openpyxls_own_read_only_rows(corrupted_paths):
    """The reader's row loop (blinrwe.intake.xlsx) gives the cells openpyxl's read-only rows give,
    but for the one percent-formatted cell, read as typed (45 %) instead of the stored fraction."""
    import openpyxl

    from blinrwe.intake import read_xlsx
    from blinrwe.intake.sheet import grid_of, raw_sheet

    path = corrupted_paths["xlsx"]
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    for name, sheet in read_xlsx(path).sheets.items():
        ws = book[name]
        ws.reset_dimensions()
        theirs = raw_sheet(name, path.name, name, grid_of(list(ws.iter_rows(values_only=True)))).cells
        if name == "patients":
            pct = sheet.header.index("bm_blast_pct_at_t0")
            changed = (sheet.cells[pct] != theirs[pct]) & ~(sheet.cells[pct].isna() & theirs[pct].isna())
            assert sheet.cells[pct][changed].tolist() == ["45.0%"] and theirs[pct][changed].tolist() == [0.45]
            theirs.loc[changed, pct] = "45.0%"
        pdt.assert_frame_equal(sheet.cells, theirs)
    book.close()


@pytest.mark.parametrize("intake", ["csv", "xlsx"])
def test_a_corrupted_study_validated_in_chinese_has_no_untranslated_text(corrupted_paths, intake):
    reset_missing()
    with language("zh"):
        _, report = validate_study(read_study(corrupted_paths[intake]), today=corrupted.TODAY,
                                   data_cutoff=corrupted.CUTOFF)
        text = report.to_text()
    assert missing_translations() == set()
    assert len(report.findings) > 700 and len(report.codes()) >= 35
    assert "修改方法：" in text and "Fix:" not in text
    # same findings, codes and places as in English; only the words differ
    _, english = validate_study(read_study(corrupted_paths[intake]), today=corrupted.TODAY, data_cutoff=corrupted.CUTOFF)
    assert [(f.code, f.sheet, f.row, f.column) for f in report.findings] == \
        [(f.code, f.sheet, f.row, f.column) for f in english.findings]
    assert sum(f.message != e.message for f, e in zip(report.findings, english.findings)) == len(english.findings)
