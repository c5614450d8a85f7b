"""Checking the variables a specification names against the derived patient table (ADSL).

Grouping variables, Table 1 rows and Cox covariates name ADSL columns, which
depend on the entry form (the patient summary form has fewer) and on what was
entered. A variable that cannot be used is never dropped silently:

* not a column of this study's ADSL: a specification error when the user named it
  (the key is in :attr:`StudySpec.given`), else (a default that does not fit this
  form) a warning ``SPEC_VARIABLE_UNAVAILABLE`` and the variable is left out;
* a column without any value in the data: a warning, and it is left out of the
  groupings and models (Table 1 still shows it as missing).

Warnings join the validation findings, so they are in ``validation.txt`` and the
report's data-quality appendix; the specification written to
``study.resolved.toml`` is the one actually run.
"""

from __future__ import annotations

from dataclasses import replace

from blinrwe.errors import SpecificationError
from blinrwe.validate.findings import ValidationReport, finding

from .spec_document import StudySpec

__all__ = ["fit_to_data"]

# (section, key) naming ADSL columns; table1_by is one name, the others lists.
_VARIABLE_KEYS = (("subgroups", "variables"), ("subgroups", "table1_by"), ("subgroups", "table1_variables"),
                  ("cox", "covariates"), ("cox", "subgroups"), ("cox", "strata"), ("cox", "competing_covariates"),
                  ("survival", "strata"), ("survival", "trend"))


def _names(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def fit_to_data(spec: StudySpec, analysis_data, validation: ValidationReport | None):
    """``(spec, validation)`` with unusable default variables left out and each reported.

    Raises :class:`SpecificationError` listing every variable the user named that the
    derived patient table does not have, with the variables it has.
    """
    adsl = analysis_data.adsl
    form = getattr(analysis_data, "form", "study")
    errors, warnings, changes = [], [], {}
    for section, key in _VARIABLE_KEYS:
        path = f"{section}.{key}"
        value = getattr(changes.get(section, getattr(spec, section)), key)
        names = _names(value)
        keep = []
        for name in names:
            if not name:
                continue
            if name not in adsl.columns:
                if path in spec.given:
                    errors.append(f'{path} names "{name}", which this study\'s derived patient table '
                                  f"({form} form) does not have")
                else:
                    warnings.append(_warning(spec, path, name, f"the default variable {name!r} does not exist on the "
                                             f"{form} form; it is left out"))
                continue
            if adsl[name].isna().all() and len(adsl) and key != "table1_variables":
                warnings.append(_warning(spec, path, name, f"variable {name!r} has no value in the data; it is "
                                         "left out of this grouping"))
                continue
            keep.append(name)
        if tuple(keep) != tuple(n for n in names if n):
            new = (keep[0] if keep else "") if key == "table1_by" else tuple(keep)
            changes[section] = replace(changes.get(section, getattr(spec, section)), **{key: new})
    if errors:
        usable = ", ".join(c for c in adsl.columns if c != "patient_id")
        raise SpecificationError(
            "\n  - ".join([f"the study specification{' ' + spec.source if spec.source else ''} names variables "
                           "this study does not have:", *errors])
            + f"\nVariables of this study ({form} form): {usable}. `blinrwe list variables --form {form}` says what "
            "each one means."
        )
    if not warnings:
        return spec, validation
    report = validation or ValidationReport(source=spec.source or "study specification", form=form)
    return replace(spec, **changes), replace(report, findings=(*report.findings, *warnings))


def _warning(spec: StudySpec, path: str, name: str, message: str):
    return finding("SPEC_VARIABLE_UNAVAILABLE", f"{path}: {message}",
                   f"name variables of this study in {path} (`blinrwe list variables`), or add the data",
                   file=spec.source or None, value=name)
