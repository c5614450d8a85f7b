"""Small-cell suppression (report/disclosure.py) over generated cohorts: no count of 1..k-1
patients survives in the results, no total gives a masked count back, and the tables and
figure annotations made from the masked results print "<k"."""

from __future__ import annotations

import math
import pickle
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from blinrwe.app.pipeline import analyse, derive, load_study
from blinrwe.app.spec import spec_from_dict
from blinrwe.report import ReportContext
from blinrwe.report.disclosure import (
    SuppressedCount,
    _Cells,
    _partitions,
    is_suppressed,
    suppress_ard,
    suppress_flows,
    suppress_small_cells,
    suppression_sentence,
)
from blinrwe.report.document import plan_document
from blinrwe.report.formatting import format_count, format_fraction_percent, format_interval, format_n_percent
from blinrwe.report.methods_text import methods_text

COHORTS = [(24, 1), (45, 7), (80, 3), (150, 11)]
THRESHOLDS = (3, 5, 11)


def _results(n: int, seed: int):
    spec = spec_from_dict({
        "data": {"example": "synthetic", "n": n, "seed": seed},
        "endpoints": {"names": ["OS", "EFS", "CIR"]},
        "subgroups": {"variables": ["disease_setting", "intent"]},
        # Cox on age only: a level with no events gives an infinite bound that today crashes
        # the formatter (issue 7, another part); masking does not depend on it
        "cox": {"covariates": ["age_at_t0"], "subgroups": []},
    })
    study, validation = load_study(spec)
    return analyse(derive(study, spec), spec, validation)


@pytest.fixture(scope="module", params=COHORTS, ids=lambda c: f"n{c[0]}-seed{c[1]}")
def cohort_results(request):
    return _results(*request.param)


def _small(v, k) -> bool:
    return not is_suppressed(v) and isinstance(v, (int, float)) and not math.isnan(v) and 1 <= v < k


def _count_values(ard: pd.DataFrame):
    """Every count the ARD holds: n and denominator of each row, value of count statistics."""
    from blinrwe.report.disclosure import _is_count_statistic

    for r in ard.itertuples(index=False):
        yield r.n
        yield r.denominator
        if _is_count_statistic(r.statistic):
            yield r.value


@pytest.mark.parametrize("k", THRESHOLDS)
def test_no_small_count_survives_in_the_results(cohort_results, k):
    masked = suppress_small_cells(cohort_results, k)
    assert not [v for v in _count_values(masked.ard) if _small(v, k)]
    for frame, column in ((masked.risk_tables, "n_risk"), (masked.curves, "n_risk"), (masked.flows, "n")):
        assert not [v for v in frame[column] if _small(v, k)]
    # something was masked on these small cohorts, and only counts that were small or partners
    before = list(_count_values(cohort_results.ard))
    after = list(_count_values(masked.ard))
    assert any(is_suppressed(v) for v in after)
    assert all(b == a or is_suppressed(a) for b, a in zip(before, after) if not (isinstance(b, float) and math.isnan(b)))


@pytest.mark.parametrize("k", THRESHOLDS)
def test_percentages_and_intervals_of_a_masked_count_are_masked(cohort_results, k):
    ard = suppress_ard(cohort_results.ard, k)
    derived = ard[ard["statistic"].str.match(r"^(pct|proportion|grade_\w+_pct)$")]
    for r in derived.itertuples(index=False):
        if is_suppressed(r.n):
            assert is_suppressed(r.value)
            assert math.isnan(r.lower) and math.isnan(r.upper)


@pytest.mark.parametrize("k", THRESHOLDS)
def test_no_total_gives_back_a_single_masked_cell(cohort_results, k):
    """Complementary suppression: every set of cells printed with its total has 0 or at
    least 2 masked cells (counting the total), or the only other cells are zero."""
    ard = suppress_ard(cohort_results.ard, k)
    cells = _Cells(ard)
    for members, total in _partitions(cells):
        group = members + ([total] if total is not None else [])
        masked = [c for c in group if cells.masked(c)]
        if len(masked) == 1:
            others = [cells.count[c] for c in group if c not in masked]
            assert all(not (isinstance(v, float) and v > 0) for v in others), (masked, others)
    flows = suppress_flows(cohort_results.flows, k)
    for _, part in list(flows.groupby(["flow", "source"])) + list(flows.groupby(["flow", "target"])):
        masked = sum(is_suppressed(v) for v in part["n"])
        assert masked != 1 or all(is_suppressed(v) or float(v) == 0 for v in part["n"])


