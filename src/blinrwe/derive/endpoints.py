"""Time-to-event endpoints as ordered event and censoring sources (domain-spec 4).

Modelled on admiral's ``event_source`` / ``censor_source``
(pharmaverse/admiral R/derive_param_tte.R). Every date a patient contributes
is first put in one long table, the **patient dates** (``patient_id, kind,
date``; :func:`derive_patient_dates`). An :class:`Endpoint` then declares

* ``origin``: kinds of patient dates, the first kind available (in declared
  order) gives the origin; patients without one do not enter the endpoint;
* ``sources``: :class:`Source` objects, each a name (written to the
  ``source`` column), the kinds of patient dates that qualify, and a role:

  - ``event`` (event of interest, ``event_type`` 1; competing events 2),
  - ``censor`` (an intercurrent censoring such as allo-HSCT: competes with the
    events, the patient is censored at its date if it comes first),
  - ``followup`` (end of follow-up: the **latest** of these dates is the
    censoring date when nothing else happened).

Rule: among event and censor rows dated on or after the origin (and on or
before the data cut-off) the **earliest** wins; ties go to the source declared
first (events are declared before censorings, so an event on the day of a
transplant is an event). Without one, the patient is censored at the latest
follow-up date on or after the origin; with a data cut-off, follow-up is
truncated at it (an event or follow-up date after the cut-off proves follow-up
to the cut-off: censored at the cut-off, source ``data_cutoff``). Without any
follow-up date the patient is censored at the origin (time 0, source
``origin``).

Time: ``time_days = end_date - origin_date`` in days (same-day = 0);
``time_months = time_days / days_per_month`` (30.4375). The EFS
induction-failure rule (seed 001) is a patient date ``efs_failure`` at
T0 + ``efs_failure_time_days`` (1) for patients not in CR at T0 without a
CR/CRi within ``efs_failure_window_days`` (84 = 12 weeks) of T0, so those
patients have an event at time 1 day by the same rule. This window is its own
setting: ``response_window_days`` only bounds the 12-week best response.

All steps are merges, sorts and group-bys (SQL: UNION ALL + ROW_NUMBER()).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .keys import first_per_group, sort_key, sort_order
from .settings import DeriveSettings

DAY = pd.Timedelta(days=1)
TTE_COLUMNS = ["patient_id", "endpoint", "variant", "origin_date", "end_date", "time_days", "time_months",
               "event", "event_type", "source"]


@dataclass(frozen=True)
class Source:
    """One event or censoring source of an endpoint (see module docstring)."""

    name: str
    kinds: tuple[str, ...]
    role: str = "event"  # "event" | "censor" | "followup"
    event_type: int = 1
    description: str = ""  # the event in words, for the methods ("" = the name)

    def __post_init__(self):
        if self.role not in ("event", "censor", "followup"):
            raise ValueError(f"source role {self.role!r} must be event, censor or followup")


@dataclass(frozen=True)
class Endpoint:
    """A time-to-event endpoint: origin kinds, ordered sources, and who is left out and why.

    ``time_origin`` says in words what time 0 is ("first blinatumomab infusion",
    "first response (CR/CRi)"): the axis labels, risk tables and methods of the
    report print it (one declaration, here). ``population`` names who enters
    when not every treated patient does.
    """

    name: str
    origin: tuple[str, ...]
    sources: tuple[Source, ...]
    definition: str
    no_origin_reason: str = "no origin date"
    competing: bool = False
    time_origin: str = "first blinatumomab infusion"
    population: str = ""

    @property
    def rule(self) -> str:
        """The definition generated from the declaration: origin, events in order, who enters.

        E.g. "DFS from the first blinatumomab infusion to the first of relapse,
        progression or death"; a rule switched by a setting (non-responders
        failing at their first assessment) appears exactly when its source does.
        """
        events = [s.description or s.name.replace("_", " ") for s in self.sources if s.role == "event"]
        listed = events[0] if len(events) == 1 else "the first of " + ", ".join(events[:-1]) + " or " + events[-1]
        text = f"{self.name} from the {self.time_origin} to {listed}"
        return text + (f" ({self.population})" if self.population else "")


#: Time 0 of the endpoints that start at the first infusion (domain-spec 4, ``T0``).
T0_ORIGIN = "first blinatumomab infusion"


def composite_name(code: str) -> str:
    """A response composite code as printed: "cr_cri" -> "CR/CRi", "cr_crh_cri" -> "CR/CRh/CRi"."""
    return "/".join(part[:2].upper() + part[2:] for part in code.split("_"))


#: Censoring variants: extra intercurrent censoring sources (domain-spec 4).
VARIANT_SOURCES: dict[str, tuple[Source, ...]] = {
    "none": (),
    "allo_hsct": (Source("allo_hsct", ("allo_hsct",), "censor"),),
    "car_t": (Source("car_t", ("car_t",), "censor"),),
    "allo_hsct_or_car_t": (Source("allo_hsct", ("allo_hsct",), "censor"), Source("car_t", ("car_t",), "censor")),
    "new_therapy": (Source("new_therapy", ("new_therapy",), "censor"),),
}


def endpoint_definitions(settings: DeriveSettings) -> dict[str, Endpoint]:
    """The endpoints of domain-spec 4 under ``settings``."""
    s = settings

    def followup(kinds):
        return tuple(Source(k, (k,), "followup") for k in kinds)

    responder = composite_name(s.responder_definition)
    response_origin = f"first response ({responder})"
    in_cr_at_t0 = s.rfs_origin_cr_at_t0 == "t0"
    responder_origin = ("t0_if_cr_at_t0", "first_response_active") if in_cr_at_t0 else ("first_response_active",)
    responders = f"responders only{'; patients in CR at the first infusion enter at it' if in_cr_at_t0 else ''}"
    nonresp = (Source("no_response_first_assessment", ("no_response_first_assessment",),
                      description="no response (an event at the first marrow assessment after the first infusion)"),) \
        if s.nonresponder_fails_at_first_assessment else ()
    relapse = Source("relapse", ("relapse",))
    progression = Source("progression", ("progression",))
    death = Source("death", ("death",))
    return {
        "OS": Endpoint("OS", ("t0",), (Source("death", ("death",), description="death from any cause"),
                                       *followup(s.os_followup)),
                       "T0 to death from any cause; alive: censored at the latest follow-up date (domain-spec 4).",
                       time_origin=T0_ORIGIN),
        "EFS": Endpoint(
            "EFS", ("t0",),
            (Source("induction_failure", ("efs_failure",),
                    description=f"no CR/CRi within {s.efs_failure_window_days} days (patients not in CR at the first "
                                f"infusion; an event at day {s.efs_failure_time_days})"),
             relapse, death, *followup(s.disease_followup)),
            f"T0 to relapse or death; no CR/CRi within {s.efs_failure_window_days} days (patients not in CR at T0) "
            f"= event at day {s.efs_failure_time_days} (seed 001); censored at the last disease assessment "
            "(domain-spec 4).", time_origin=T0_ORIGIN),
        "RFS": Endpoint(
            "RFS", responder_origin, (relapse, death, *followup(s.disease_followup)),
            "First CR/CRi (or T0 when in CR at T0) to relapse or death (seed 001; seed 002 CR/CRh within 2 cycles).",
            no_origin_reason="not a responder", time_origin=response_origin, population=responders),
        "PFS": Endpoint(
            "PFS", ("t0",), (*nonresp, progression, relapse, death, *followup(s.pfs_followup)),
            "T0 to progression, relapse or death; non-responders fail at the first post-treatment marrow "
            "assessment; censored at last follow-up (seed 003).", time_origin=T0_ORIGIN),
        "DFS": Endpoint(
            "DFS", ("t0",), (*nonresp, relapse, progression, death, *followup(s.pfs_followup)),
            "T0 to relapse, progression or death; with ``nonresponder_fails_at_first_assessment`` non-responders "
            "fail at the first assessment (PFS-like, domain-spec 4); without it (seed 004) they fail only at "
            "progression, relapse or death.", time_origin=T0_ORIGIN),
        "DOR": Endpoint(
            "DOR", ("first_response_active", "first_mrd_negative_if_cr_at_t0"),
            (progression, relapse, death, *followup(s.disease_followup)),
            "Date of response (first CR/CRi; MRD remission for patients in CR at T0) to progression/relapse or "
            "death (seed 001); responders only.",
            no_origin_reason="not a responder", time_origin=response_origin,
            population="responders only; patients in CR at the first infusion from their first MRD negativity"),
        "CIR": Endpoint(
            "CIR", responder_origin,
            (Source("relapse", ("relapse",), event_type=1),
             Source("death_without_relapse", ("death",), event_type=2,
                    description="death without relapse (non-relapse mortality, the competing event)"),
             *followup(s.os_followup)),
            "Cumulative incidence of relapse from the RFS origin; death without prior relapse (non-relapse "
            "mortality) is the competing event (event_type 2).",
            no_origin_reason="not a responder", competing=True, time_origin=response_origin, population=responders),
    }


def _dates(patient_id: np.ndarray, dates: pd.Series, kind: str, mask=None) -> pd.DataFrame:
    d = dates.to_numpy(dtype="datetime64[ns]")
    keep = ~np.isnat(d) if mask is None else ~np.isnat(d) & np.asarray(mask, dtype=bool)
    return pd.DataFrame({"patient_id": patient_id[keep], "kind": kind, "date": d[keep]})


def derive_patient_dates(adsl: pd.DataFrame, events: pd.DataFrame, assessments: pd.DataFrame,
                         therapies: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """The long table of dates each patient contributes to the endpoints.

    Kinds: ``t0``; ``t0_if_cr_at_t0``; ``first_response_active`` (first
    responder-definition date, patients not in CR at T0);
    ``first_mrd_negative_if_cr_at_t0``; event types of the events table
    (``relapse, progression, mrd_relapse, death, last_contact,
    last_disease_assessment``); ``last_marrow_assessment``; ``last_infusion``;
    ``efs_failure`` (T0 + ``efs_failure_time_days`` for patients not in CR at
    T0 whose first CR/CRi is missing or later than T0 +
    ``efs_failure_window_days``, seed 001); ``no_response_first_assessment`` (first
    assessment after T0 of patients not in CR at T0 who are not responders,
    seed 003); ``allo_hsct``, ``car_t``, ``new_therapy`` (first start dates).

    ``adsl`` needs ``patient_id, t0_date, last_infusion_date, in_cr_at_t0,
    responder, date_first_response, date_first_mrd_negative,
    date_first_marrow_assessment, date_first_cr_cri``. Sorted by patient, kind, date.
    """
    in_cr = adsl["in_cr_at_t0"].astype("boolean").fillna(False).astype(bool).to_numpy()
    treated = adsl["t0_date"].notna().to_numpy()
    # first CR/CRi (any time after T0, before the next therapy and the cut-off) on or before the EFS window end
    efs_window_end = adsl["t0_date"] + settings.efs_failure_window_days * DAY
    cr_in_efs_window = (adsl["date_first_cr_cri"] <= efs_window_end).to_numpy(dtype=bool)  # NaT compares False
    no_cr_12w = treated & ~in_cr & ~cr_in_efs_window
    nonresp = treated & ~in_cr & ~adsl["responder"].astype("boolean").fillna(False).astype(bool).to_numpy()
    pid = adsl["patient_id"].to_numpy()
    parts = [
        _dates(pid, adsl["t0_date"], "t0"),
        _dates(pid, adsl["t0_date"], "t0_if_cr_at_t0", in_cr),
        _dates(pid, adsl["date_first_response"], "first_response_active", ~in_cr),
        _dates(pid, adsl["date_first_mrd_negative"], "first_mrd_negative_if_cr_at_t0", in_cr),
        _dates(pid, adsl["last_infusion_date"], "last_infusion"),
        _dates(pid, adsl["t0_date"] + settings.efs_failure_time_days * DAY, "efs_failure", no_cr_12w),
        _dates(pid, adsl["date_first_marrow_assessment"], "no_response_first_assessment", nonresp),
        pd.DataFrame({"patient_id": events["patient_id"].to_numpy(), "kind": events["event_type"].to_numpy(),
                      "date": events["event_date"].astype("datetime64[ns]").to_numpy()}),
    ]
    last_marrow = assessments.groupby("patient_id")["assessment_date"].max()
    parts.append(_dates(last_marrow.index.to_numpy(), last_marrow, "last_marrow_assessment"))
    for kind, mask in (("allo_hsct", therapies["therapy_type"].eq("allo_hsct")),
                       ("car_t", therapies["therapy_type"].eq("car_t")),
                       ("new_therapy", pd.Series(True, index=therapies.index))):
        first = therapies.loc[mask].groupby("patient_id")["start_date"].min()
        parts.append(_dates(first.index.to_numpy(), first, kind))
    dates = pd.concat(parts, ignore_index=True)
    dates = dates.loc[dates["patient_id"].isin(adsl["patient_id"]) & dates["date"].notna()]
    order = sort_order(sort_key(dates["patient_id"]), sort_key(dates["kind"]), sort_key(dates["date"]))
    return dates.take(order).reset_index(drop=True)


@dataclass(frozen=True)
class _DateTable:
    """``patient_dates`` as integer arrays, built once and shared by every endpoint x variant."""

    ids: pd.Index  # ids[code] = patient_id, codes in id order
    code: np.ndarray  # per row
    date: np.ndarray  # per row, int64 nanoseconds
    rows: dict  # kind -> positions of its dated rows, in table order


def _date_table(patient_dates: pd.DataFrame) -> _DateTable:
    code, ids = pd.factorize(patient_dates["patient_id"], sort=True)
    date = patient_dates["date"].to_numpy(dtype="datetime64[ns]").view(np.int64)
    kind_code, kinds = pd.factorize(patient_dates["kind"])
    dated = np.flatnonzero((date != np.iinfo(np.int64).min) & (kind_code >= 0))
    by_kind = dated[np.argsort(kind_code[dated], kind="stable")]
    bounds = np.searchsorted(kind_code[by_kind], np.arange(len(kinds) + 1))
    rows = {kind: by_kind[bounds[i]:bounds[i + 1]] for i, kind in enumerate(kinds)}
    return _DateTable(ids=ids, code=code, date=date, rows=rows)


#: Source roles in their order of precedence (the index is the role code of the rule).
ROLES = ("event", "censor", "followup")


def derive_time_to_event(patient_dates: pd.DataFrame, endpoint: Endpoint, settings: DeriveSettings,
                         variant: str = "none", patient_ids=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Derive one endpoint x censoring variant.

    Returns ``(tte, excluded)``: ``tte`` has the columns of
    :data:`TTE_COLUMNS` (one row per patient with an origin on or before the
    cut-off); ``excluded`` has ``patient_id, reason`` for the others
    (``patient_ids``: every patient of the study; default those with a date).
    Rows of ``patient_dates`` without a date are ignored.
    """
    universe = pd.Series(patient_dates["patient_id"].unique() if patient_ids is None else pd.unique(
        pd.Series(patient_ids)))
    return _time_to_event(_date_table(patient_dates), universe, endpoint, settings, variant)


