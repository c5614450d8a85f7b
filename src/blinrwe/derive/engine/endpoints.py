"""Time-to-event endpoints as Ibis expressions (domain-spec 4; pandas reference:
``blinrwe.derive.endpoints``, whose endpoint declarations, censoring variants and rule these read).

The patient dates are one long table (``patient_id, kind, date``). Every endpoint x censoring
variant of the settings is a row of small declaration tables (the endpoint's origin kinds, and
the sources of each endpoint x variant with their priority and role), so all endpoints are
derived by one query: join the dates to the declarations, then per endpoint (x variant) x patient
take the origin (first declared kind, then earliest date), the winning event or intercurrent
censoring (earliest date, then declared order) and the end of follow-up (latest date truncated
at the cut-off, then ``data_cutoff``, then declared order) as the ``MIN`` of one int64 rank that packs
the date (in seconds) with the priority, decoded afterwards (a plain integer aggregate: DuckDB's
``ARG_MIN`` over a sort key was most of this query's time at 1e6 patients).
Ties left after these keys are rows of the same source on the same date, which give the same
result whichever is taken. Dates are compared to the second (they are days).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from ..endpoints import ROLES, TTE_COLUMNS, VARIANT_SOURCES, endpoint_definitions
from ..settings import DeriveSettings

_SECONDS_PER_DAY = 86_400
#: rank keys packed in one int64: (date in seconds, source priority) and (origin priority, date)
_PRIORITIES = 1_000
_ORIGIN_PRIORITY_STEP = 10**12
_SECONDS_OFFSET = _ORIGIN_PRIORITY_STEP // 2  # keeps a date's seconds positive within one origin priority step
#: the (declaration, patient) keys' patient range: declaration code x 2**32 + patient order
_PATIENTS = 2**32
#: the ADSL columns :func:`derive_patient_dates` reads
ADSL_DATE_COLUMNS = ("patient_id", "in_cr_at_t0", "t0_date", "date_first_cr_cri", "responder", "date_first_response",
                     "date_first_mrd_negative", "last_infusion_date", "date_first_marrow_assessment")


def derive_patient_dates(adsl: ibis.Table, events: ibis.Table, assessments: ibis.Table,
                         therapies: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """The long table ``patient_id, kind, date`` of the dates each patient of ``adsl`` (its columns
    ``ADSL_DATE_COLUMNS``) contributes to the endpoints (the kinds of the pandas derivation; no row order)."""
    s = settings
    a = adsl
    in_cr = a.in_cr_at_t0.fill_null(False)
    treated = a.t0_date.notnull()
    # first CR/CRi on or before the EFS window end (a missing date compares false)
    cr_in_efs_window = (a.date_first_cr_cri <= a.t0_date + ibis.interval(days=int(s.efs_failure_window_days)))
    no_cr_in_window = treated & ~in_cr & ~cr_in_efs_window.fill_null(False)
    nonresponder = treated & ~in_cr & ~a.responder.fill_null(False)

    def part(table, date, kind, mask=None):
        rows = table if mask is None else table.filter(mask)
        kind = ibis.literal(kind, "string") if isinstance(kind, str) else kind
        return rows.select(patient_id=rows.patient_id, kind=kind, date=date.cast("timestamp"))

    parts = [
        part(a, a.t0_date, "t0"),
        part(a, a.t0_date, "t0_if_cr_at_t0", in_cr),
        part(a, a.date_first_response, "first_response_active", ~in_cr),
        part(a, a.date_first_mrd_negative, "first_mrd_negative_if_cr_at_t0", in_cr),
        part(a, a.last_infusion_date, "last_infusion"),
        part(a, a.t0_date + ibis.interval(days=int(s.efs_failure_time_days)), "efs_failure", no_cr_in_window),
        part(a, a.date_first_marrow_assessment, "no_response_first_assessment", nonresponder),
        part(events, events.event_date, events.event_type.cast("string")),
    ]
    last_marrow = assessments.group_by("patient_id").aggregate(date=assessments.assessment_date.max())
    parts.append(part(last_marrow, last_marrow.date, "last_marrow_assessment"))
    for kind in ("allo_hsct", "car_t", "new_therapy"):
        is_kind = None if kind == "new_therapy" else therapies.therapy_type == kind
        first = therapies.group_by("patient_id").aggregate(date=therapies.start_date.min(where=is_kind))
        parts.append(part(first, first.date, kind))
    dates = ibis.union(*parts, distinct=False)
    dates = dates.filter(dates.date.notnull())
    return dates.semi_join(adsl.select("patient_id"), "patient_id")


def _declarations(settings: DeriveSettings):
    """The endpoints x variants of ``settings`` as three small tables with integer codes: ``pairs``
    (pair, endpoint_code, endpoint, variant, competing, no_origin_reason), ``origins``
    (endpoint_code, kind, origin_priority) and ``sources`` (pair, endpoint_code, kind, priority,
    role, event_type, name). The origin is the endpoint's, shared by its variants."""
    defs = endpoint_definitions(settings)
    pairs, origins, sources = [], [], []
    for code, name in enumerate(settings.endpoints):
        endpoint = defs[name]
        origins += [(code, k, i) for i, k in enumerate(endpoint.origin) if k not in endpoint.origin[:i]]
        for variant in settings.censoring_variants:
            pair = len(pairs)
            pairs.append((pair, code, name, variant, endpoint.competing, endpoint.no_origin_reason))
            for i, src in enumerate((*endpoint.sources, *VARIANT_SOURCES[variant])):
                sources += [(pair, code, k, i, ROLES.index(src.role), src.event_type, src.name) for k in src.kinds]

    def table(rows, schema):
        columns = list(zip(*rows)) if rows else [[] for _ in schema]
        return ibis.memtable(pa.table({n: pa.array(list(c), type=t) for (n, t), c in zip(schema, columns)}))

    text, whole = pa.string(), pa.int64()
    return (table(pairs, [("pair", whole), ("endpoint_code", whole), ("endpoint", text), ("variant", text),
                          ("competing", pa.bool_()), ("no_origin_reason", text)]),
            table(origins, [("endpoint_code", whole), ("kind", text), ("origin_priority", whole)]),
            table(sources, [("pair", whole), ("endpoint_code", whole), ("kind", text), ("priority", whole),
                            ("role", whole), ("event_type", whole), ("name", text)]))


