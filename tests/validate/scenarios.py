"""Tiny inline patient scenarios written as real files (xlsx and CSV folder).

A scenario is ``{table: [row dict, ...]}`` with cell values as a user would
type them (dates as ``datetime.date`` go into Excel as real dates and into CSV
as ISO text). Every scenario is run through both intake paths.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
from pathlib import Path

import openpyxl

from blinrwe.intake import read_study
from blinrwe.validate import validate_study

D = dt.date

BASE = {
    "patients": [
        dict(patient_id="P1", sex="F", age_at_t0=40, height_cm=165, weight_kg=60, diagnosis_date=D(2022, 1, 10),
             ph_status="negative", disease_setting="relapsed_refractory", rr_type="relapsed", relapse_number=1,
             disease_status_at_t0="non_CR", bm_blast_pct_at_t0=40, genetic_abnormalities="KMT2A_r;IKZF1_deletion",
             prior_allo_hsct="no"),
    ],
    "infusions": [
        dict(patient_id="P1", cycle_number=1, start_date=D(2023, 1, 2), end_date=D(2023, 1, 8), dose_value=9,
             dose_unit="ug/day"),
        dict(patient_id="P1", cycle_number=1, start_date=D(2023, 1, 9), end_date=D(2023, 1, 29), dose_value=28,
             dose_unit="ug/day"),
    ],
    "assessments": [
        dict(patient_id="P1", assessment_date=D(2023, 2, 10), bm_blast_pct=2, anc=1.5, platelets=150,
             response_recorded="CR", mrd_value=0, circulating_blasts="no"),
    ],
    "events": [
        dict(patient_id="P1", event_type="relapse", event_date=D(2023, 8, 1), relapse_site="marrow"),
        dict(patient_id="P1", event_type="death", event_date=D(2023, 12, 1), cause_of_death="leukemia"),
    ],
    "therapies": [
        dict(patient_id="P1", sequence_number=1, therapy_type="allo_hsct", start_date=D(2023, 3, 15)),
    ],
    "adverse_events": [
        dict(patient_id="P1", term="CRS", grade=2, grading_system="ASTCT_2019", onset_date=D(2023, 1, 3)),
    ],
}


def scenario(**changes) -> dict:
    """A copy of BASE; ``table=[rows]`` replaces a table, ``table=None`` drops it."""
    out = copy.deepcopy(BASE)
    for table, rows in changes.items():
        if rows is None:
            out.pop(table, None)
        else:
            out[table] = rows
    return out


def edit(table: str, index: int = 0, **values) -> dict:
    """BASE with some cells of one row changed (``None`` empties a cell)."""
    out = copy.deepcopy(BASE)
    out[table][index].update(values)
    return out


def _columns(rows: list[dict]) -> list[str]:
    cols: list[str] = []
    for row in rows:
        cols += [c for c in row if c not in cols]
    return cols


def write_xlsx(tables: dict, path: Path) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in tables.items():
        ws = book.create_sheet(name)
        cols = _columns(rows)
        ws.append(cols)
        for row in rows:
            ws.append([row.get(c) for c in cols])
    book.save(path)
    return path


def write_csv(tables: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        cols = _columns(rows)
        with open(folder / f"{name}.csv", "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            for row in rows:
                w.writerow(["" if row.get(c) is None else (row[c].isoformat() if isinstance(row[c], dt.date) else row[c])
                            for c in cols])
    return folder


def run_both(tables: dict, tmp_path: Path, **kwargs):
    """Validate ``tables`` written as xlsx and as a CSV folder: [(study, report), (study, report)]."""
    kwargs.setdefault("today", D(2025, 1, 1))
    xlsx = write_xlsx(tables, tmp_path / "study.xlsx")
    folder = write_csv(tables, tmp_path / "study_csv")
    return [validate_study(read_study(xlsx), **kwargs), validate_study(read_study(folder), **kwargs)]
