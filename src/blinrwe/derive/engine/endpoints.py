"""Time-to-event endpoints as Ibis expressions (domain-spec 4; pandas reference:
``blinrwe.derive.endpoints``, whose endpoint declarations, censoring variants and rule these read).

The patient dates are one long table (``patient_id, kind, date``). Every endpoint x censoring
variant of the settings is one set of rows of two small declaration tables (origin kinds, and
sources with their priority and role), so all endpoints are derived by one query: join the dates
to the declarations, then per endpoint x variant x patient ``ROW_NUMBER()`` picks the origin
(first declared kind, then earliest date), the winning event or intercurrent censoring (earliest
date, then declared order) and the end of follow-up (latest date truncated at the cut-off, then
``data_cutoff``, then declared order). Ties left after these keys are rows of the same source on
the same date, which give the same result whichever is taken.
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from ..endpoints import ROLES, TTE_COLUMNS, VARIANT_SOURCES, endpoint_definitions
from ..settings import DeriveSettings

_SECONDS_PER_DAY = 86_400
_KEYS = ("endpoint", "variant", "patient_id")


def derive_patient_dates(adsl: ibis.Table, events: ibis.Table, assessments: ibis.Table,
                         therapies: ibis.Table, settings: DeriveSettings) -> ibis.Table:
    """The long table ``patient_id, kind, date`` of the dates each patient of ``adsl`` contributes
    to the endpoints (the kinds of the pandas derivation; no row order)."""
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
    """The endpoints x variants of ``settings`` as three small tables: ``pairs`` (endpoint, variant,
    competing, no_origin_reason), ``origins`` (endpoint, variant, kind, origin_priority) and
    ``sources`` (endpoint, variant, kind, priority, role, event_type, name)."""
    defs = endpoint_definitions(settings)
    pairs, origins, sources = [], [], []
    for name in settings.endpoints:
        endpoint = defs[name]
        for variant in settings.censoring_variants:
            pairs.append((name, variant, endpoint.competing, endpoint.no_origin_reason))
            origins += [(name, variant, k, i) for i, k in enumerate(endpoint.origin) if k not in endpoint.origin[:i]]
            for i, src in enumerate((*endpoint.sources, *VARIANT_SOURCES[variant])):
                sources += [(name, variant, k, i, ROLES.index(src.role), src.event_type, src.name) for k in src.kinds]

    def table(rows, schema):
        columns = list(zip(*rows)) if rows else [[] for _ in schema]
        return ibis.memtable(pa.table({n: pa.array(list(c), type=t) for (n, t), c in zip(schema, columns)}))

    text, whole = pa.string(), pa.int64()
    return (table(pairs, [("endpoint", text), ("variant", text), ("competing", pa.bool_()),
                          ("no_origin_reason", text)]),
            table(origins, [("endpoint", text), ("variant", text), ("kind", text), ("origin_priority", whole)]),
            table(sources, [("endpoint", text), ("variant", text), ("kind", text), ("priority", whole),
                            ("role", whole), ("event_type", whole), ("name", text)]))


def _first(table: ibis.Table, *order) -> ibis.Table:
    """The first row per endpoint x variant x patient by ``order``."""
    rank = ibis.row_number().over(group_by=[table[k] for k in _KEYS], order_by=list(order))
    return table.mutate(rank_=rank).filter(lambda t: t.rank_ == 0).drop("rank_")


def derive_endpoints(patient_dates: ibis.Table, settings: DeriveSettings,
                     patient_ids: ibis.Table | None = None) -> tuple[ibis.Table, ibis.Table]:
    """Every endpoint x censoring variant of ``settings``: ``(tte, excluded)``.

    ``tte`` has the columns of ``TTE_COLUMNS``; ``excluded`` ``endpoint, variant, patient_id,
    reason`` for the patients of ``patient_ids`` (column ``patient_id``; default the patients of
    ``patient_dates``) without an origin, and for those whose origin is after the data cut-off."""
    pairs, origins, sources = _declarations(settings)
    cutoff = ibis.timestamp(str(settings.data_cutoff)) if settings.data_cutoff is not None else None
    dates = patient_dates.filter(patient_dates.date.notnull() & patient_dates.kind.notnull())
    dates = dates.select("patient_id", "kind", date=dates.date.cast("timestamp"))

    # origin: the first declared kind available, then its earliest date
    o = dates.inner_join(origins, "kind")
    o = _first(o, o.origin_priority, o.date).select(*_KEYS, origin_date="date")
    universe = (patient_dates if patient_ids is None else patient_ids).select("patient_id").distinct()
    no_origin = universe.cross_join(pairs).anti_join(o, list(_KEYS))
    excluded = no_origin.select("endpoint", "variant", "patient_id", reason="no_origin_reason")
    if cutoff is not None:
        late = o.filter(o.origin_date > cutoff)
        excluded = excluded.union(late.select("endpoint", "variant", "patient_id",
                                              reason=ibis.literal("origin after the data cut-off")), distinct=False)
        o = o.filter(o.origin_date <= cutoff)

    # candidates: the dates of the sources' kinds on or after the origin
    c = dates.inner_join(sources, "kind").inner_join(o, list(_KEYS))
    c = c.filter(c.date >= c.origin_date)
    competes = c.role < ROLES.index("followup")  # an event or an intercurrent censoring
    beyond = (c.date > cutoff) if cutoff is not None else ibis.literal(False)
    c = c.mutate(wins_=competes & ~beyond)
    # earliest event or censoring (not after the cut-off) wins; ties -> declared order
    ev = c.filter(c.wins_)
    ev = _first(ev, ev.date, ev.priority).select(*_KEYS, ev_date="date", ev_name="name", ev_role="role",
                                                 ev_type="event_type")
    # otherwise the latest follow-up date truncated at the cut-off (source data_cutoff before any other)
    fu = c.filter(~c.wins_)
    if cutoff is not None:
        over = fu.date > cutoff
        fu = fu.mutate(date=ibis.ifelse(over, cutoff, fu.date), priority=ibis.ifelse(over, -1, fu.priority),
                       name=ibis.ifelse(over, "data_cutoff", fu.name))
    fu = _first(fu, fu.date.desc(), fu.priority).select(*_KEYS, fu_date="date", fu_name="name")

    t = o.left_join(ev, list(_KEYS)).select(o, "ev_date", "ev_name", "ev_role", "ev_type")
    t = t.left_join(fu, list(_KEYS)).select(t, "fu_date", "fu_name")
    t = t.inner_join(pairs.select("endpoint", "variant", "competing"), ["endpoint", "variant"])
    has_event = t.ev_date.notnull()
    end_date = ibis.coalesce(t.ev_date, t.fu_date, t.origin_date)
    source = ibis.cases((has_event, t.ev_name), (t.fu_date.notnull(), t.fu_name), else_="origin")
    event_type = ibis.ifelse(has_event & (t.ev_role == ROLES.index("event")), t.ev_type, 0)
    time_days = (end_date.epoch_seconds() - t.origin_date.epoch_seconds()) // _SECONDS_PER_DAY
    tte = t.select(
        "patient_id", "endpoint", "variant", "origin_date", end_date=end_date,
        time_days=time_days.cast("int64"),
        time_months=time_days.cast("float64") / float(settings.days_per_month),
        # ``event`` is the event of interest; ``event_type`` only for competing-risk endpoints
        event=(event_type == 1).cast("int64"),
        event_type=ibis.ifelse(t.competing, event_type, ibis.null("int64")),
        source=source,
    )
    return tte.select(*TTE_COLUMNS), excluded.select("endpoint", "variant", "patient_id", "reason")
