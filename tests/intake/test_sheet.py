"""One sheet as read -> RawSheet: blank cells found by column as ``is_empty`` finds them cell by cell,
and a reader's own blanks (or its columns) give the RawSheet of the grid."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pandas as pd
import pytest

from blinrwe.intake.sheet import blank_cells, grid_of, is_empty, raw_sheet, sheet_of_columns

_VALUES = [None, "", " ", "\t\n", "x", " x ", "NaN", 0, 7, 2.5, -0.0, True, dt.datetime(2020, 1, 2),
           dt.date(2020, 1, 2), "2023-05", "\u3000", "是"]


def _column(rng: random.Random) -> np.ndarray:
    pool = rng.sample(_VALUES, rng.randint(1, 4))
    column = np.empty(rng.randint(0, 25), dtype=object)
    column[:] = [rng.choice(pool) for _ in range(len(column))]
    return column


@pytest.mark.parametrize("seed", range(60))
def test_blank_cells_are_found_as_cell_by_cell(seed):
    column = _column(random.Random(seed))
    assert blank_cells(column).tolist() == [is_empty(v) for v in column]


def _typed(sheet):
    return (sheet.header, list(sheet.cells.index), list(sheet.cells.columns),
            [[(type(v), v) for v in row] for row in sheet.cells.itertuples(index=False)])


@pytest.mark.parametrize("seed", range(30))
def test_a_readers_blanks_give_the_sheet_of_its_grid(seed):
    rng = random.Random(seed)
    width, height = rng.randint(1, 5), rng.randint(1, 8)
    header = [rng.choice(["id", "", None, "name ", 3]) for _ in range(width)]
    columns = [_column(rng)[:height] for _ in range(width)]
    height = min(len(c) for c in columns)
    columns = [c[:height] for c in columns]
    numbers = np.arange(2, height + 2) * 2  # rows may skip numbers
    grid = grid_of([tuple(header)] + [tuple(c[i] for c in columns) for i in range(height)])
    expected = _typed(raw_sheet("t", "f", "t", grid, [1] + numbers.tolist()))
    assert _typed(sheet_of_columns("t", "f", "t", header, columns, numbers)) == expected
    assert _typed(sheet_of_columns("t", "f", "t", header, columns, numbers,
                                   [np.array([is_empty(v) for v in c], dtype=bool) for c in columns])) == expected


def test_header_only_and_empty_grids():
    assert _typed(raw_sheet("t", "f", None, pd.DataFrame())) == ((), [], [], [])
    sheet = raw_sheet("t", "f", None, grid_of([("a", " ", None)]))
    assert sheet.header == ("a",) and len(sheet.cells) == 0
