"""The statistical-methods paragraph, written from what was actually done.

Sources, in order: the ``methods`` records of StudyResults (topic, text: estimators,
CI transforms, tests, software versions, written by the analysis layer as it runs),
then every distinct ``method`` of the ARD rows by section (so a method used but not
described is still named), then the report's own conventions (time origin and unit,
rounding, NR/NE/NA) and the versions of the libraries that drew the report.
"""

from __future__ import annotations

import re
from importlib import metadata

import pandas as pd

from .context import ReportContext
from .labels import VARIABLE_LABELS, method_text, variable_label

_SECTION_NAMES = {
    "baseline": "Baseline characteristics",
    "exposure": "Exposure",
    "response": "Response",
    "survival": "Time-to-event outcomes",
    "followup": "Follow-up",
    "cox": "Regression",
    "competing_risks": "Competing risks",
    "safety": "Safety",
    "patterns": "Treatment patterns",
}
_RENDERING_PACKAGES = ("matplotlib", "jinja2", "python-docx", "openpyxl")


def _records(methods) -> list[tuple[str, str]]:
    if methods is None:
        return []
    if isinstance(methods, pd.DataFrame):
        return [(str(t), str(x)) for t, x in zip(methods.get("topic", []), methods.get("text", [])) if str(x).strip()]
    out = []
    for m in methods:
        if isinstance(m, dict):
            topic, text = m.get("topic", ""), m.get("text", "")
        elif hasattr(m, "text"):
            topic, text = getattr(m, "topic", ""), m.text
        else:
            topic, text = m
        if text:
            out.append((str(topic), str(text)))
    return out


_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def _readable(text: str) -> str:
    """Variable codes the analysis layer names in its sentences ("rr_type") as the labels
    the tables use ("relapsed/refractory type"), grading codes ("CTCAE_v5") as printed
    ("CTCAE v5.0"); other words untouched."""
    def label(match):
        code = match.group(0)
        if code not in VARIABLE_LABELS:
            return code
        text = variable_label(code)
        return text if text[:2].isupper() else text[:1].lower() + text[1:]
    return _CODE.sub(label, method_text(text))


def _sentence(text: str) -> str:
    text = _readable(text.strip())
    return text if text.endswith((".", "!", "?")) else text + "."


def ard_methods(ard: pd.DataFrame) -> list[tuple[str, str]]:
    """(section, "method; method") for every section of the ARD, in ARD order."""
    if ard is None or ard.empty:
        return []
    out = []
    for section in dict.fromkeys(ard["section"]):
        methods = [m for m in dict.fromkeys(ard.loc[ard["section"] == section, "method"]) if isinstance(m, str) and m.strip()]
        methods = [m for m in methods if m != "sample statistic"]
        if methods:
            out.append((section, "; ".join(methods)))
    return out


def rendering_versions() -> str:
    versions = []
    for package in _RENDERING_PACKAGES:
        try:
            versions.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(versions)


def methods_paragraphs(results, context: ReportContext) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs of the methods section."""
    paragraphs = []
    described = _records(getattr(results, "methods", None))
    if described:
        paragraphs.append(("Statistical analysis", " ".join(_sentence(text) for _, text in described)))
    by_section = ard_methods(getattr(results, "ard", None))
    if by_section:
        text = " ".join(_sentence(f"{_SECTION_NAMES.get(s, s.replace('_', ' ').capitalize())}: {m}") for s, m in by_section)
        paragraphs.append(("Methods recorded with each result", text))
    rounding = {"half_up": "rounded half up", "half_even": "rounded half to even", "truncate": "truncated"}[context.rounding]
    conventions = (
        f"Times are in {context.time_unit} from the {context.time_origin}"
        + (" (1 month = 30.4375 days)" if context.time_unit == "months" else "")
        + f". Percentages are shown with {context.percent_decimals} decimal(s) and continuous values with "
        f"{context.continuous_decimals}, {rounding}; p values below {10 ** -context.p_decimals:g} are shown as "
        f"<{10 ** -context.p_decimals:g}. NR denotes a median not reached, NE a value or confidence bound that cannot be "
        f"estimated (including landmark rates beyond the available follow-up) and NA not applicable."
    )
    versions = rendering_versions()
    if versions:
        conventions += f" Tables and figures were produced with blinrwe ({versions})."
    paragraphs.append(("Reporting conventions", conventions))
    return paragraphs


def methods_text(results, context: ReportContext) -> str:
    """The methods section as plain text, paragraphs separated by blank lines."""
    return "\n\n".join(text for _, text in methods_paragraphs(results, context))
