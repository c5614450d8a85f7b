"""A corrupted SYNTHETIC study: a few hundred patients with many kinds of bad cells and rule breaks.

Built from ``synthetic_cohort`` written as CSV text, then corrupted with a
seeded generator: unreadable, partial, implausible and day-first dates, numbers
with units, decimal commas and percent signs, out-of-range values, codes in the
wrong case, bad yes/no, missing tokens, blanked required cells, duplicated rows,
swapped dates and doses above the label (so that most cell and rule findings
occur, many times, on rows of every table). The same cells are written to a CSV
folder (text) and to a workbook with Excel types (real dates, numbers, a
percent-formatted cell, booleans), so both intake paths are exercised.

``golden_findings.csv`` holds the findings of this study as produced by the
per-cell implementation before vectorisation; ``test_corrupted.py`` checks that
the current code gives exactly the same ones.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from blinrwe.examples import synthetic_cohort
from blinrwe.intake import write_study
from blinrwe.model import ALL_TABLES, DType

N_PATIENTS = 300
SEED = 21
TODAY = dt.date(2025, 1, 1)
CUTOFF = dt.date(2024, 1, 31)

#: Bad cell texts per declared storage type (a few valid-but-unusual ones too).
BAD_TEXT = {
    DType.DATE: ["31/01/2023", "2023-02-30", "1850-01-01", "2023-08", "2022", "2023-13", " 2023-5-7 ", "2023-01-05 10:00",
                 "yesterday", "2150-01-01", "NA", "0023-01-05", "2023-01-05T10:00:00"],
    DType.FLOAT: ["sixty", "60,5", "2%", " 12 ", "1e3", "-1", "inf", "n/a", "", "45 %", "1,5%", "0.5 kg"],
    DType.INT: ["1.5", "two", "0", "99", "3.0", "-2", ".", "1e1"],
    DType.BOOL: ["maybe", "YES", "No", "unknown", "TRUE", "0", "y", "nope", "UNK"],
    DType.ENUM: ["cr", "not_a_code", "Relapse", " CR ", "NULL", "primary refractory", "ug/day "],
    DType.ENUM_LIST: ["KMT2A_r;ikzf1 deletion", "foo;bar", ";;", "KMT2A_r; ; PAX5", "other;other"],
    DType.STR: ["", "  ", "=1+1", "N/A", "x"],
}


#: columns declared after the golden findings were written (they hold valid synthetic values only)
DECLARED_AFTER_GOLDEN = frozenset({("adverse_events", "related")})


def _csv_tables(folder: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False) for name in ALL_TABLES
            if (folder / f"{name}.csv").exists()}


def corrupted_tables(tmp: Path) -> dict[str, pd.DataFrame]:
    """The corrupted study as text cells, one DataFrame per table (columns as written)."""
    rng = np.random.default_rng(SEED)
    folder = write_study(synthetic_cohort(N_PATIENTS, seed=SEED, data_cutoff=CUTOFF), tmp / "clean_csv")
    tables = _csv_tables(folder)
    for name, frame in tables.items():
        table = ALL_TABLES[name]
        n = len(frame)
        for col in table.columns:
            if (name, col.name) in DECLARED_AFTER_GOLDEN:
                continue  # left clean: corrupting it would shift every later random draw of the golden study
            bad = BAD_TEXT[col.dtype]
            rows = rng.choice(n, size=min(n, 3 + len(bad)), replace=False)
            for r, text in zip(rows, bad):
                frame.iat[r, frame.columns.get_loc(col.name)] = text
            if col.required:  # a blanked required cell
                frame.iat[int(rng.integers(n)), frame.columns.get_loc(col.name)] = ""
        # rule breaks: duplicated rows, swapped dates
        dup = frame.iloc[rng.choice(n, size=3, replace=False)]
        frame = pd.concat([frame, dup], ignore_index=True)
        for a, b in (("start_date", "end_date"), ("onset_date", "resolution_date")):
            if a in frame and b in frame:
                rows = rng.choice(n, size=4, replace=False)
                frame.loc[rows, [a, b]] = frame.loc[rows, [b, a]].to_numpy()
        tables[name] = frame
    p, inf, ev = tables["patients"], tables["infusions"], tables["events"]
    inf.loc[rng.choice(len(inf), 6, replace=False), "dose_value"] = "40"
    inf.loc[rng.choice(len(inf), 4, replace=False), "daily_dose_ug"] = "56"
    inf.loc[rng.choice(len(inf), 4, replace=False), ["dose_unit", "dose_value"]] = ["ug/m2/day", "22"]
    inf.loc[rng.choice(len(inf), 4, replace=False), "cycle_number"] = "1"
    p.loc[rng.choice(len(p), 5, replace=False), "age_at_t0"] = "70"
    p.loc[rng.choice(len(p), 4, replace=False), ["height_cm", "weight_kg"]] = ["120", "160"]
    p.loc[rng.choice(len(p), 4, replace=False), "disease_status_at_t0"] = "CR"
    p.loc[rng.choice(len(p), 4, replace=False), ["mrd_status_at_t0", "mrd_at_t0"]] = ["positive", "0.00001"]
    p.loc[rng.choice(len(p), 3, replace=False), "patient_id"] = "SYN-9999"
    deaths = ev.index[ev["event_type"] == "death"]
    ev.loc[deaths[:4], "cause_of_death"] = ""
    ev.loc[deaths[4:8], "relapse_site"] = "marrow"
    ev.loc[rng.choice(len(ev), 4, replace=False), "event_date"] = "2019-01-01"
    ev.loc[rng.choice(len(ev), 3, replace=False), "patient_id"] = "SYN-0000"
    for name in ("therapies", "assessments"):
        t = tables[name]
        t.loc[rng.choice(len(t), 3, replace=False), "patient_id"] = "P-unknown"
    return tables


def write_corrupted_csv(tables: dict[str, pd.DataFrame], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")
    return folder


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _excel_value(dtype: DType, text: str):
    """The cell as a user of Excel would have it: real dates and numbers where they parse."""
    if text == "":
        return None
    if dtype is DType.DATE and _ISO.fullmatch(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            return text
        return day if day.year >= 1900 else text  # Excel has no dates before 1900
    if dtype in (DType.INT, DType.FLOAT) and _NUMBER.fullmatch(text):
        return float(text) if "." in text else int(text)
    if dtype is DType.BOOL and text in ("TRUE", "FALSE"):
        return text == "TRUE"
    return text


def write_corrupted_xlsx(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    book = openpyxl.Workbook(write_only=True)
    for name, frame in tables.items():
        table = ALL_TABLES[name]
        dtypes = [table.column(c).dtype if c in table.column_names else DType.BOOL for c in frame.columns]
        ws = book.create_sheet(name)
        ws.append(list(frame.columns))
        for i, row in enumerate(frame.itertuples(index=False)):
            cells = [_excel_value(d, v) for d, v in zip(dtypes, row)]
            if name == "patients" and i == 7:  # Excel-only cell types
                cells = [openpyxl.cell.WriteOnlyCell(ws, value=v) for v in cells]
                pct = cells[list(frame.columns).index("bm_blast_pct_at_t0")]
                pct.value, pct.number_format = 0.45, "0%"
                cells[list(frame.columns).index("site")].value = 2
                cells[list(frame.columns).index("diagnosis_date")].value = dt.datetime(2021, 3, 4, 13, 30)
                cells[list(frame.columns).index("relapse_number")].value = 2.0
            ws.append(cells)
    book.save(path)
    return path


def findings_frame(report) -> pd.DataFrame:
    """The findings as comparable text (value as repr), in report order."""
    frame = report.to_frame()
    frame["value"] = frame["value"].map(lambda v: None if v is None else f"{type(v).__name__}:{v!r}")
    frame["row"] = frame["row"].astype("Int64")
    return frame.astype(object).where(frame.notna(), None)
