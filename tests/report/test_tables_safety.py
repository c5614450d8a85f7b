"""Safety and outcome tables of issue 9 (report/tables_safety.py), from ARD rows the analysis layer made."""

import pandas as pd
import pytest

from blinrwe.analysis.safety import safety_table as safety_ard
from blinrwe.analysis.safety_outcomes import deaths_table as deaths_ard
from blinrwe.analysis.safety_outcomes import subsequent_therapy_table as subsequent_ard
from blinrwe.model import i18n
from blinrwe.report import ReportContext
from blinrwe.report.disclosure import suppress_ard
from blinrwe.report.document import Section
from blinrwe.report.repeats import without_repeats
from blinrwe.report.formatting import format_n_percent
from blinrwe.report.tables_safety import (
    ae_grade_table,
    deaths_table,
    population_notes,
    safety_detail_tables,
    safety_table,
    subsequent_therapy_tables,
)

from .ard_rows import one

IDS = [f"p{i:02d}" for i in range(64)]


def _seed002_ard():
    """64 patients: worst grade 5 in 8 (5 infections), 4 in 28, 3 in 20 (seed 002); neurologic events grade
    3 in 8 and grade 4 in 2; CRS grade 3 in 2; GVHD in 7 of the 64 transplanted before blinatumomab."""
    rows = [(IDS[i], "infection" if i < 5 else "other", 5) for i in range(8)]
    rows += [(IDS[i], "neutropenia", 4) for i in range(8, 36)]
    rows += [(IDS[i], "neurologic_event", 4) for i in (8, 9)]
    rows += [(IDS[i], "anemia", 3) for i in range(36, 56)]
    rows += [(IDS[i], "neurologic_event" if i < 42 else "ICANS", 3) for i in range(36, 44)]
    rows += [(IDS[i], "CRS", 3) for i in (44, 45)]
    rows += [(IDS[i], "GVHD", g) for i, g in zip((56, 57, 58, 59, 60, 44, 46), (1, 1, 2, 2, 2, 3, 3))]
    ae = pd.DataFrame(rows, columns=["patient_id", "term", "worst_grade"]).assign(
        fatal=lambda d: d["worst_grade"] == 5, fatal_related=False, fatal_unattributed=lambda d: d["worst_grade"] == 5)
    adsl = pd.DataFrame({"patient_id": IDS, "death": pd.array([i < 8 for i in range(64)], dtype="boolean"),
                         "cause_of_death": ["infection" if i < 5 else "other" if i < 8 else None for i in range(64)],
                         "responder": [i < 29 for i in range(64)], "allo_hsct_after": [i < 10 for i in range(64)],
                         "further_treatment_group": ["allo_hsct" if i < 10 else "none" for i in range(64)]})
    gvhd = {"GVHD": (IDS, "prior_allo_hsct", "the patients with an allo-HSCT before blinatumomab")}
    return pd.concat([safety_ard(ae, IDS, populations=gvhd), deaths_ard(adsl, ae), subsequent_ard(adsl)],
                     ignore_index=True)


@pytest.fixture(scope="module")
def ard():
    return _seed002_ard()


def test_grades_1_to_5_with_crs_icans_neurologic_group_and_gvhd_first(ard):
    t = ae_grade_table(ard, ReportContext())
    assert t.columns == ("Grade 1", "Grade 2", "Grade 3", "Grade 4", "Grade 5")
    assert t.spanning[0].text == "Overall (N = 64)"
    assert [r.key[0] for r in t.rows][:5] == ["any", "CRS", "ICANS", "neurologic_events", "GVHD"]
    assert t.cell(("any",), "Grade 3") == "20 (31.3)" and t.cell(("any",), "Grade 4") == "28 (43.8)"
    assert t.cell(("any",), "Grade 5") == "8 (12.5)"
    assert t.cell(("neurologic_events",), "Grade 3") == "8 (12.5)"
    assert t.cell(("neurologic_events",), "Grade 4") == "2 (3.1)"
    assert t.cell(("CRS",), "Grade 3") == "2 (3.1)" and t.cell(("CRS",), "Grade 1") == "0"
    gvhd = [t.cell(("GVHD",), f"Grade {k}") for k in (1, 2, 3)]
    assert gvhd == ["2 (3.1)", "3 (4.7)", "2 (3.1)"]  # 7 patients, grade <= 3
    notes = " ".join(t.footnotes)
    assert "Graft-versus-host disease: among patients with prior allo-HSCT (N = 64)." in notes
    assert "a patient with ICANS or neurologic event counted once" in notes
    assert population_notes(ard, ReportContext()) == ["Graft-versus-host disease: among patients with prior "
                                                      "allo-HSCT (N = 64)."]


