"""What a specification can name, listed from the single sources (``blinrwe list ...``).

* presets: :mod:`blinrwe.derive.presets` (one line each, then the definitions the
  preset changes, computed against :class:`~blinrwe.derive.settings.DeriveSettings`);
* endpoints and censoring variants: :func:`blinrwe.derive.endpoints.endpoint_definitions`
  and ``VARIANT_SOURCES``;
* variables and analysis sets: the ADSL and attrition the derivation actually builds
  for each entry form (derived from the bundled example data of that form), with
  meanings from the table declarations (:mod:`blinrwe.model.tables`) and
  :mod:`blinrwe.derive.variables`;
* keys: the specification's declaration (:func:`blinrwe.app.spec_document.spec_keys`).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache

import pandas as pd

from blinrwe.derive import presets as _presets
from blinrwe.derive.endpoints import VARIANT_SOURCES, endpoint_definitions
from blinrwe.derive.settings import ENDPOINTS, DeriveSettings
from blinrwe.derive.variables import derived_meaning
from blinrwe.model.tables import FORMS

from .spec_document import spec_keys
from .spec_toml import allowed_text, default_text, toml_value

__all__ = ["Variable", "variables", "analysis_sets", "preset_changes", "listing"]


@dataclass(frozen=True)
class Variable:
    """One ADSL column: its kind and meaning, and where a specification may use it."""

    name: str
    kind: str  # "category", "yes/no", "number", "date", "text"
    meaning: str

    @property
    def groups(self) -> bool:
        """Usable as a subgroup, Table 1 column split or forest-plot variable."""
        return self.kind in ("category", "yes/no")

    @property
    def uses(self) -> str:
        if self.kind == "date":
            return "-"
        return "subgroup, table1, cox" if self.groups else ("table1, cox" if self.kind == "number" else "table1")


def _kind(series: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    if pd.api.types.is_bool_dtype(series):
        return "yes/no"
    if pd.api.types.is_numeric_dtype(series):
        return "number"
    return "category"


@lru_cache(maxsize=2)
def _derived(form: str):
    from blinrwe import examples
    from blinrwe.derive import derive_analysis_data

    study = examples.seed003_summary() if form == "summary" else examples.synthetic_cohort(40, 1)
    return derive_analysis_data(study)


def variables(form: str = "study") -> tuple[Variable, ...]:
    """The ADSL columns of ``form`` (patient id left out) with kind and meaning."""
    adsl = _derived(form).adsl
    declared = {c.name: c.description for t in FORMS[form] if t.one_row_per_patient for c in t.columns}
    out = []
    for name in adsl.columns:
        if name == "patient_id":
            continue
        meaning = derived_meaning(name) or declared.get(name, "")
        kind = "text" if name in ("prior_therapy", "therapy_path") else _kind(adsl[name])
        out.append(Variable(name, kind, meaning))
    return tuple(out)


def analysis_sets(form: str = "study") -> tuple[tuple[str, str], ...]:
    """(analysis set, who it leaves out) of ``form``, from the derivation's own rules.

    The sets' conditions are read by deriving the attrition of one treated patient who fails
    every later condition; endpoint sets add their endpoint's "no origin" reason; sets the
    form cannot determine say why.
    """
    from blinrwe.derive.attrition import derive_attrition

    flags = ("post_baseline_assessment", "mrd_denominator_available", "mrd_denominator_responders",
             "mrd_denominator_positive_at_t0")
    one = pd.DataFrame({"patient_id": ["p"], "treated": [True], **{f: [False] for f in flags}})
    attrition = derive_attrition(one, None, ())
    untreated = "no blinatumomab infusion recorded"
    unavailable = _derived(form).unavailable
    out = []
    for name, reason in zip(attrition["analysis_set"], attrition["reason"]):
        if name in unavailable:
            out.append((name, f"cannot be determined on the {form} form: {unavailable[name]}"))
        else:
            out.append((name, untreated + (f"; {reason}" if reason is not None else "")))
    if form == "study":
        for name, endpoint in endpoint_definitions(DeriveSettings()).items():
            out.append((name, f"{untreated}; {endpoint.no_origin_reason}"))
    return tuple(out)


def preset_changes(name: str) -> tuple[str, ...]:
    """``definition = value`` lines where preset ``name`` differs from the defaults."""
    base, preset = DeriveSettings(), _presets.preset(name)
    out = []
    for f in fields(DeriveSettings):
        value = getattr(preset, f.name)
        if f.name != "preset" and value != getattr(base, f.name):
            out.append(f"{f.name} = {_show(value)}")
    return tuple(out)


def _show(value) -> str:
    try:
        return toml_value(value)
    except TypeError:
        return str(value)


def _presets_text(form: str) -> list[str]:
    lines = ['Presets (endpoints.preset = "..."): a published study\'s definitions; [definitions] changes one.']
    for name, text in _presets.PRESET_DESCRIPTIONS.items():
        lines += ["", f'"{name}"  {text}', *(f"    {c}" for c in preset_changes(name))]
    return lines


def _endpoints_text(form: str) -> list[str]:
    definitions = endpoint_definitions(DeriveSettings())
    lines = ["Endpoints (endpoints.names, cox.endpoints), default definitions:", ""]
    lines += [f"{name:5} {definitions[name].definition}" for name in ENDPOINTS]
    lines += ["", "Censoring variants (endpoints.variants):", ""]
    for name, sources in VARIANT_SOURCES.items():
        what = " or ".join(s.name for s in sources)
        lines.append(f"{name:20} " + (f"also censored at the first {what}" if sources else "no extra censoring"))
    if form == "summary":
        lines += ["", "The patient summary form has no dates: no endpoint can be estimated from it."]
    return lines


def _variables_text(form: str) -> list[str]:
    rows = variables(form)
    width = max(len(v.name) for v in rows)
    lines = [f"Variables of the derived patient table, {form} form (subgroups.variables, subgroups.table1_by, "
             "subgroups.table1_variables, cox.covariates, cox.subgroups):", "",
             f"{'name':{width}}  {'kind':8}  {'use as':21}  meaning"]
    lines += [f"{v.name:{width}}  {v.kind:8}  {v.uses:21}  {v.meaning}" for v in rows]
    return lines


def _sets_text(form: str) -> list[str]:
    lines = [f"Analysis sets, {form} form (endpoints.analysis_set), and who each one leaves out:", ""]
    lines += [f'"{name}": {why}' for name, why in analysis_sets(form)]
    return lines


def _keys_text(form: str) -> list[str]:
    lines = ["Keys of the study specification (docs/spec.md has the same list):"]
    for key in spec_keys():
        lines += ["", f"{key.path}  ({allowed_text(key)}; default {default_text(key)})", f"    {key.help}"]
    return lines


_LISTS = {"presets": _presets_text, "endpoints": _endpoints_text, "variables": _variables_text,
          "analysis-sets": _sets_text, "keys": _keys_text}


def listing(what: str, form: str = "study") -> str:
    """The text ``blinrwe list <what>`` prints."""
    return "\n".join(_LISTS[what](form)) + "\n"
