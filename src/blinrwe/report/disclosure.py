"""Small-cell suppression of the shared aggregates (``[report] min_cell = k``).

Disclosure control on the outputs, not a statistic: before anything is formatted or
drawn, :func:`suppress_small_cells` replaces every count of 1 to k-1 patients in the
results (ARD counts and their percentages and confidence limits, the numbers at risk
under the curves, the Sankey flows) by a :class:`SuppressedCount`, which is NaN in
arithmetic and prints as ``<k`` everywhere (tables, figure annotations, results.csv,
the ARD sheet of tables.xlsx). Zero is not a small cell and is shown.

Complementary (secondary) suppression, so a masked count cannot be recovered by
subtraction: in every group of cells printed with their total (the levels of a
characteristic with its missing count in one column, whose total is the column's N;
the groups of a subgrouping whose total is the Overall column; adverse-event grades
under their grade band; a Sankey source's or target's flows), a single masked cell
gets a partner: the smallest other non-zero cell is masked too, and so on until no
group has exactly one masked cell (the usual rule of statistical agencies, e.g. the
NHS/ONS guidance on small numbers). A percentage or confidence interval computed from
a masked count is masked with it.

The default ``k = 0`` (or 1) leaves the results untouched.
"""

from __future__ import annotations

import copy
import math
import numbers
import re
from dataclasses import is_dataclass, replace

import pandas as pd

from blinrwe.model.i18n import _

#: ARD statistics whose ``value`` is a count of patients (ard.py)
COUNT_STATISTICS = frozenset({"N", "n", "missing", "not_applicable", "events",
                              # groups defined after the start (analysis/post_baseline.py)
                              "n_switched", "sm_events", "landmark_n", "landmark_events", "landmark_excluded"})
_GRADE_COUNT = re.compile(r"^grade_[0-9a-z_]+$")
#: ARD statistics whose value (and CI) is computed from the row's ``n`` and ``denominator``
_PROPORTION = re.compile(r"^(pct|proportion|grade_[0-9a-z_]+_pct)$")
#: sections whose categorical levels (with the missing / not-applicable counts) add up to the column's N
_PARTITIONED_SECTIONS = frozenset({"baseline", "exposure", "patterns", "flow", "deaths", "subsequent_therapy"})
#: adverse-event grade cells -> the band they add up to (safety.py)
_GRADE_BANDS = {"grade_1_2": ("grade_1", "grade_2"), "grade_3plus": ("grade_3", "grade_4", "grade_5"),
                "grade_any": ("grade_1_2", "grade_3plus")}
_COUNT_FIELDS = ("n", "denominator")


class SuppressedCount(float):
    """A count of 1 to k-1 patients withheld from the shared outputs.

    It is NaN in arithmetic (so no statistic, sum or axis uses it) and prints as
    ``<k`` (``str``, CSV, spreadsheets, report formatters)."""

    def __new__(cls, threshold: int):
        self = super().__new__(cls, "nan")
        self.threshold = int(threshold)
        return self

    def __str__(self) -> str:
        return f"<{self.threshold}"

    __repr__ = __str__

    def __reduce__(self):  # pickles to figure worker processes with its threshold
        return (SuppressedCount, (self.threshold,))


def is_suppressed(value) -> bool:
    return isinstance(value, SuppressedCount)


def suppression_active(min_cell: int) -> bool:
    """True when ``min_cell`` asks for suppression (k of 2 or more)."""
    return int(min_cell or 0) > 1


def _number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and not math.isnan(value)


def _small(value, k: int) -> bool:
    return _number(value) and 1 <= value < k


def _is_count_statistic(statistic: str) -> bool:
    return statistic in COUNT_STATISTICS or (bool(_GRADE_COUNT.match(statistic)) and not statistic.endswith("_pct"))


def _cell_statistic(statistic: str) -> str:
    """The count a row's number is made of: "pct" -> "n", "grade_3_pct" -> "grade_3"."""
    if statistic == "pct":
        return "n"
    return statistic.removesuffix("_pct")