def _declared_kinds(settings: DeriveSettings) -> tuple[list[str], list[str]]:
    """The kinds of patient dates the endpoints x variants of ``settings`` read: as origins, as sources."""
    defs = [endpoint_definitions(settings)[name] for name in settings.endpoints]
    origin = {kind for endpoint in defs for kind in endpoint.origin}
    source = {kind for endpoint in defs for variant in settings.censoring_variants
              for src in (*endpoint.sources, *VARIANT_SOURCES[variant]) for kind in src.kinds}
    return sorted(origin), sorted(source)


def _seconds(date: ibis.Value) -> ibis.Value:
    return date.epoch_seconds().cast("int64")


def _from_seconds(seconds: ibis.Value) -> ibis.Value:
    """The timestamp ``seconds`` after 1970-01-01 (timestamp arithmetic: no time zone enters)."""
    return ibis.timestamp("1970-01-01 00:00:00") + seconds.as_interval("s")


def _priority(rank: ibis.Value) -> ibis.Value:
    """The source priority packed in the last digits of a rank (SQL ``%`` keeps the sign)."""
    return ((rank % _PRIORITIES) + _PRIORITIES) % _PRIORITIES


def _key(code: ibis.Value, patient_order: ibis.Value) -> ibis.Value:
    """One int64 of (declaration code, patient): the tens of millions of candidate rows are grouped and
    joined by one integer, and ``tte`` sorted by it (the codes are in declared order)."""
    return code.cast("int64") * _PATIENTS + patient_order


def patient_order(patient_ids: ibis.Table) -> ibis.Table:
    """Each patient of ``patient_ids`` (column ``patient_id``) once, with ``patient_order``: the patient's
    place (from 0) in the order of the ids. The endpoints' tens of millions of candidate rows are grouped,
    joined and sorted by this integer, not by the text."""
    ids = patient_ids.select("patient_id").distinct()
    return ids.mutate(patient_order=ibis.row_number().over(order_by="patient_id"))


