import pytest

from blinrwe.errors import SpecificationError
from blinrwe.report.context import ReportContext


def test_defaults_and_axis_label():
    ctx = ReportContext(title="T")
    assert ctx.rounding == "half_up"
    assert ctx.time_axis_label == "Months since first blinatumomab infusion"
    assert ReportContext(time_unit="days").time_axis_label == "Days since first blinatumomab infusion"


def test_mappings_are_frozen():
    ctx = ReportContext(group_labels={"a": "A"}, landmarks=[6, 12])
    with pytest.raises(TypeError):
        ctx.group_labels["b"] = "B"
    assert ctx.landmarks == (6.0, 12.0)


@pytest.mark.parametrize("kwargs, message", [
    ({"rounding": "up"}, "report.rounding = 'up'"),
    ({"time_unit": "weeks"}, "report.time_unit = 'weeks'"),
    ({"percent_decimals": -1}, "report.percent_decimals = -1"),
    ({"swimmer_max_patients": 0}, "report.swimmer_max_patients = 0"),
])
def test_invalid_settings_name_the_parameter(kwargs, message):
    with pytest.raises(SpecificationError, match=message.replace("(", r"\(")):
        ReportContext(**kwargs)


def test_context_pickles():
    import pickle

    ctx = ReportContext(group_labels={"a": "A"})
    assert pickle.loads(pickle.dumps(ctx)) == ctx
