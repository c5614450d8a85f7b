"""Reading dates and imputing partial dates: the one place where this happens.

Accepted: real Excel dates, ISO text ``YYYY-MM-DD`` (a time part is dropped),
and partial ISO dates ``YYYY-MM`` or ``YYYY``. Year-first dates as typed in
Chinese hospitals are the same dates: ``2022年3月5日`` (also ``日`` written ``号``),
``2022/3/5``, ``2022.3.5``, and partial ``2022年3月``, ``2022年``, ``2022/3``: a
four-digit year first leaves no doubt which number is the month. Day-first or
month-first text (``03/04/2023``) is refused because it is ambiguous; the finding
says so (:func:`day_or_month_first`).

Partial dates are completed by a declared rule and always flagged (the
``<column>_imputed`` column and a ``DATE_PARTIAL_IMPUTED`` warning), following
admiral's ``derive_vars_dt`` (pharmaverse/admiral, ``date_imputation``):

========  ==============  ==============
rule      ``YYYY-MM``     ``YYYY``
========  ==============  ==============
first     1st of month    1 January
mid       15th of month   30 June
last      last of month   31 December
========  ==============  ==============

The default is ``mid``: it halves the worst-case error of an event date whose
day is unknown, and is what admiral calls "mid".
"""

from __future__ import annotations

import datetime as dt
import operator
import re
import unicodedata
from itertools import repeat

import numpy as np
import pandas as pd

IMPUTATION_RULES = ("first", "mid", "last")
DEFAULT_RULE = "mid"

_FULL = r"\d{4}-\d{1,2}-\d{1,2}"
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_MONTH = r"\d{4}-\d{1,2}"
_YEAR = r"\d{4}"


#: Year-first dates in Chinese or with '/' or '.' between the parts, rewritten to ISO before parsing.
_CHINESE_DAY = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]\s*$")
_CHINESE_MONTH = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月(?:份)?\s*$")
_CHINESE_YEAR = re.compile(r"^\s*(\d{4})\s*年\s*$")
_YEAR_FIRST = re.compile(r"^\s*(\d{4})([/.])(\d{1,2})(?:\2(\d{1,2}))?(" + _TIME[3:-2] + r")?\s*$")
_DAY_OR_MONTH_FIRST = re.compile(r"^\s*\d{1,2}[/.\-]\d{1,2}[/.\-](\d{4}|\d{2})\s*$")


def iso_text(text: str) -> str:
    """A year-first date typed the Chinese way (``2022年3月5日``, ``2022/3/5``) as ISO text; others unchanged."""
    t = unicodedata.normalize("NFKC", text)
    for pattern, parts in ((_CHINESE_DAY, 3), (_CHINESE_MONTH, 2), (_CHINESE_YEAR, 1)):
        m = pattern.match(t)
        if m:
            return "-".join(m.groups()[:parts])
    m = _YEAR_FIRST.match(t)
    if m:
        year, sep, month, day, time = m.groups()
        if sep == "." and not day:  # 2022.10 may be a number that lost its zero (2022.1): not a month
            return text
        return f"{year}-{month}" + (f"-{day}" if day else "") + (time or "")
    return text


def day_or_month_first(text: str) -> str | None:
    """A date typed day or month first (``03/04/2023``; refused: the finding says why).

    ``"ambiguous"`` when either order is a date; otherwise the ISO date of the one order
    that is (``31/01/2023`` -> ``"2023-01-31"``), for the hint; None for other text.
    """
    m = _DAY_OR_MONTH_FIRST.match(unicodedata.normalize("NFKC", text))
    if not m or len(m.group(1)) != 4:
        return "ambiguous" if m else None
    first, second = (int(p) for p in re.split(r"[/.\-]", m.group(0).strip())[:2])
    readings = set()
    for day, month in ((first, second), (second, first)):
        try:
            readings.add(dt.date(int(m.group(1)), month, day).isoformat())
        except ValueError:
            pass
    return readings.pop() if len(readings) == 1 else ("ambiguous" if readings else None)


def check_rule(rule: str) -> str:
    if rule not in IMPUTATION_RULES:
        raise ValueError(f"partial_dates must be one of {IMPUTATION_RULES}, not {rule!r}")
    return rule


