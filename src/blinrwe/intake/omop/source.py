"""Read the OMOP CDM v5.4 tables of a blinatumomab cohort through DuckDB (Ibis).

The source is a folder of Parquet files (one per table, ``person.parquet``...), a DuckDB
database file (attached read-only), or an Ibis backend already connected to a warehouse
(its tables read by name). Everything that scales with the registry runs in the engine:
the concept sets are expanded through ``concept_ancestor`` (an RxNorm ingredient and all
its descendants), the cohort is every person with a blinatumomab exposure, and only the
cohort's records of mapped concepts come back to Python, with one summary row per
unmapped concept (for the finding that names it).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from blinrwe.engines import EngineSettings, connect
from blinrwe.errors import UserError
from blinrwe.model.i18n import _

from .mapping import OmopMapping

#: The CDM tables read and the columns used (CDM v5.4 names).
CDM_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("person_id", "gender_concept_id", "year_of_birth", "month_of_birth", "day_of_birth",
               "person_source_value"),
    "observation_period": ("observation_period_id", "person_id", "observation_period_start_date",
                           "observation_period_end_date"),
    "drug_exposure": ("drug_exposure_id", "person_id", "drug_concept_id", "drug_exposure_start_date",
                      "drug_exposure_end_date", "quantity", "dose_unit_source_value", "drug_source_value"),
    "condition_occurrence": ("condition_occurrence_id", "person_id", "condition_concept_id", "condition_start_date"),
    "measurement": ("measurement_id", "person_id", "measurement_concept_id", "measurement_date", "value_as_number",
                    "measurement_source_value"),
    "procedure_occurrence": ("procedure_occurrence_id", "person_id", "procedure_concept_id", "procedure_date"),
    "death": ("person_id", "death_date", "cause_concept_id"),
    "concept_ancestor": ("ancestor_concept_id", "descendant_concept_id"),
}
#: Tables without which there is no study.
REQUIRED = ("person", "drug_exposure", "concept_ancestor")
#: Columns that may be absent (an ETL that does not fill them): read as empty.
OPTIONAL_COLUMNS = {"person_source_value", "month_of_birth", "day_of_birth", "quantity", "dose_unit_source_value",
                    "drug_source_value", "measurement_source_value", "cause_concept_id"}


@dataclass(frozen=True)
class CdmExtract:
    """The cohort's CDM records as pandas frames, and where each table was read (for findings)."""

    source: str
    files: dict[str, str]  # table -> the file (or database) it was read from
    tables: dict[str, pd.DataFrame]
    blinatumomab_concepts: frozenset[int]
    drug_concepts: dict[int, str]  # descendant concept -> therapy type
    unmapped: dict[str, pd.DataFrame]  # measurement / drug_exposure -> concept_id, n_rows, first_row, source_value


def _table(con, name: str, database):
    """The backend's table ``name`` in ``database``, or None when there is none.

    (Asked for by name: Ibis 12's ``list_tables`` calls a method DuckDB 2 no longer has.)
    """
    import ibis.common.exceptions as ibis_errors

    try:
        return con.table(name, database=database)
    except ibis_errors.TableNotFound:
        return None


def _open(source, settings: EngineSettings | None, schema: str):
    """(backend, table -> ibis table or None, table -> file name, description of the source)."""
    if not isinstance(source, (str, Path)):  # an Ibis backend reaching a warehouse
        name = getattr(source, "name", "backend")
        tables = {t: _table(source, t, schema or None) for t in CDM_COLUMNS}
        return source, tables, {t: t for t in CDM_COLUMNS}, f"{name} backend"
    path = Path(source)
    con = connect(settings or EngineSettings(kind="duckdb"))
    if path.is_dir():
        files, tables = {}, {}
        for t in CDM_COLUMNS:
            found = next((p for p in (path / f"{t}.parquet", path / t) if p.exists()), None)
            files[t] = found.name if found is not None else f"{t}.parquet"
            target = str(found / "*.parquet") if found is not None and found.is_dir() else str(found)
            tables[t] = con.read_parquet(target, table_name=f"omop_{t}") if found is not None else None
        return con, tables, files, str(path)
    if path.is_file():
        try:
            con.attach(str(path), name="omop_cdm", read_only=True)
        except Exception as err:  # noqa: BLE001 - any DuckDB refusal is the user's file
            raise UserError(_("{path}: not a DuckDB database or a folder of CDM Parquet files ({error})").format(
                path=path, error=type(err).__name__)) from None
        tables = {t: _table(con, t, ("omop_cdm", schema or "main")) for t in CDM_COLUMNS}
        return con, tables, {t: path.name for t in CDM_COLUMNS}, str(path)
    raise UserError(_("{path}: not found; give a folder of OMOP CDM Parquet files (person.parquet, ...) or a DuckDB "
                      "database file").format(path=path))


