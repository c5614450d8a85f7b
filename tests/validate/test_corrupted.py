"""A corrupted synthetic study of 300 patients gives exactly the findings of the per-cell implementation.

The vectorised coercion (distinct values, broadcast) and the mask-based rules must
not change any finding: ``data/corrupted_findings.csv.gz`` was written by the
implementation that coerced cell by cell and copied failing rows (commit 58518d4),
and this study is validated through both intake paths, with a data cut-off, and
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
