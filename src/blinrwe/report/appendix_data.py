"""The appendices on the data: the analyses these data could not support, and the data-quality findings.

One sentence per analysis not available, with the reason (:func:`unavailable_paragraphs`);
the findings of validation with no patient id in their messages unless the study asks
for ids (:func:`_without_patient_ids`), as
:func:`blinrwe.report.document.plan_document` puts them in its appendices.
"""

from __future__ import annotations

import pandas as pd

from blinrwe.model.i18n import _

from .analysis_text import analysis_text
from .disclosure import withhold_patient_ids
from .labels import level_label
from .labels_codes import LEVEL_LABELS
from .labels_variables import VARIABLE_LABELS


def unavailable_paragraphs(unavailable: pd.DataFrame) -> list[str]:
    """One sentence per analysis that could not be run with these data, and why
    ("Cox regression: not available; the study uses the patient summary form ...")."""
    out = []
    for r in unavailable.to_dict("records"):
        what = str(r.get("analysis", "") or r.get("section", ""))
        if what in LEVEL_LABELS or what in VARIABLE_LABELS:
            label = level_label(what)
        else:
            label = analysis_text(what)
            label = label[:1].upper() + label[1:]
        out.append(_("{analysis}: not available; {reason}.").format(analysis=label, reason=analysis_text(str(r.get("reason", "")))))
    return list(dict.fromkeys(out))


def _without_patient_ids(records: list, data) -> list[dict]:
    """Findings whose messages name no patient id (the ids of the cohort and of the findings)."""
    fields = ("severity", "table", "sheet", "row", "column", "message", "patient_id")
    rows = [r if isinstance(r, dict) else {k: getattr(r, k, None) for k in fields} for r in records]
    adsl = getattr(data, "adsl", None)
    ids = list(adsl["patient_id"]) if isinstance(adsl, pd.DataFrame) and "patient_id" in adsl else []
    ids += [r.get("patient_id") for r in rows]
    messages = withhold_patient_ids([r.get("message") or "" for r in rows], ids)
    return [{**r, "message": m} for r, m in zip(rows, messages)]