def derive_coded_endpoints(patient_dates: ibis.Table, settings: DeriveSettings, patient_ids: ibis.Table | None = None,
                           patients: ibis.Table | None = None,
                           keep=lambda table: table) -> tuple[ibis.Table, ibis.Table]:
    """Every endpoint x censoring variant of ``settings`` with the patient, endpoint and variant coded:
    ``(coded_tte, excluded)`` (see :func:`derive_endpoints`).

    ``coded_tte`` has the columns of ``TTE_COLUMNS`` but ``patient_id, endpoint, variant``, and ``row_order``:
    (declaration code) x 2**32 + ``patient_order`` of ``patients`` (:func:`patient_order`; default that of
    every patient of ``patient_dates`` and ``patient_ids``), which :func:`decode_tte` (or the engine, in
    :func:`derive_endpoints`) turns back into the three. ``patients`` must hold every patient of both.
    ``keep`` (see ``analysis_data.derive_expressions``) holds the coded dates and the origins, which both
    results read."""
    pairs, origins, sources = _declarations(settings)
    cutoff = None
    if settings.data_cutoff is not None:
        cutoff = int(pd.Timestamp(str(settings.data_cutoff)).value // 10**9)  # seconds since 1970, as the engine's
    # every patient (of ``patient_dates``, listed or not, as in pandas)
    if patients is None:
        ids = patient_dates.select("patient_id")
        if patient_ids is not None:
            ids = ids.union(patient_ids.select("patient_id"), distinct=False)
        patients = patient_order(ids)
    study = patients if patient_ids is None else patients.semi_join(patient_ids, "patient_id")
    # only the kinds an origin or a source reads (a kind of no declaration is no date of any endpoint)
    origin_kinds, source_kinds = _declared_kinds(settings)
    dates = patient_dates.filter(patient_dates.date.notnull() & patient_dates.kind.isin(origin_kinds + source_kinds))
    dates = keep(dates.inner_join(patients, "patient_id").select("patient_order", "kind",
                                                                 second=_seconds(dates.date.cast("timestamp"))))

    # origin: the first declared kind available, then its earliest date
    o = dates.inner_join(origins, "kind")
    o = o.group_by(o.endpoint_code, o.patient_order).aggregate(
        origin_rank=(o.origin_priority * _ORIGIN_PRIORITY_STEP + o.second + _SECONDS_OFFSET).min())
    o = keep(o.select("endpoint_code", "patient_order", origin=o.origin_rank % _ORIGIN_PRIORITY_STEP - _SECONDS_OFFSET))
    # per endpoint, then its variants (which share its origin)
    no_origin = study.cross_join(pairs.select("endpoint_code").distinct()).anti_join(o, ["endpoint_code", "patient_order"])
    no_origin = no_origin.inner_join(pairs, "endpoint_code")
    excluded = no_origin.select("endpoint", "variant", "patient_id", reason="no_origin_reason")
    if cutoff is not None:
        late = o.filter(o.origin > cutoff).inner_join(pairs, "endpoint_code").inner_join(patients, "patient_order")
        excluded = excluded.union(late.select("endpoint", "variant", "patient_id",
                                              reason=ibis.literal("origin after the data cut-off")), distinct=False)
        o = o.filter(o.origin <= cutoff)

    # candidates: the dates of the sources' kinds on or after the origin
    c = dates.filter(dates.kind.isin(source_kinds))
    c = c.inner_join(sources, "kind").inner_join(o, ["endpoint_code", "patient_order"])
    c = c.filter(c.second >= c.origin)
    competes = c.role < ROLES.index("followup")  # an event or an intercurrent censoring
    over = (c.second > cutoff) if cutoff is not None else ibis.literal(False)
    wins = competes & ~over
    # follow-up beyond the cut-off (an event or follow-up date after it) ends at it, source data_cutoff
    fu_second = ibis.ifelse(over, cutoff, c.second) if cutoff is not None else c.second
    fu_priority = ibis.ifelse(over, -1, c.priority)
    # earliest event or censoring (not after the cut-off) wins, ties -> declared order; otherwise the
    # latest follow-up date, ties -> data_cutoff, then declared order
    ev_rank = c.second * _PRIORITIES + c.priority
    fu_rank = -fu_second * _PRIORITIES + fu_priority + 1
    ends = c.group_by(pair_key=_key(c.pair, c.patient_order)).aggregate(ev_rank=ev_rank.min(where=wins),
                                                                       fu_rank=fu_rank.min(where=~wins))
    # the winning source from the priority in the rank (one lookup of the declared sources)
    declared = sources.select("pair", "priority", "role", "event_type", "name").distinct()
    ev_of = declared.select("pair", ev_priority="priority", ev_role="role", ev_type="event_type", ev_name="name")
    fu_of = declared.select("pair", fu_priority="priority", fu_name="name")
    ends = ends.mutate(pair=ends.pair_key // _PATIENTS, ev_priority=_priority(ends.ev_rank),
                       fu_priority=_priority(ends.fu_rank) - 1)
    ends = ends.mutate(ev_second=(ends.ev_rank - ends.ev_priority) // _PRIORITIES,
                       fu_second=(ends.fu_priority + 1 - ends.fu_rank) // _PRIORITIES)
    ends = ends.left_join(ev_of, ["pair", "ev_priority"]).select(ends, "ev_role", "ev_type", "ev_name")
    ends = ends.left_join(fu_of, ["pair", "fu_priority"]).select(ends, "fu_name")

    t = o.inner_join(pairs.select("endpoint_code", "pair", "competing"), "endpoint_code")
    t = t.mutate(pair_key=_key(t.pair, t.patient_order))
    t = t.left_join(ends, "pair_key").select(t, "ev_second", "ev_name", "ev_role", "ev_type", "fu_second", "fu_name")
    has_event = t.ev_second.notnull()
    end = ibis.coalesce(t.ev_second, t.fu_second, t.origin)
    # priority -1 (the cut-off) is no declared source
    source = ibis.cases((has_event, t.ev_name), (t.fu_second.notnull(), t.fu_name.fill_null("data_cutoff")),
                        else_="origin")
    event_type = ibis.ifelse(has_event & (t.ev_role == ROLES.index("event")), t.ev_type, 0)
    time_days = (end - t.origin) // _SECONDS_PER_DAY
    coded = t.select(
        row_order=t.pair_key, origin_date=_from_seconds(t.origin), end_date=_from_seconds(end),
        time_days=time_days.cast("int64"),
        time_months=time_days.cast("float64") / float(settings.days_per_month),
        # ``event`` is the event of interest; ``event_type`` only for competing-risk endpoints
        event=(event_type == 1).cast("int64"),
        event_type=ibis.ifelse(t.competing, event_type, ibis.null("int64")),
        source=source,
    )
    return coded, excluded.select("endpoint", "variant", "patient_id", "reason")


def derive_endpoints(patient_dates: ibis.Table, settings: DeriveSettings,
                     patient_ids: ibis.Table | None = None) -> tuple[ibis.Table, ibis.Table]:
    """Every endpoint x censoring variant of ``settings``: ``(tte, excluded)``.

    ``tte`` has the columns of ``TTE_COLUMNS`` and ``row_order``, an integer its rows sort by as by
    ``endpoint, variant, patient_id`` (declared order, then the id); ``excluded`` ``endpoint, variant,
    patient_id, reason`` for the patients without an origin and those whose origin is after the data
    cut-off. ``patient_ids`` (column ``patient_id``) are every patient of the study; default those of
    ``patient_dates``.
    Dates are compared as whole seconds (decoded to timestamps at the end); the first row by a rank is
    the ``MIN`` of a rank packed in one int64 (one hash aggregate, no sorting window), its date and
    priority decoded from it."""
    ids = patient_dates.select("patient_id")
    if patient_ids is not None:
        ids = ids.union(patient_ids.select("patient_id"), distinct=False)
    patients = patient_order(ids)
    coded, excluded = derive_coded_endpoints(patient_dates, settings, patient_ids, patients)
    pairs = _declarations(settings)[0].select("pair", "endpoint", "variant")
    tte = coded.mutate(pair=coded.row_order // _PATIENTS, patient_order=coded.row_order % _PATIENTS)
    tte = tte.inner_join(pairs, "pair").inner_join(patients, "patient_order")
    return tte.select(*TTE_COLUMNS, "row_order"), excluded


def decode_tte(coded: pd.DataFrame, patients: pd.DataFrame, settings: DeriveSettings) -> pd.DataFrame:
    """The ``tte`` of :func:`derive_endpoints` (``TTE_COLUMNS``): :func:`decode_tte_patients`'s frame."""
    return decode_tte_patients(coded, patients, settings)[0]


def decode_tte_patients(coded: pd.DataFrame, patients: pd.DataFrame,
                        settings: DeriveSettings) -> tuple[pd.DataFrame, np.ndarray]:
    """``(tte, patient_order)``: the ``tte`` of :func:`derive_endpoints` (``TTE_COLUMNS``) and each of its rows'
    ``patient_order`` (int64), from ``coded`` (:func:`derive_coded_endpoints`'
    rows, in any order; its columns are consumed) and ``patients`` (its ``patient_id, patient_order``), in
    this process: rows in the order of
    ``row_order`` (no sort of ten million rows in the engine, nor their ids and names carried through it),
    ``patient_id, endpoint, variant`` decoded from it (one shared string per patient and per name).

    ``row_order`` is unique (one row per endpoint x variant x patient), so each row's place is the
    number of keys below its own: counted over the dense (pair, patient) grid, no comparison sort."""
    keys = coded["row_order"].to_numpy(dtype=np.int64)
    n_patients = max(len(patients), 1)
    pair, patient = keys // _PATIENTS, keys % _PATIENTS
    cell = pair * n_patients + patient
    present = np.zeros(int(cell.max()) + 1 if len(cell) else 0, dtype=bool)
    present[cell] = True
    rows = np.empty(len(keys), dtype=np.intp)
    rows[np.cumsum(present)[cell] - 1] = np.arange(len(keys))  # rows[place] = the row at that place
    ids = np.empty(n_patients, dtype=object)
    ids[patients["patient_order"].to_numpy(dtype=np.int64)] = patients["patient_id"].to_numpy(dtype=object)
    pair, patient = pair[rows], patient[rows]
    names = np.array([(e, v) for e in settings.endpoints for v in settings.censoring_variants] or [("", "")],
                     dtype=object)
    columns = {"patient_id": ids[patient], "endpoint": names[pair, 0], "variant": names[pair, 1]}
    for name in list(coded.columns):
        columns[name] = coded.pop(name).array.take(rows)  # each coded column freed once in order
    return pd.DataFrame({name: columns.pop(name) for name in TTE_COLUMNS}, copy=False), patient