def parse_dates(cells: pd.Series, rule: str = DEFAULT_RULE, kind: str | None = None,
                factors=None) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse a column of date cells (``kind``: ``infer_dtype`` of them, ``factors``: what ``pd.factorize``
    gives for them, when the caller has them).

    Returns ``(dates, imputed, unreadable)`` aligned with ``cells``: ``dates`` is
    ``datetime64[ns]`` at midnight (NaT when empty or unreadable), ``imputed``
    marks completed partial dates, ``unreadable`` marks non-empty cells that are
    not dates.
    """
    check_rule(rule)
    values = cells.to_numpy(dtype=object)
    kind = kind or pd.api.types.infer_dtype(values, skipna=True)
    if kind not in ("string", "datetime", "date"):
        return _parse(cells, rule)
    # Text (every CSV column) or Excel dates: parse each distinct value once (a registry column
    # repeats its dates); plain full dates take a shortcut, anything else the general parser.
    codes, distinct = factors if factors is not None else pd.factorize(values, use_na_sentinel=True)
    day = np.full(len(distinct) + 1, np.datetime64("NaT"), dtype="datetime64[ns]")  # not [D]: numpy wraps 1677
    imputed = np.zeros(len(distinct) + 1, dtype=bool)
    unreadable = np.zeros(len(distinct) + 1, dtype=bool)
    typed = _typed_days(distinct) if kind != "string" else None
    if typed is not None:  # dates alone, all in safe years: their days at once
        day[:-1] = typed
        found = np.ones(len(distinct), dtype=bool)
    else:
        plain = list(map(_plain_day, distinct))
        found = np.fromiter(map(operator.is_not, plain, repeat(None)), dtype=bool, count=len(plain))
        if found.any():  # (day[-1] is for the empty cells)
            day[:-1][found] = _midnights([d for d in plain if d is not None])
    rest = np.flatnonzero(~found)
    if len(rest):
        d, imp, bad = _parse(pd.Series(distinct[rest], dtype=object), rule)
        day[rest] = d.to_numpy()
        imputed[rest] = imp.to_numpy(dtype=bool)
        unreadable[rest] = bad.to_numpy(dtype=bool)
    return (pd.Series(day[codes], index=cells.index),  # code -1 (empty): the last entry, NaT
            pd.Series(imputed[codes], index=cells.index),
            pd.Series(unreadable[codes], index=cells.index))


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _midnights(days: list[dt.date]) -> np.ndarray:
    """``np.datetime64(day, "ns")`` of each day (years 1678-2261), without a numpy conversion per day."""
    return _midnight(np.fromiter(map(dt.date.toordinal, days), dtype=np.int64, count=len(days)))


def _midnight(ordinals: np.ndarray) -> np.ndarray:
    return (ordinals - _EPOCH_ORDINAL).astype("datetime64[D]").astype("datetime64[ns]")


#: Years whose every day pandas holds at nanosecond resolution (1677-09-22 to 2262-04-11).
_SAFE_YEARS = range(1678, 2262)
_SAFE_ORDINALS = range(dt.date(_SAFE_YEARS.start, 1, 1).toordinal(), dt.date(_SAFE_YEARS.stop, 1, 1).toordinal())


def _typed_days(values: np.ndarray) -> np.ndarray | None:
    """Midnight of each date or datetime (its day, as :func:`_plain_day` reads it), if all are in safe years."""
    try:
        ordinals = np.fromiter(map(dt.date.toordinal, values), dtype=np.int64, count=len(values))
    except TypeError:  # not a date
        return None
    if len(ordinals) and (ordinals.min() < _SAFE_ORDINALS.start or ordinals.max() >= _SAFE_ORDINALS.stop):
        return None
    return _midnight(ordinals)


def _plain_day(value) -> dt.date | None:
    """The day of an Excel date or of ISO text ``YYYY-MM-DD`` in a safe year; ``None`` for anything else.

    A shortcut only: whatever it declines goes through :func:`_parse`, which it agrees
    with on every value it accepts.
    """
    if isinstance(value, str):
        t = value.strip()
        if len(t) == 10 and t[4] == "-" and t[7] == "-" and t.isascii():
            y, m, d = t[:4], t[5:7], t[8:]
            if y.isdigit() and m.isdigit() and d.isdigit() and int(y) in _SAFE_YEARS:
                try:
                    return dt.date(int(y), int(m), int(d))
                except ValueError:
                    return None
        return None
    if isinstance(value, dt.date) and value.year in _SAFE_YEARS:  # datetime too: the time of day is dropped
        return value if type(value) is dt.date else value.date()
    return None


def _parse(cells: pd.Series, rule: str) -> tuple[pd.Series, pd.Series, pd.Series]:
    index = cells.index
    dates = pd.Series(pd.NaT, index=index, dtype="datetime64[ns]")
    imputed = pd.Series(False, index=index)
    present = cells.notna()

    is_dt = cells.map(lambda v: isinstance(v, (dt.date, np.datetime64)))
    if is_dt.any():
        # Excel can hold dates pandas cannot (9999-12-31): unreadable, like the same date typed as text
        dates[is_dt] = pd.to_datetime(cells[is_dt].map(lambda v: pd.Timestamp(v).normalize()), errors="coerce")
    text = cells[present & ~is_dt].map(_as_text).map(iso_text).str.strip()

    full = text.str.fullmatch(_FULL + _TIME)
    if full.any():
        day = text[full].str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})").astype(int)
        dates[full[full].index] = pd.to_datetime(
            pd.DataFrame({"year": day[0], "month": day[1], "day": day[2]}), errors="coerce")
    month = text.str.fullmatch(_MONTH)
    if month.any():
        ym = text[month].str.split("-", expand=True).astype(int)
        first = pd.to_datetime(pd.DataFrame({"year": ym[0], "month": ym[1], "day": 1}), errors="coerce")
        value = {"first": first, "mid": first + pd.Timedelta(days=14), "last": first + pd.offsets.MonthEnd(0)}[rule]
        dates[month[month].index] = value
        imputed[month[month].index] = first.notna()
    year = text.str.fullmatch(_YEAR)
    if year.any():
        y = text[year].astype(int)
        mmdd = {"first": (1, 1), "mid": (6, 30), "last": (12, 31)}[rule]
        value = pd.to_datetime(pd.DataFrame({"year": y, "month": mmdd[0], "day": mmdd[1]}), errors="coerce")
        dates[year[year].index] = value
        imputed[year[year].index] = True
    unreadable = present & dates.isna()
    return dates, imputed, unreadable


def _as_text(value) -> str:
    # A whole number typed into a date cell (2023) is read as a year, not a serial day.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