def test_deaths_fatal_by_term_and_ne_treatment_related_with_its_reason(ard):
    t = deaths_table(ard, ReportContext())
    column = "Overall (N = 64)"
    assert t.cell(("fatal_ae", "yes"), column) == "8 (12.5)"
    assert t.cell(("fatal_ae_term", "infection"), column) == "5 (7.8)"
    assert t.cell(("fatal_ae_related", "yes"), column) == "NE"
    assert any(f.startswith("NE: relatedness to blinatumomab is not recorded") for f in t.footnotes)
    assert t.cell(("vital_status", "alive"), column) == "56 (87.5)"
    assert t.row(("vital_status", "alive")).label == "Alive at the end of follow-up"
    assert t.row(("cause_of_death", "infection")).level == 1


def test_small_cells_are_suppressed_with_a_partner(ard):
    masked = suppress_ard(ard, 5)
    t = deaths_table(masked, ReportContext(min_cell=5))
    column = "Overall (N = 64)"
    assert t.cell(("cause_of_death", "other"), column) == "<5"
    # the only other cause is masked too, else deaths (8) - infection would give "other"
    assert t.cell(("cause_of_death", "infection"), column) == "<5"
    g = ae_grade_table(masked, ReportContext(min_cell=5))
    assert g.cell(("CRS",), "Grade 3") == "<5"


def test_therapy_by_response_columns_and_seed000_style_count(ard):
    (t,) = subsequent_therapy_tables(ard, ReportContext())
    assert t.columns[:3] == ("Overall (N = 64)", "Responder (N = 29)", "Non-responder (N = 35)")
    assert t.cell(("allo_hsct_after", "yes", "n"), "Responder (N = 29)") == "10 (34.5)"


def test_empty_results_give_no_tables():
    assert safety_detail_tables(pd.DataFrame(columns=_seed002_ard().columns), ReportContext()) == ()
    assert subsequent_therapy_tables(pd.DataFrame(columns=_seed002_ard().columns), ReportContext()) == ()


def test_repeat_rule_keeps_the_grade_table_beside_the_grade_band_table(ard):
    section = Section("Safety", tables=(safety_table(ard, ReportContext()), *safety_detail_tables(ard, ReportContext())))
    (kept,) = without_repeats([section])
    assert [t.table_id for t in kept.tables] == ["safety", "safety_grades", "deaths"]


def test_chinese_text_from_the_safety_catalog(ard):
    i18n.reset_missing()
    with i18n.language("zh"):
        t = ae_grade_table(ard, ReportContext())
        d = deaths_table(ard, ReportContext())
    assert t.title == "按最严重分级列出的不良事件" and t.columns[2] == "3级"
    assert d.title == "死亡与致死性不良事件"
    ours = {text for _, text in i18n.missing_translations()} & set(i18n.catalog("zh"))
    assert not ours


def test_safety_table_seed001(ard, context):
    t = safety_table(ard, context)
    assert t.columns == ("Any grade", "Grade 1-2", "Grade \u2265 3")
    assert [r.key[0] for r in t.rows][:3] == ["any", "CRS", "ICANS"]
    for term in ("any", "CRS", "ICANS", "infection"):
        for j, stat in enumerate(["grade_any", "grade_1_2", "grade_3plus"]):
            r = one(ard, table="safety", variable=term, statistic=stat)
            assert t.cell((term,), t.columns[j]) == format_n_percent(r["value"], r["denominator"])
    assert t.cell(("ICANS",), "Grade 1-2") == "0"


def test_no_safety_rows_give_an_empty_table(context):
    from blinrwe.analysis.ard import empty_ard

    assert safety_table(empty_ard(), context).is_empty
