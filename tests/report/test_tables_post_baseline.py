"""Tables of the groupings defined after the start (report/tables_post_baseline.py), from a real analysis."""

import ast
import re
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from blinrwe.analysis import AnalysisSettings, analyse_study
from blinrwe.derive import derive_analysis_data
from blinrwe.examples import synthetic_cohort
from blinrwe.model.i18n import language
from blinrwe.report import ReportContext
from blinrwe.report.document import plan_document
from blinrwe.report.formatting import format_p_value
from blinrwe.report.tables_post_baseline import landmark_table, post_baseline_tables, time_dependent_table

SOURCES = ("analysis/post_baseline.py", "report/tables_post_baseline.py", "report/figures/post_baseline_curves.py")


@pytest.fixture(scope="module")
def results():
    data = derive_analysis_data(synthetic_cohort(150, 5))
    return analyse_study(data, AnalysisSettings(endpoints=("OS", "EFS"), cox_endpoints=(),
                                                subgroups=("disease_setting", "allo_hsct_after"),
                                                within=(("responder", "allo_hsct_after"),),
                                                postbaseline_landmarks=(3.0, 600.0)))


@pytest.fixture(scope="module")
def context():
    return ReportContext(title="t", landmarks=(12.0,))


def _ard(results, **where):
    a = results.ard
    for k, v in where.items():
        a = a[a[k] == v]
    assert len(a) == 1, where
    return a.iloc[0]


def test_time_dependent_table_prints_the_ard(results, context):
    table = time_dependent_table(results.ard, context)
    headings = [r.label for r in table.rows if r.is_heading]
    assert headings == ["Allo-HSCT after blinatumomab", "Allo-HSCT after blinatumomab among responders"]
    key = ("allo_hsct_after", "OS", "none")
    switched = _ard(results, section="post_baseline", group_var="allo_hsct_after", variable="OS",
                    statistic="n_switched")
    assert table.cell(key, "Entered the group, n/N") == f"{int(switched['value'])}/{int(switched['denominator'])}"
    p = _ard(results, group_var="allo_hsct_after", variable="OS", statistic="mantel_byar_p")["value"]
    assert table.cell(key, "Mantel-Byar p") == format_p_value(p)
    assert table.cell(key, "HR (95% CI), time-dependent").count("(") == 1
    assert any("no immortal time" in n for n in table.footnotes)


def test_landmark_table_gives_each_landmark_and_says_why_one_is_ne(results, context):
    table = landmark_table(results.ard, context)
    key = ("allo_hsct_after", "OS", "none", 3.0)
    n_yes = _ard(results, group_var="allo_hsct_after", variable="OS", statistic="landmark_n", group="yes", time=3.0)
    assert table.cell(key, "At the landmark with the event, n") == str(int(n_yes["value"]))
    assert table.row(key).label == "Overall survival (OS), landmark 3 months"
    beyond = table.row(("allo_hsct_after", "OS", "none", 600.0))
    assert beyond.cells[-1] == "NE"
    assert "NE: nobody is event-free under follow-up beyond the landmark." in table.footnotes


def test_the_document_has_the_section_with_tables_and_one_figure_per_analysis(results, context):
    doc = plan_document(results, context)
    section = next(s for s in doc.sections if s.anchor == "post_baseline")
    assert [t.table_id for t in section.tables] == ["post_baseline_td", "post_baseline_landmark"]
    # 2 endpoints x 2 groupings x (Simon-Makuch + 2 landmarks); a landmark beyond follow-up has no curve
    builders = [job.builder.__name__ for job in section.figures]
    assert builders.count("simon_makuch_plot") == 4 and builders.count("landmark_plot") == 4


def test_no_post_baseline_grouping_no_section(context):
    data = derive_analysis_data(synthetic_cohort(60, 2))
    res = analyse_study(data, AnalysisSettings(endpoints=("OS",), cox_endpoints=(), subgroups=("disease_setting",)))
    assert post_baseline_tables(res.ard, context) == []
    assert all(s.anchor != "post_baseline" for s in plan_document(res, context).sections)


def _messages() -> list[str]:
    root = Path(resources.files("blinrwe"))
    out = []
    for source in SOURCES:
        for node in ast.walk(ast.parse((root / source).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_" and node.args \
                    and isinstance(node.args[0], ast.Constant):
                out.append(node.args[0].value)
    return out


def test_every_message_has_its_chinese():
    with (resources.files("blinrwe") / "locale" / "zh" / "post_baseline.toml").open("rb") as handle:
        catalog = tomllib.load(handle)
    messages = _messages()
    assert len(messages) > 30
    assert [m for m in messages if m not in catalog] == []
    for english, chinese in catalog.items():  # placeholders survive the translation
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", chinese)), english


def test_the_tables_in_chinese(results, context):
    with language("zh"):
        tables = post_baseline_tables(results.ard, context)
    assert [t.title for t in tables] == ["开始治疗后定义的分组：时间依赖分析", "开始治疗后定义的分组：界标分析"]
    assert "界标之后没有仍无事件且仍在随访的患者" in " ".join(tables[1].footnotes)


def test_small_counts_are_suppressed_in_the_shared_outputs(results, context):
    from blinrwe.report.disclosure import suppress_small_cells

    masked = suppress_small_cells(results, 200)  # every count of this 150-patient cohort is below 200
    table = landmark_table(masked.ard, context)
    cells = table.row(("allo_hsct_after", "OS", "none", 3.0)).cells
    assert cells[1] == cells[2] == "<200"
    td = time_dependent_table(masked.ard, context)
    assert td.cell(("allo_hsct_after", "OS", "none"), "Entered the group, n/N") == "<200/<200"
