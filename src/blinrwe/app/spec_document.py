"""The study specification as a whole: :class:`StudySpec`, one of each section, and its keys.

:class:`StudySpec` holds the sections declared in :mod:`blinrwe.app.spec_model`, the
changed ``[definitions]`` and the display labels; :func:`spec_keys` lists every key
of the specification in file order (the sections' and the ``[definitions]`` keys) for
validation, the commented writer, the reference and a form;
:func:`with_form_defaults` gives the defaults of the patient summary form.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from blinrwe.derive import settings as _derive_settings

from .spec_keys import DEFINITION_HELP, KeyInfo, SpecKey, default_of, kind_of
from .spec_model import (SECTION_ORDER, SECTIONS, SET_ELSEWHERE, CostSpec, CoxSpec, DataSpec, EndpointSpec,
                         PostBaselineSpec, ReportSpec, ResponseSpec, SafetySpec, StudyInfo, SubgroupSpec, SurvivalSpec)

#: in ``report.output``: the specification file's name (see ``StudySpec.output_path``)
STUDY_NAME = "{study}"
_DEFINITION_ALLOWED = {"bsa_formula": _derive_settings.BSA_FORMULAS,
                       "primary_response_window": _derive_settings.RESPONSE_WINDOWS,
                       "responder_definition": _derive_settings.COMPOSITES}


@dataclass(frozen=True)
class StudySpec:
    """The whole study specification (immutable; change with :func:`dataclasses.replace`).

    ``definitions`` holds changed derivation settings (names of
    :class:`blinrwe.derive.settings.DeriveSettings` fields) as ``(name, value)`` pairs.
    ``group_labels`` / ``variable_labels`` (sections ``[group_labels]``,
    ``[variable_labels]``) are display labels as ``(code, label)`` pairs, e.g.
    ``newly_diagnosed = "Newly diagnosed"``, ``age_at_t0 = "Age, years"``.
    ``given`` names the keys (``section.key``) the file set, so a default that does not
    fit the data can be reported as a warning, a value the user chose as an error.
    """

    study: StudyInfo = field(default_factory=StudyInfo)
    data: DataSpec = field(default_factory=DataSpec)
    endpoints: EndpointSpec = field(default_factory=EndpointSpec)
    definitions: tuple[tuple[str, Any], ...] = ()
    subgroups: SubgroupSpec = field(default_factory=SubgroupSpec)
    survival: SurvivalSpec = field(default_factory=SurvivalSpec)
    postbaseline: PostBaselineSpec = field(default_factory=PostBaselineSpec)
    response: ResponseSpec = field(default_factory=ResponseSpec)
    cox: CoxSpec = field(default_factory=CoxSpec)
    safety: SafetySpec = field(default_factory=SafetySpec)
    cost: CostSpec = field(default_factory=CostSpec)
    report: ReportSpec = field(default_factory=ReportSpec)
    group_labels: tuple[tuple[str, str], ...] = ()
    variable_labels: tuple[tuple[str, str], ...] = ()
    source: str = ""  # the file the specification was read from ("" when built in code)
    given: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def is_synthetic(self) -> bool:
        """True when the data are the generated synthetic cohort (reports must say so)."""
        return self.data.example == "synthetic"

    @property
    def base_dir(self) -> Path:
        """Folder that relative paths in the specification are resolved against."""
        return Path(self.source).resolve().parent if self.source else Path.cwd()

    def data_path(self) -> Path | None:
        """Absolute path of the data (None for a bundled example)."""
        if not self.data.path:
            return None
        path = Path(self.data.path).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def omop_mapping_path(self) -> Path | None:
        """Absolute path of the OMOP concept mapping (None: the shipped ``concepts.toml``)."""
        if not self.data.omop_mapping:
            return None
        path = Path(self.data.omop_mapping).expanduser()
        return path if path.is_absolute() else self.base_dir / path

    def output_path(self) -> Path:
        """Absolute path of the output folder; ``{study}`` in it is the specification file's name
        without ``.toml`` (``study`` when built in code), so that two studies, or a study and the
        demo (``blinrwe-output/example``), never share the default folder."""
        study = Path(self.source).stem if self.source else "study"
        path = Path(self.report.output.replace(STUDY_NAME, study)).expanduser()
        return path if path.is_absolute() else self.base_dir / path


def section_keys(section: str) -> tuple[SpecKey, ...]:
    """The declared keys of one section, in field order."""
    return tuple(_key(section, f) for f in fields(SECTIONS[section]))


def _key(section: str, f) -> SpecKey:
    info = f.metadata.get("key", KeyInfo(help=""))  # a key added without option(...): no help (a test fails)
    return SpecKey(**vars(info), section=section, name=f.name, kind=kind_of(f.type), default=default_of(f))


def definition_keys() -> tuple[SpecKey, ...]:
    """The ``[definitions]`` keys: plain fields of DeriveSettings (defaults before any preset)."""
    out = []
    for f in fields(_derive_settings.DeriveSettings):
        kind = kind_of(f.type)
        if f.name in SET_ELSEWHERE or kind == "other":
            continue
        out.append(SpecKey(help=DEFINITION_HELP.get(f.name, ""), section="definitions", name=f.name, kind=kind,
                           default=default_of(f), allowed=_DEFINITION_ALLOWED.get(f.name, ()), optional=True,
                           advanced=True))
    return tuple(out)


def spec_keys() -> tuple[SpecKey, ...]:
    """Every key of the specification, in file order (sections, then [definitions] after [endpoints])."""
    out = []
    for name in SECTION_ORDER:
        if name == "definitions":
            out.extend(definition_keys())
        elif name in SECTIONS:
            out.extend(section_keys(name))
    return tuple(out)


def with_form_defaults(spec: StudySpec, form: str) -> StudySpec:
    """``spec`` with the keys whose default differs on ``form`` set to that default."""
    if form != "summary":
        return spec
    changes = {}
    for name in SECTIONS:
        fields_ = {k.name: k.default_for(form) for k in section_keys(name) if k.default_for(form) != k.default}
        if fields_:
            changes[name] = replace(getattr(spec, name), **fields_)
    return replace(spec, **changes)