def _time_to_event(table: _DateTable, universe: pd.Series, endpoint: Endpoint, settings: DeriveSettings,
                   variant: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The module's rule as table operations on integer keys (patient code, date in ns, source priority).

    Join the dates to the endpoint's source table, keep those on or after the
    origin, then the first row per patient by (date, priority) (SQL:
    ``ROW_NUMBER() OVER (PARTITION BY patient ORDER BY date, priority) = 1``).
    """
    s = settings
    sources = (*endpoint.sources, *VARIANT_SOURCES[variant])
    cutoff = pd.Timestamp(s.data_cutoff).value if s.data_cutoff is not None else None
    ids, code, date, rows_of = table.ids, table.code, table.date, table.rows
    n = len(ids)

    # origin: first available kind in declared order (then the earliest date)
    parts = [(rows_of[k], i) for i, k in enumerate(endpoint.origin) if k in rows_of and k not in endpoint.origin[:i]]
    rows = np.concatenate([r for r, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
    priority = np.concatenate([np.full(len(r), i) for r, i in parts]) if parts else np.zeros(0, dtype=np.int64)
    first = first_per_group(code[rows], n, priority, date[rows])
    rows = rows[first[first >= 0]]
    origin_code, origin_date = code[rows], date[rows]
    excluded = pd.DataFrame({"patient_id": universe[~universe.isin(ids.take(origin_code))].to_numpy(),
                             "reason": endpoint.no_origin_reason})
    if cutoff is not None:
        late = origin_date > cutoff
        excluded = pd.concat([excluded, pd.DataFrame({"patient_id": ids.take(origin_code[late]).to_numpy(),
                                                      "reason": "origin after the data cut-off"})], ignore_index=True)
        origin_code, origin_date = origin_code[~late], origin_date[~late]
    origin_of = np.full(n, np.iinfo(np.int64).max)  # no origin: no date is on or after it
    origin_of[origin_code] = origin_date

    # candidate rows: the dates of the sources' kinds on or after the origin (join with the source table)
    parts = []
    for i, src in enumerate(sources):
        for k in src.kinds:
            if k in rows_of:
                r = rows_of[k]
                r = r[date[r] >= origin_of[code[r]]]
                parts.append((r, np.full(len(r), i)))
    rows = np.concatenate([r for r, _ in parts]) if parts else np.zeros(0, dtype=np.int64)
    priority = np.concatenate([p for _, p in parts]) if parts else np.zeros(0, dtype=np.int64)
    c_code, c_date = code[rows], date[rows]
    role = np.array([ROLES.index(src.role) for src in sources], dtype=np.int64)[priority]
    competes = role < 2  # event or censor
    beyond = c_date > cutoff if cutoff is not None else np.zeros(len(rows), dtype=bool)

    # earliest event or intercurrent censoring wins; ties -> declared order
    ev = np.flatnonzero(competes & ~beyond)
    earliest = first_per_group(c_code[ev], n, c_date[ev], priority[ev])
    ev = ev[earliest[earliest >= 0]]

    # otherwise: latest follow-up date, truncated at the cut-off (source data_cutoff, before any other)
    fu = np.flatnonzero(~competes | beyond)
    fu_date, fu_priority = c_date[fu], priority[fu]
    if cutoff is not None:
        over = fu_date > cutoff
        fu_date = np.where(over, cutoff, fu_date)
        fu_priority = np.where(over, -1, fu_priority)
    latest = first_per_group(c_code[fu], n, -fu_date, fu_priority)
    latest = latest[latest >= 0]
    fu, fu_date, fu_priority = fu[latest], fu_date[latest], fu_priority[latest]

    # per patient with an origin: the event row, else the follow-up row, else the origin itself
    names = np.array([src.name for src in sources] + ["data_cutoff", "origin"], dtype=object)
    end_date = origin_of.copy()
    end_source = np.full(n, len(names) - 1)  # origin
    event_type = np.zeros(n, dtype=np.int64)
    end_date[c_code[fu]] = fu_date
    end_source[c_code[fu]] = np.where(fu_priority < 0, len(names) - 2, fu_priority)
    end_date[c_code[ev]] = c_date[ev]
    end_source[c_code[ev]] = priority[ev]
    event_type[c_code[ev]] = np.where(role[ev] == 0, np.array([src.event_type for src in sources])[priority[ev]], 0)

    end_date, end_source, event_type = end_date[origin_code], end_source[origin_code], event_type[origin_code]
    time_days = (end_date - origin_date) // DAY.value
    m = len(origin_code)
    out = pd.DataFrame({
        "patient_id": ids.take(origin_code).to_numpy(),
        "endpoint": endpoint.name,
        "variant": variant,
        "origin_date": origin_date.view("datetime64[ns]"),
        "end_date": end_date.view("datetime64[ns]"),
        "time_days": pd.arrays.IntegerArray(time_days, np.zeros(m, dtype=bool)),
        "time_months": time_days.astype(float) / s.days_per_month,
        # ``event`` is always the event of interest; ``event_type`` (0/1/2) is only filled for
        # competing-risk endpoints (CIR) and missing otherwise (docs/architecture.md).
        "event": pd.arrays.IntegerArray((event_type == 1).astype(np.int64), np.zeros(m, dtype=bool)),
        "event_type": pd.arrays.IntegerArray(event_type, np.full(m, not endpoint.competing)),
        "source": names[end_source],
    })
    return out[TTE_COLUMNS], excluded.sort_values("patient_id", kind="mergesort").reset_index(drop=True)


def derive_endpoints(patient_dates: pd.DataFrame, settings: DeriveSettings,
                     patient_ids=None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every endpoint x censoring variant of ``settings``: ``(tte, excluded)``.

    ``excluded`` has ``endpoint, variant, patient_id, reason``.
    """
    defs = endpoint_definitions(settings)
    table = _date_table(patient_dates)  # once for every endpoint x variant
    universe = pd.Series(patient_dates["patient_id"].unique() if patient_ids is None else pd.unique(
        pd.Series(patient_ids)))
    rows, excl = [], []
    for name in settings.endpoints:
        for variant in settings.censoring_variants:
            tte, ex = _time_to_event(table, universe, defs[name], settings, variant)
            rows.append(tte)
            excl.append(ex.assign(endpoint=name, variant=variant))
    tte = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=TTE_COLUMNS)
    ex = pd.concat(excl, ignore_index=True) if excl else pd.DataFrame(columns=["endpoint", "variant", "patient_id", "reason"])
    return tte, ex[["endpoint", "variant", "patient_id", "reason"]]
