"""Seed 004 (Xie et al. 2023) through the command line, from a workbook filled in as a user fills it.

The 33 children of tests/app/test_seed_reproduction.py (``write_seed004``: the paper's counts, our dates:
15 of the 26 children in CR bridged to allo-HSCT on day 45, one of them dies on day 150) are typed into the
template ``blinrwe template`` writes (dates as Excel dates, numbers as numbers); ``blinrwe spec`` writes the
specification, which is edited as a user edits it (preset 004, OS and DFS, groups by response,
``within = ["responder by allo_hsct_after"]``, a 3-month landmark); ``blinrwe run`` writes the report and
the numbers are read back from ``results.csv``.

Among the 26 in CR the paper prints OS 93.3 % with HSCT vs 100 % without, p = 0.40. With the crude 93.3 %
(14/15, nobody censored before the death) the log-rank p is 0.392 whatever the day of the death
(chi-square = 11/15); 0.40 would need 14 vs 10 at risk, which gives a KM of 92.9 %, so the two printed
numbers cannot both come from one log-rank analysis (seed-targets.yaml; the test pins 0.392). The
comparison from the first infusion is flagged for immortal-time bias; the Mantel-Byar test (the transplant
as a state entered on day 45) gives the same 0.392 here because the only death is after every transplant,
and the 3-month landmark compares 15 transplanted with 11 not yet transplanted children.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import sys

import openpyxl
import pandas as pd
import pytest

from tests.report.ard_rows import one as _one

from .test_seed_reproduction import write_seed004

EDITS = {  # (section, key) -> the value the user types
    ("study", "title"): '"Short-course blinatumomab in children (seed 004)"',
    ("endpoints", "preset"): '"004"',
    ("endpoints", "names"): '["OS", "DFS"]',
    ("subgroups", "variables"): '["responder"]',
    ("subgroups", "table1_by"): '""',
    ("survival", "landmarks"): "[12.0]",
    ("survival", "within"): '["responder by allo_hsct_after"]',
    ("postbaseline", "landmarks"): "[3.0]",
    ("cox", "endpoints"): "[]",
    ("report", "formats"): '["csv"]',
    ("report", "figure_formats"): "[]",
    ("report", "output"): '"report"',
}


def _typed(text: str):
    """A CSV cell as a user types it into Excel: dates as dates, numbers as numbers, the rest as text."""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text)
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text or None


def _fill_template(workbook, folder) -> None:
    book = openpyxl.load_workbook(workbook)
    for path in sorted(folder.glob("*.csv")):
        sheet = book[path.stem]
        header = [c.value for c in sheet[1]]
        with open(path, newline="", encoding="utf-8") as handle:
            for record in csv.DictReader(handle):
                unknown = set(record) - set(header)
                assert not unknown, f"{path.stem}: no column {unknown} in the template"
                sheet.append([_typed(record.get(name) or "") for name in header])
    book.save(workbook)


def _edit(text: str, section: str, key: str, value: str) -> str:
    """The specification with ``key = value`` in ``[section]`` (a commented-out key is uncommented)."""
    start = text.index(f"\n[{section}]\n")
    end = text.find("\n[", start + 1)
    end = len(text) if end < 0 else end
    body, count = re.subn(rf"^(# )?{key} = .*$", f"{key} = {value}", text[start:end], count=1, flags=re.M)
    assert count == 1, (section, key)
    return text[:start] + body + text[end:]


def _blinrwe(*args, cwd):
    done = subprocess.run([sys.executable, "-m", "blinrwe.app", "--quiet", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("seed004_cli")
    write_seed004(folder / "csv")
    _blinrwe("template", "study.xlsx", cwd=folder)
    _fill_template(folder / "study.xlsx", folder / "csv")
    _blinrwe("spec", "study.toml", "--data", "study.xlsx", cwd=folder)
    spec = (folder / "study.toml").read_text(encoding="utf-8")
    for (section, key), value in EDITS.items():
        spec = _edit(spec, section, key, value)
    (folder / "study.toml").write_text(spec, encoding="utf-8")
    assert "Report written to" in _blinrwe("run", "study.toml", cwd=folder)
    return pd.read_csv(folder / "report" / "results.csv", dtype={"level": str, "group": str, "group_var": str},
                       keep_default_na=False, na_values=[""])


WITHIN = "allo_hsct_after|responder"


@pytest.mark.parametrize("endpoint", ["OS", "DFS"])
def test_hsct_vs_no_hsct_among_responders_93_3_vs_100_percent_p_0_392(results, endpoint):
    rate = dict(section="survival", variable=endpoint, group_var=WITHIN, statistic="km_rate", time=12.0)
    assert _one(results, group="yes", **rate)["value"] == pytest.approx(14 / 15)
    assert _one(results, group="no", **rate)["value"] == pytest.approx(1.0)
    p = _one(results, section="survival", variable=endpoint, group_var=WITHIN, statistic="logrank_p")
    assert round(p["value"], 3) == 0.392 and "immortal_time: allo-HSCT" in p["note"]  # printed 0.40: see above
    events = _one(results, section="survival", variable=endpoint, group_var=WITHIN, statistic="events", group="yes")
    assert (events["n"], events["denominator"]) == (1, 15)


def test_the_transplant_as_a_state_entered_on_day_45(results):
    td = dict(section="post_baseline", variable="OS", group_var=WITHIN)
    switched = _one(results, statistic="n_switched", **td)
    assert (switched["value"], switched["denominator"]) == (15, 26)
    assert round(_one(results, statistic="mantel_byar_p", **td)["value"], 3) == 0.392
    hr = _one(results, statistic="td_hr", **td)
    assert pd.isna(hr["value"]) and "no event while in state 'no'" in hr["note"]
    assert _one(results, statistic="sm_events", group="yes", **td)["value"] == 1


def test_the_3_month_landmark_compares_15_transplanted_with_11_not_yet(results):
    lm = dict(section="post_baseline", variable="OS", group_var=WITHIN, time=3.0)
    assert _one(results, statistic="landmark_n", group="yes", **lm)["value"] == 15
    assert _one(results, statistic="landmark_n", group="no", **lm)["value"] == 11
    assert _one(results, statistic="landmark_excluded", **lm)["value"] == 0
    assert round(_one(results, statistic="landmark_logrank_p", **lm)["value"], 3) == 0.392


def test_response_groups_by_state_over_time(results):
    """CR (day 15) as a state: 26 of 33 enter it; the deaths of the children without CR stay in 'no'."""
    td = dict(section="post_baseline", variable="OS", group_var="responder")
    assert _one(results, statistic="n_switched", **td)["value"] == 26
    assert _one(results, statistic="sm_events", group="no", **td)["value"] == 3
