"""The study specification: one TOML file that says what to analyse and how.

A specification names the data (an xlsx workbook, a folder of CSV files, or a
bundled example), the data cut-off, the analysis sets, the endpoints and their
censoring variants, the grouping variables, landmark times, the time unit, the
adverse-event window, rounding and the outputs. Every key has a default; the
resolved specification (defaults filled in, paths made absolute) is written
into the output folder as ``study.resolved.toml`` so a run can be repeated
exactly (design practice 14). Relative paths are read from the folder of the
specification file.

Each key is declared once, with its help, allowed values and default
(:mod:`blinrwe.app.spec_keys`, :mod:`blinrwe.app.spec_model`); that
declaration drives reading and checking (:mod:`blinrwe.app.spec_check`), the
commented file ``blinrwe spec`` writes (:mod:`blinrwe.app.spec_toml`) and the
reference ``docs/spec.md`` (:mod:`blinrwe.app.spec_doc`). This module gathers
the public names.

Example::

    [data]
    path = "my_study.xlsx"        # or a CSV folder; or example = "synthetic"
    cutoff = 2024-04-30
    partial_dates = "mid"         # 2021-03 -> 2021-03-15 ("first": 03-01, "last": 03-31), flagged

    [endpoints]
    preset = "001"
    names = ["OS", "EFS", "RFS"]
    variants = ["none", "allo_hsct_or_car_t"]

    [subgroups]
    variables = ["disease_setting", "ph_status"]
"""

from __future__ import annotations

from dataclasses import replace

from .spec_check import load_spec, spec_from_dict
from .spec_keys import SpecKey
from .spec_document import StudySpec, spec_keys, with_form_defaults
from .spec_model import (AE_WINDOWS, CI_TRANSFORMS, ENDPOINTS, EXAMPLES, FIGURE_FORMATS, FOLLOWUP_METHODS, FORMATS,
                         GRADINGS, ROUNDING, TIME_UNITS, VARIANTS, CoxSpec, DataSpec, EndpointSpec, ReportSpec,
                         ResponseSpec, SafetySpec, StudyInfo, SubgroupSpec, SurvivalSpec)
from .spec_toml import commented_toml, dumps_toml, spec_to_dict, write_spec

__all__ = [
    "StudySpec",
    "DataSpec",
    "StudyInfo",
    "EndpointSpec",
    "SubgroupSpec",
    "SurvivalSpec",
    "ResponseSpec",
    "CoxSpec",
    "SafetySpec",
    "ReportSpec",
    "SpecKey",
    "spec_keys",
    "load_spec",
    "spec_from_dict",
    "spec_to_dict",
    "dumps_toml",
    "commented_toml",
    "with_form_defaults",
    "resolved",
    "write_spec",
    "EXAMPLES",
    "ENDPOINTS",
    "VARIANTS",
    "TIME_UNITS",
    "AE_WINDOWS",
    "GRADINGS",
    "ROUNDING",
    "FORMATS",
    "FIGURE_FORMATS",
    "CI_TRANSFORMS",
    "FOLLOWUP_METHODS",
]


def resolved(spec: StudySpec) -> StudySpec:
    """A copy with data and output paths made absolute and implicit defaults written out, to run from anywhere."""
    data_path = spec.data_path()
    data = replace(spec.data, path=str(data_path)) if data_path is not None else spec.data
    report = replace(spec.report, output=str(spec.output_path()))
    cox = spec.cox if spec.cox.subgroups is not None else replace(spec.cox, subgroups=spec.subgroups.variables)
    return replace(spec, data=data, report=report, cox=cox)