class _Cells:
    """The ARD's count cells: key (table, variable, level, group_var, group, variant, time,
    count statistic) -> row positions, with the count each cell shows."""

    def __init__(self, ard: pd.DataFrame):
        self.rows: dict[tuple, list[int]] = {}
        self.count: dict[tuple, float] = {}
        self.section: dict[tuple, str] = {}
        for i, r in enumerate(ard[["section", "table", "variable", "level", "group_var", "group", "variant", "time",
                                   "statistic", "value", "n"]].itertuples(index=False)):
            statistic = str(r.statistic)
            if _is_count_statistic(statistic):
                count = r.value
            elif _PROPORTION.match(statistic):
                count = r.n
            else:
                continue
            time = None if (isinstance(r.time, float) and math.isnan(r.time)) else r.time
            key = (r.table, r.variable, r.level, r.group_var, r.group, r.variant, time, _cell_statistic(statistic))
            self.rows.setdefault(key, []).append(i)
            if _is_count_statistic(statistic) or key not in self.count:
                self.count[key] = count
            self.section[key] = str(r.section)

    def masked(self, key) -> bool:
        return is_suppressed(self.count.get(key))

    def mask(self, key, k: int) -> None:
        self.count[key] = SuppressedCount(k)


def _partitions(cells: _Cells) -> list[tuple[list[tuple], tuple | None]]:
    """Groups of cells printed with their total: (cells, total cell or None when the total
    is a column N printed in the header)."""
    out: list[tuple[list[tuple], tuple | None]] = []
    by_column: dict[tuple, list[tuple]] = {}
    by_level: dict[tuple, list[tuple]] = {}
    for key in cells.count:
        table, variable, level, group_var, group, variant, time, statistic = key
        if cells.section[key] in _PARTITIONED_SECTIONS and statistic in ("n", "missing", "not_applicable"):
            by_column.setdefault((table, variable, group_var, group, variant, time), []).append(key)
        by_level.setdefault((table, variable, level, variant, time, statistic), []).append(key)
    out.extend((keys, None) for keys in by_column.values() if len(keys) > 1)
    for keys in by_level.values():  # the groups of each subgrouping add up to the Overall column
        overall = next((k for k in keys if k[3] == ""), None)
        for group_var in dict.fromkeys(k[3] for k in keys if k[3]):
            members = [k for k in keys if k[3] == group_var]
            if overall is not None and len(members) > 1:
                out.append((members, overall))
    for key in list(cells.count):  # adverse-event grades add up to their band
        table, variable, level, group_var, group, variant, time, statistic = key
        parts = [(*key[:7], s) for s in _GRADE_BANDS.get(statistic, ())]
        parts = [p for p in parts if p in cells.count]
        if len(parts) > 1:
            out.append((parts, key))
    return out


def _complete(cells: _Cells, partitions, k: int) -> None:
    """Mask partners until no partition (with its total) has exactly one masked cell."""
    changed = True
    while changed:
        changed = False
        for members, total in partitions:
            group = members + ([total] if total is not None else [])
            if sum(cells.masked(c) for c in group) != 1:
                continue
            candidates = [c for c in members if not cells.masked(c) and _positive(cells.count[c])]
            if not candidates and total is not None and not cells.masked(total) and _positive(cells.count[total]):
                candidates = [total]
            if candidates:
                cells.mask(min(candidates, key=lambda c: cells.count[c]), k)
                changed = True


def _positive(value) -> bool:
    return _number(value) and value > 0


def suppress_ard(ard: pd.DataFrame, k: int) -> pd.DataFrame:
    """The ARD with counts of 1..k-1 (and their partners) replaced by :class:`SuppressedCount`;
    percentages and confidence limits of a masked count are masked with it."""
    if ard is None or ard.empty or not suppression_active(k):
        return ard
    ard = ard.reset_index(drop=True)
    cells = _Cells(ard)
    for key, count in list(cells.count.items()):
        if _small(count, k):
            cells.mask(key, k)
    _complete(cells, _partitions(cells), k)

    columns = {c: ard[c].astype(object).tolist() for c in ("value", "lower", "upper", *_COUNT_FIELDS)}
    statistics = ard["statistic"].astype(str).tolist()
    for key, positions in cells.rows.items():
        if not cells.masked(key):
            continue
        for i in positions:
            columns["n"][i] = SuppressedCount(k) if _positive(columns["n"][i]) else columns["n"][i]
            if _is_count_statistic(statistics[i]):
                columns["value"][i] = SuppressedCount(k)
            else:  # a percentage / proportion and its CI reveal the count
                for c in ("value", "lower", "upper"):
                    columns[c][i] = SuppressedCount(k)
    for c in _COUNT_FIELDS:  # any other small count (events of a hazard ratio, a small denominator)
        columns[c] = [SuppressedCount(k) if _small(v, k) else v for v in columns[c]]
    out = ard.copy()
    for c, values in columns.items():
        if any(is_suppressed(v) for v in values):
            out[c] = pd.Series(values, index=out.index, dtype=object)
    return out


