"""The concept mapping: which OMOP concepts stand for each study variable (``concepts.toml``).

The shipped file (:data:`DEFAULT_MAPPING`) is commented for a user to copy and edit for
local concepts; :func:`load_mapping` reads either. A mapping the program cannot use
(not TOML, a section missing, an id that is not a whole number) is a user error naming
the file and the key.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from blinrwe.errors import UserError
from blinrwe.model.i18n import _

#: The mapping shipped with blinrwe (a starting point to copy).
DEFAULT_MAPPING = resources.files("blinrwe.intake.omop") / "concepts.toml"

#: Measurement variables read into the study: variable -> where it lands (baseline at T0, assessment).
MEASUREMENTS = ("bm_blast_pct", "anc", "platelets", "height_cm", "weight_kg")
MRD_METHODS = ("flow", "qPCR", "NGS")
CONDITIONS = ("b_all", "relapse", "refractory", "progression")
PROCEDURE_THERAPIES = ("allo_hsct", "car_t")
DRUG_THERAPIES = ("car_t", "inotuzumab", "tki", "chemotherapy")
DEATH_CAUSES = ("leukemia", "infection", "transplant_related", "car_t_crs", "chemotherapy_toxicity", "other", "unknown")


@dataclass(frozen=True)
class Measure:
    """A measurement variable: its concepts and the factor to the study's unit."""

    concepts: tuple[int, ...]
    factor: float


@dataclass(frozen=True)
class OmopMapping:
    """Concept ids of every study variable read from OMOP (see ``concepts.toml``)."""

    source: str
    blinatumomab: int
    rate_units: dict[str, str]
    new_cycle_gap_days: int
    gender: dict[int, str]
    measures: dict[str, Measure]
    mrd: dict[str, tuple[int, ...]]  # method -> concepts
    mrd_factor: float
    conditions: dict[str, tuple[int, ...]]
    procedures: dict[str, tuple[int, ...]]
    drugs: dict[str, tuple[int, ...]]  # therapy type -> RxNorm ingredients
    death_causes: dict[str, tuple[int, ...]]  # cause of death -> cause concepts
    merge_gap_days: int
    ignore_measurement: tuple[int, ...]
    ignore_drug: tuple[int, ...]

    def measurement_concepts(self) -> dict[int, str]:
        """Every mapped measurement concept -> its variable (``mrd`` for the MRD methods)."""
        out = {c: name for name, m in self.measures.items() for c in m.concepts}
        out.update({c: "mrd" for concepts in self.mrd.values() for c in concepts})
        return out

    def mrd_method(self) -> dict[int, str]:
        return {c: method for method, concepts in self.mrd.items() for c in concepts}


def _fail(where: str, key: str, what: str) -> UserError:
    return UserError(_("{file}: '{key}' {problem}; see the comments of the shipped concepts.toml").format(
        file=where, key=key, problem=what))


def _ids(value, where: str, key: str) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise _fail(where, key, _("must be a list of whole concept ids"))
    return tuple(value)


def _section(data: dict, name: str, where: str) -> dict:
    section = data.get(name)
    if not isinstance(section, dict):
        raise _fail(where, name, _("is missing (a [section] of the mapping)"))
    return section


def _number(section: dict, key: str, where: str, default: float | None = None) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(where, key, _("must be a number"))
    return float(value)


def load_mapping(path: str | Path | None = None) -> OmopMapping:
    """The mapping in ``path`` (None: the shipped ``concepts.toml``)."""
    where = str(path) if path is not None else "concepts.toml"
    try:
        text = (Path(path).read_bytes() if path is not None else DEFAULT_MAPPING.read_bytes()).decode("utf-8")
        data = tomllib.loads(text)
    except FileNotFoundError:
        raise UserError(_("{file}: concept mapping not found").format(file=where)) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(_("{file}: not a TOML concept mapping ({error})").format(file=where, error=err)) from None
    blina = _section(data, "blinatumomab", where)
    ingredient = _ids(blina.get("ingredient"), where, "blinatumomab.ingredient")
    if len(ingredient) != 1:
        raise _fail(where, "blinatumomab.ingredient", _("must be one RxNorm ingredient concept id"))
    units = blina.get("rate_units", {})
    if not isinstance(units, dict) or not set(units.values()) <= {"ug/day", "ug/m2/day"}:
        raise _fail(where, "blinatumomab.rate_units", _("must map unit texts to ug/day or ug/m2/day"))
    gender = _section(data, "person", where).get("gender", {})
    try:
        genders = {int(k): v for k, v in gender.items()}
    except (ValueError, AttributeError):
        raise _fail(where, "person.gender", _("must map gender concept ids to M or F")) from None
    measurement = _section(data, "measurement", where)
    measures = {}
    for name in MEASUREMENTS:
        entry = measurement.get(name, {})
        measures[name] = Measure(_ids(entry.get("concepts", []), where, f"measurement.{name}.concepts"),
                                 _number(entry, "factor", where, 1.0))
    mrd = measurement.get("mrd", {})
    conditions = _section(data, "condition", where)
    procedures = _section(data, "procedure", where)
    drugs = _section(data, "drug", where)
    ignore = data.get("ignore", {})
    deaths = data.get("death", {})
    return OmopMapping(
        source=where,
        blinatumomab=ingredient[0],
        rate_units={str(k).strip().casefold(): v for k, v in units.items()},
        new_cycle_gap_days=int(_number(blina, "new_cycle_gap_days", where, 7)),
        gender=genders,
        measures=measures,
        mrd={m: _ids(mrd.get(m, []), where, f"measurement.mrd.{m}") for m in MRD_METHODS},
        mrd_factor=_number(mrd, "factor", where, 0.01),
        conditions={c: _ids(conditions.get(c, []), where, f"condition.{c}") for c in CONDITIONS},
        procedures={p: _ids(procedures.get(p, []), where, f"procedure.{p}") for p in PROCEDURE_THERAPIES},
        drugs={d: _ids(drugs.get(d, []), where, f"drug.{d}") for d in DRUG_THERAPIES},
        death_causes={k: _ids(deaths.get(k, []), where, f"death.{k}") for k in DEATH_CAUSES},
        merge_gap_days=int(_number(data.get("therapy", {}), "merge_gap_days", where, 14)),
        ignore_measurement=_ids(ignore.get("measurement", []), where, "ignore.measurement"),
        ignore_drug=_ids(ignore.get("drug", []), where, "ignore.drug"),
    )
