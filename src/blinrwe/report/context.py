"""What the report needs to know besides the results: :class:`ReportContext`.

The app builds one from the study specification (TOML) and passes it to
:func:`blinrwe.report.render_report`. Every field has a default so a context can
be built from a title alone.

Fields and their spec meaning
-----------------------------
title               study title, first heading of every output
subtitle            second line (centre, period, data cut-off ...)
percent_decimals    decimals of percentages in "n (%)" and rates (seeds: 1)
continuous_decimals decimals of medians, means, SDs, survival times
hr_decimals         decimals of hazard ratios
p_decimals          decimals of p-values; smaller than 10**-p_decimals prints "<0.001"
rounding            "half_up" (default), "half_even" or "truncate" (domain-spec section 5); "truncate"
                    applies to estimates only, bounds and p values are rounded half up
ci_level            confidence level in percent as printed (95)
ci_separator        between CI bounds: "-" ("9.4-NE") or ", " (seed 001 style)
time_unit           "months" or "days": the unit of ``time`` in the ARD and curves
time_origin         what time 0 is, for axis labels ("first blinatumomab infusion")
landmarks           landmark times (in ``time_unit``) whose rates go in the tables
show_se             print landmark rates with their Greenwood SE in the same cell, "64.2 ± 12.1 (95% CI ...)" (seed 000)
ci_bands            draw pointwise CI bands on Kaplan-Meier / incidence curves
group_labels        display labels of group levels and codes ({"newly_diagnosed": "Newly diagnosed"})
variable_labels     display labels of variables ({"age_at_t0": "Age at first infusion, years"})
swimmer_max_patients  lanes drawn in the swimmer plot (first N by patient id; a note says so)
figure_dpi          resolution of PNG figures
show_patient_ids    label swimmer lanes and listings by patient id (default False: lanes numbered 1..N)
min_cell            small-cell suppression: counts 1..min_cell-1 print "<min_cell" (0 or 1: off; disclosure.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

from blinrwe.errors import SpecificationError

from .formatting import ROUNDING_MODES

TIME_UNITS = ("months", "days")


class _FrozenDict(dict):
    """A read-only dict (unlike MappingProxyType it pickles, so contexts cross process boundaries)."""

    def _read_only(self, *args, **kwargs):
        raise TypeError("ReportContext mappings are read-only; build a new context with dataclasses.replace")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]

    def __hash__(self):
        return hash(tuple(sorted(self.items())))

    def __reduce__(self):
        return (_FrozenDict, (dict(self),))


@dataclass(frozen=True)
class ReportContext:
    """Study-level settings of the report (see the module docstring for each field)."""

    title: str = "Blinatumomab real-world study"
    subtitle: str = ""
    percent_decimals: int = 1
    continuous_decimals: int = 1
    hr_decimals: int = 2
    p_decimals: int = 3
    rounding: str = "half_up"
    ci_level: int = 95
    ci_separator: str = "-"
    time_unit: str = "months"
    time_origin: str = "first blinatumomab infusion"
    landmarks: tuple[float, ...] = (12.0,)
    show_se: bool = False
    ci_bands: bool = True
    group_labels: Mapping[str, str] = field(default_factory=dict)
    variable_labels: Mapping[str, str] = field(default_factory=dict)
    swimmer_max_patients: int = 60
    figure_dpi: int = 200
    show_patient_ids: bool = False
    min_cell: int = 0

    def __post_init__(self):
        if self.rounding not in ROUNDING_MODES:
            raise SpecificationError(
                f"report.rounding = {self.rounding!r} is not supported; use one of {', '.join(ROUNDING_MODES)}"
            )
        if self.time_unit not in TIME_UNITS:
            raise SpecificationError(
                f"report.time_unit = {self.time_unit!r} is not supported; use one of {', '.join(TIME_UNITS)}"
            )
        for name in ("percent_decimals", "continuous_decimals", "hr_decimals", "p_decimals"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 0 <= value <= 6:
                raise SpecificationError(f"report.{name} = {value!r} must be a whole number from 0 to 6")
        if self.swimmer_max_patients < 1:
            raise SpecificationError(
                f"report.swimmer_max_patients = {self.swimmer_max_patients} must be at least 1"
            )
        if not isinstance(self.min_cell, int) or isinstance(self.min_cell, bool) or self.min_cell < 0:
            raise SpecificationError(f"report.min_cell = {self.min_cell!r} must be a whole number, 0 (off) or more")
        # Freeze the mappings and landmarks so the context is hashable-in-spirit and immutable.
        object.__setattr__(self, "group_labels", _FrozenDict(self.group_labels))
        object.__setattr__(self, "variable_labels", _FrozenDict(self.variable_labels))
        object.__setattr__(self, "landmarks", tuple(float(t) for t in self.landmarks))

    @property
    def time_axis_label(self) -> str:
        """x-axis label of every time-to-event figure, with its unit."""
        from .caveats import axis_label  # the one wording of the axis, in the report's language

        return axis_label(self.time_unit, self.time_origin)