def _mask_column(frame: pd.DataFrame, column: str, k: int) -> pd.DataFrame:
    if frame is None or frame.empty or column not in frame:
        return frame
    values = frame[column].tolist()
    if not any(_small(v, k) for v in values):
        return frame
    return frame.assign(**{column: pd.Series([SuppressedCount(k) if _small(v, k) else v for v in values],
                                             index=frame.index, dtype=object)})


def suppress_flows(flows: pd.DataFrame, k: int) -> pd.DataFrame:
    """Sankey flows with small ``n`` masked, and a partner in each source's and each target's flows."""
    if flows is None or flows.empty or not suppression_active(k) or "n" not in flows:
        return flows
    flows = flows.reset_index(drop=True)
    counts = dict(enumerate(flows["n"].tolist()))
    flow_names = flows["flow"].tolist() if "flow" in flows else [""] * len(flows)
    for i, v in counts.items():
        if _small(v, k):
            counts[i] = SuppressedCount(k)
    partitions: dict[tuple, list[int]] = {}
    for i, (flow, source, target) in enumerate(zip(flow_names, flows["source"], flows["target"])):
        partitions.setdefault((flow, "source", source), []).append(i)
        partitions.setdefault((flow, "target", target), []).append(i)
    changed = True
    while changed:
        changed = False
        for members in partitions.values():
            if sum(is_suppressed(counts[i]) for i in members) != 1:
                continue
            candidates = [i for i in members if not is_suppressed(counts[i]) and _positive(counts[i])]
            if candidates:
                counts[min(candidates, key=lambda i: counts[i])] = SuppressedCount(k)
                changed = True
    return flows.assign(n=pd.Series([counts[i] for i in range(len(flows))], index=flows.index, dtype=object))


def suppress_small_cells(results, min_cell: int):
    """``results`` (StudyResults) as the shared outputs may show them: every count of 1 to
    ``min_cell`` - 1 patients masked (see the module docstring). ``min_cell`` 0 or 1: unchanged."""
    k = int(min_cell or 0)
    if not suppression_active(k):
        return results
    changes = {}
    for name, transform in (("ard", lambda f: suppress_ard(f, k)),
                            ("risk_tables", lambda f: _mask_column(f, "n_risk", k)),
                            ("curves", lambda f: _mask_column(f, "n_risk", k)),
                            ("flows", lambda f: suppress_flows(f, k))):
        frame = getattr(results, name, None)
        if isinstance(frame, pd.DataFrame):
            changes[name] = transform(frame)
    if is_dataclass(results):
        return replace(results, **changes)
    out = copy.copy(results)
    for name, frame in changes.items():
        setattr(out, name, frame)
    return out


_ID_START = re.compile(r"(?<![\w-])")  # where a whole-token id may begin
_ID_CHAR = re.compile(r"[\w-]")


def withhold_patient_ids(texts, patient_ids) -> list[str]:
    """``texts`` with every occurrence of a patient id replaced by "[patient]" (the
    data-quality appendix quotes validation messages, which may name a patient).

    Whole tokens only: id "P1" is not taken out of "P12", and where ids overlap the longest
    wins. Hand-written instead of one regular expression of every id, which took Python
    half a minute to compile for a registry's ids: at each place a token may begin, each
    distinct id length is looked up in a set.
    """
    ids = {str(i) for i in patient_ids if isinstance(i, str) and i.strip()}
    lengths = sorted({len(i) for i in ids}, reverse=True)
    placeholder = _("[patient]")

    def withheld(text: str) -> str:
        pieces, done = [], 0
        for start in (m.start() for m in _ID_START.finditer(text)):
            if start < done:
                continue
            for n in lengths:
                end = start + n
                if end <= len(text) and text[start:end] in ids and not _ID_CHAR.match(text, end):
                    pieces += [text[done:start], placeholder]
                    done = end
                    break
        return "".join(pieces) + text[done:]

    return [withheld(str(t)) if ids else str(t) for t in texts]


def suppression_sentence(min_cell: int) -> str:
    """The methods sentence ("" when suppression is off)."""
    k = int(min_cell or 0)
    if not suppression_active(k):
        return ""
    return _("Counts below {k} are suppressed (shown as '<{k}'), with their percentages and confidence intervals; "
             "where a total would reveal a suppressed count, the next smallest count of the same total is suppressed "
             "too.").format(k=k)