def test_two_level_row_masks_the_other_level():
    from blinrwe.analysis.ard import ard_frame, ard_row

    rows = [ard_row("baseline", "table1", "sex", "n", v, level=lvl, n=v, denominator=30) for lvl, v in (("F", 2), ("M", 28))]
    rows += [ard_row("baseline", "table1", "sex", "pct", v / 30 * 100, level=lvl, n=v, denominator=30) for lvl, v in (("F", 2), ("M", 28))]
    ard = suppress_ard(ard_frame(rows), 5)
    assert all(is_suppressed(v) for v in ard["value"])
    assert format_n_percent(ard["value"].iloc[1], 30) == "<5"


def test_a_group_column_masks_a_partner_against_the_overall_column():
    from blinrwe.analysis.ard import ard_frame, ard_row

    rows = [ard_row("survival", "survival", "OS", "events", v, group_var=gv, group=g, n=v, denominator=40)
            for gv, g, v in (("", "Overall", 20), ("site", "A", 3), ("site", "B", 9), ("site", "C", 8))]
    ard = suppress_ard(ard_frame(rows), 5)
    shown = {g: v for g, v in zip(ard["group"], ard["value"])}
    assert is_suppressed(shown["A"]) and is_suppressed(shown["C"])  # C, the smallest partner
    assert shown["Overall"] == 20 and shown["B"] == 9


def test_off_by_default_and_for_one():
    results = _results(24, 1)
    assert suppress_small_cells(results, 0) is results
    assert suppress_small_cells(results, 1) is results
    assert suppression_sentence(0) == ""


def test_suppressed_count_prints_and_pickles():
    v = SuppressedCount(5)
    assert (str(v), math.isnan(v), v + 1 != v + 1) == ("<5", True, True)
    again = pickle.loads(pickle.dumps(v))
    assert is_suppressed(again) and str(again) == "<5"
    assert format_count(v) == "<5" and format_fraction_percent(v, 30) == "<5" and format_interval(v, v) == ""


_N_PERCENT = re.compile(r"^(\d+) \(\d+(\.\d+)?\)$")  # "3 (12.5)"
_N_OVER_N = re.compile(r"^(\d+)/(\d+)")              # "3/24 (12.5%)", events/N
_COUNT = re.compile(r"^(\d+)$")                       # a count cell
_HEADER_N = re.compile(r"[Nn] = (\d+)")               # "(N = 3)", "(n = 3)"


def _printed_counts(document):
    """Counts printed in the tables and the figure annotations of a planned/drawn document."""
    for table in document.tables:
        for text in (*table.columns, *(h.text for h in table.spanning)):
            yield from (int(m) for m in _HEADER_N.findall(text))
        for row in table.rows:
            for cell in row.cells:
                for pattern in (_N_PERCENT, _COUNT):
                    m = pattern.match(cell)
                    if m:
                        yield int(m.group(1))
                m = _N_OVER_N.match(cell)
                if m:
                    yield int(m.group(1))
                    yield int(m.group(2))


@pytest.mark.parametrize("k", (5,))
def test_tables_and_figure_annotations_print_no_small_count(cohort_results, k):
    context = ReportContext(min_cell=k)
    masked = suppress_small_cells(cohort_results, k)
    document = plan_document(masked, context)
    assert not [n for n in _printed_counts(document) if 1 <= n < k]
    printed = [c for t in document.tables for r in t.rows for c in r.cells]
    assert any(c == f"<{k}" for c in printed)
    for job in document.figure_jobs:  # the numbers drawn on the figures (at risk, legends, Sankey nodes)
        plotted = job.draw()
        texts = [t.get_text() for ax in plotted.figure.axes for t in ax.texts]
        texts += [t.get_text() for ax in plotted.figure.axes if ax.get_legend() for t in ax.get_legend().get_texts()]
        for text in texts:
            counts = [int(x) for x in _HEADER_N.findall(text)] + ([int(text)] if text.isdigit() else [])
            events = _N_OVER_N.match(text)  # "3/40" events/N beside a forest row
            if events:
                counts += [int(events.group(1)), int(events.group(2))]
            assert not [c for c in counts if 1 <= c < k], (plotted.name, text)


