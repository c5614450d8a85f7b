"""Figures drawn in worker processes give the same files, in job order, as drawn here."""

import pandas as pd

from blinrwe.report.figures import FigureJob, sankey_plot
from blinrwe.report.figures.batch import draw_figures


def test_workers_write_identical_files_in_order(results, context, tmp_path):
    jobs = [FigureJob(sankey_plot, (results.flows, context), {"name": f"figure_sankey_{i}", "title": f"Flow {i}"})
            for i in range(4)]
    here = draw_figures(jobs, tmp_path / "here", ("png", "svg", "pdf"), dpi=40, workers=1)
    pool = draw_figures(jobs, tmp_path / "pool", ("png", "svg", "pdf"), dpi=40, workers=2)
    assert [p.name for p, _ in pool] == [f"figure_sankey_{i}" for i in range(4)]
    assert [p.title for p, _ in pool] == [f"Flow {i}" for i in range(4)]
    for (_, a), (_, b) in zip(here, pool):
        for fmt in ("png", "svg", "pdf"):
            assert a[fmt].read_bytes() == b[fmt].read_bytes()  # no timestamps: deterministic bytes
    assert isinstance(pool[0][0].data["bands"], pd.DataFrame)


def test_nothing_written_without_folder(results, context):
    (plotted, paths), = draw_figures([FigureJob(sankey_plot, (results.flows, context))])
    assert paths == {} and plotted.name == "figure_sankey"


def _children() -> set[int]:
    """Live child processes of this process, from /proc."""
    import os
    from pathlib import Path

    found = set()
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split() if stat else []
        if fields and fields[1] == str(os.getpid()) and fields[0] not in ("Z", "X"):
            found.add(int(entry.name))
    return found


def test_an_error_in_the_batch_terminates_its_workers(results, context, tmp_path):
    """An error (or Ctrl-C) while the workers draw stops them at once: none outlives the batch."""
    import pytest

    from blinrwe.report.figures.batch import FigureBatch

    jobs = [FigureJob(sankey_plot, (results.flows, context), {"name": f"figure_sankey_{i}"}) for i in range(8)]
    before = _children()
    with pytest.raises(KeyboardInterrupt):
        with FigureBatch(jobs, tmp_path, ("png",), dpi=40, workers=2):
            assert len(_children() - before) == 2
            raise KeyboardInterrupt
    assert _children() - before == set()