def _columns(table, name: str, where: str):
    """The used columns of a CDM table, absent optional ones as typed nulls."""
    import ibis

    have = set(table.columns)
    wanted = CDM_COLUMNS[name]
    missing = [c for c in wanted if c not in have and c not in OPTIONAL_COLUMNS]
    if missing:
        raise UserError(_("{file}: the CDM table '{table}' has no column {columns}; OMOP CDM v5.4 names its columns "
                          "so").format(file=where, table=name, columns=", ".join(missing)))
    text = {"person_source_value", "dose_unit_source_value", "drug_source_value", "measurement_source_value"}
    return table.select(*[table[c] if c in have else ibis.null("string" if c in text else "float64").name(c)
                          for c in wanted])


def _descendants(ancestor, ingredients) -> object:
    """An expression of every concept descending from ``ingredients`` (the ingredients included)."""
    return ancestor.filter(ancestor.ancestor_concept_id.isin(list(ingredients)))


def read_cdm(source, mapping: OmopMapping, settings: EngineSettings | None = None, schema: str = "") -> CdmExtract:
    """The blinatumomab cohort's records of the mapped concepts (and the unmapped ones summarised)."""
    con, raw, files, described = _open(source, settings, schema)
    for name in REQUIRED:
        if raw[name] is None:
            raise UserError(_("{source}: the CDM table '{table}' is missing ({file})").format(
                source=described, table=name, file=files[name]))
    t = {name: (_columns(raw[name], name, files[name]) if raw[name] is not None else None) for name in CDM_COLUMNS}
    ancestor = t["concept_ancestor"]
    drug_ingredients = {c: kind for kind, ids in mapping.drugs.items() for c in ids}
    found = _descendants(ancestor, [mapping.blinatumomab, *drug_ingredients]).to_pandas()
    blina = set(found.loc[found.ancestor_concept_id == mapping.blinatumomab, "descendant_concept_id"].astype(int))
    blina.add(mapping.blinatumomab)
    drug_concepts = {int(d): drug_ingredients[int(a)] for a, d in zip(found.ancestor_concept_id,
                                                                         found.descendant_concept_id)
                     if int(a) in drug_ingredients and int(d) not in blina}
    drug_concepts.update({c: k for c, k in drug_ingredients.items() if c not in blina})
    exposures = t["drug_exposure"]
    cohort = exposures.filter(exposures.drug_concept_id.isin(sorted(blina))).select("person_id").distinct()
    known_drugs = sorted(blina | set(drug_concepts))
    measured = sorted(mapping.measurement_concepts())
    concept_filter = {
        "drug_exposure": ("drug_concept_id", known_drugs),
        "measurement": ("measurement_concept_id", measured),
        "condition_occurrence": ("condition_concept_id", sorted({c for v in mapping.conditions.values() for c in v})),
        "procedure_occurrence": ("procedure_concept_id", sorted({c for v in mapping.procedures.values() for c in v})),
    }
    frames, unmapped = {}, {}
    for name in CDM_COLUMNS:
        if name == "concept_ancestor":
            continue
        table = t[name]
        if table is None:
            frames[name] = pd.DataFrame(columns=list(CDM_COLUMNS[name]))
            continue
        mine = table.semi_join(cohort, "person_id")
        if name in concept_filter:
            column, ids = concept_filter[name]
            frames[name] = mine.filter(mine[column].isin(ids)).to_pandas()
            if name in ("drug_exposure", "measurement"):
                ignored = mapping.ignore_drug if name == "drug_exposure" else mapping.ignore_measurement
                unmapped[name] = _unmapped(mine, name, column, [*ids, *ignored])
        else:
            frames[name] = mine.to_pandas()
    return CdmExtract(source=described, files=files, tables=frames, blinatumomab_concepts=frozenset(blina),
                      drug_concepts=drug_concepts, unmapped=unmapped)


def _unmapped(table, name: str, column: str, known) -> pd.DataFrame:
    """One row per concept of the cohort's records that the mapping does not know (computed in the engine)."""
    other = table.filter(~table[column].isin(list(known)))
    record_id = f"{name}_id"
    source_value = "drug_source_value" if name == "drug_exposure" else "measurement_source_value"
    summary = other.group_by(column).aggregate(n_rows=other.count(), first_row=other[record_id].min())
    first = other.select(record_id, source_value)
    out = summary.join(first, summary.first_row == first[record_id]).select(
        column, "n_rows", "first_row", source_value).to_pandas()
    return out.rename(columns={column: "concept_id", source_value: "source_value"}).sort_values(
        "first_row", kind="stable").reset_index(drop=True)