def test_methods_say_counts_are_suppressed():
    results = _results(24, 1)
    text = methods_text(suppress_small_cells(results, 5), ReportContext(min_cell=5))
    assert "Counts below 5 are suppressed (shown as '<5')" in text
    assert "suppressed" not in methods_text(results, ReportContext())


def test_context_rejects_a_negative_threshold():
    from blinrwe.errors import SpecificationError

    with pytest.raises(SpecificationError, match="report.min_cell"):
        ReportContext(min_cell=-1)


def test_results_without_dataclass_are_masked_too(cohort_results):
    from types import SimpleNamespace

    plain = SimpleNamespace(**{k: getattr(cohort_results, k) for k in ("ard", "curves", "risk_tables", "flows")})
    masked = suppress_small_cells(plain, 5)
    assert masked is not plain and not [v for v in _count_values(masked.ard) if _small(v, 5)]


def test_tables_with_a_masked_count_say_why(cohort_results):
    document = plan_document(suppress_small_cells(cohort_results, 5), ReportContext(min_cell=5))
    for table in document.tables:
        shown = any("N = <5" in c for c in table.columns) or any(re.match(r"<5(?![\d.])|\d+/<5", c)
                                                                  for r in table.rows for c in r.cells)
        assert shown == any(n.startswith("<5: fewer than 5 patients") for n in table.footnotes), table.title


def test_spec_keys_reach_the_context():
    from blinrwe.app.pipeline import report_context
    from blinrwe.errors import SpecificationError

    spec = spec_from_dict({"data": {"example": "synthetic"}, "report": {"min_cell": 5, "show_patient_ids": True}})
    context = report_context(spec)
    assert (context.min_cell, context.show_patient_ids) == (5, True)
    default = report_context(spec_from_dict({"data": {"example": "synthetic"}}))
    assert (default.min_cell, default.show_patient_ids) == (0, False)
    for bad in (-1, 1001, 2.5, "5"):
        with pytest.raises(SpecificationError, match="report.min_cell"):
            spec_from_dict({"data": {"example": "synthetic"}, "report": {"min_cell": bad}})


def test_patient_ids_are_withheld_as_whole_tokens():
    from blinrwe.report.disclosure import withhold_patient_ids

    texts = ["patient P1 and P12 (value: 'PT-ZX001K')", "row 3: P1-extra is not an id", "nothing here"]
    assert withhold_patient_ids(texts, ["P1", "P12", "PT-ZX001K", None, ""]) == [
        "patient [patient] and [patient] (value: '[patient]')", "row 3: P1-extra is not an id", "nothing here"]


def _withheld_by_regex(texts, patient_ids):
    """The naive second implementation: one regular expression of every id, longest first."""
    ids = sorted({str(i) for i in patient_ids if isinstance(i, str) and i.strip()}, key=len, reverse=True)
    if not ids:
        return [str(t) for t in texts]
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, ids)) + r")(?![\w-])")
    return [pattern.sub("[patient]", str(t)) for t in texts]


_ID_ALPHABET = "P1-2 /.é张x"


@given(ids=st.lists(st.text(_ID_ALPHABET, min_size=0, max_size=5), max_size=6),
       texts=st.lists(st.text(_ID_ALPHABET + "'(),:", max_size=30), max_size=4))
def test_withholding_ids_agrees_with_one_regular_expression_of_every_id(ids, texts):
    from blinrwe.report.disclosure import withhold_patient_ids

    assert withhold_patient_ids(texts, ids) == _withheld_by_regex(texts, ids)
