"""What the OMOP reader reports (ReadNotes; codes in ``blinrwe.validate.CODES``).

Each note names the CDM table (``sheet``) and file, the record (``row``: the table's
record id, e.g. ``drug_exposure_id``; ``person_id`` for person), the column and the
value, and says how to fix it.

* ``OMOP_CONCEPT_UNMAPPED``: a measurement or drug concept of a cohort patient that the
  mapping does not know (one note per concept, with how many records carry it); its
  records are not read.
* ``OMOP_NO_OBSERVATION_PERIOD``: a cohort patient without an observation period (the end of
  follow-up, read as last contact, is unknown).
* ``OMOP_EXPOSURE_DUPLICATE``: a second blinatumomab exposure of the same person, concept and
  start date (the first, lowest id, is kept).
"""

from __future__ import annotations

import pandas as pd

from blinrwe.model.i18n import _

from ..raw import ReadNote

def unmapped_notes(summary: pd.DataFrame, table: str, file: str, mapping_file: str) -> list[ReadNote]:
    """One note per unmapped concept of ``table`` (``measurement`` or ``drug_exposure``)."""
    column = "measurement_concept_id" if table == "measurement" else "drug_concept_id"
    section = "measurement" if table == "measurement" else "drug"
    notes = []
    for concept, n_rows, first, source_value in summary.itertuples(index=False):
        shown = "" if source_value is None or pd.isna(source_value) else str(source_value)
        message = (_("concept {concept} (source value '{source_value}') is not in the concept mapping; its {count} "
                     "record(s) are not read") if shown else
                   _("concept {concept} is not in the concept mapping; its {count} record(s) are not read"))
        hint = (_("map concept 0 (no standard concept) in your ETL, or add the source concept to a list of {mapping}")
                if int(concept) == 0 else
                _("add {concept} to the matching list of a copy of {mapping} (or to [ignore] {section} when it is not "
                  "part of the study) and read again with that mapping"))
        notes.append(ReadNote(
            "OMOP_CONCEPT_UNMAPPED",
            message.format(concept=int(concept), source_value=shown, count=int(n_rows)),
            hint.format(concept=int(concept), mapping=mapping_file, section=section),
            file=file, sheet=table, row=int(first), column=column, value=int(concept)))
    return notes


def no_observation_period_note(person_id: int, patient_id: str, file: str) -> ReadNote:
    return ReadNote(
        "OMOP_NO_OBSERVATION_PERIOD",
        _("patient {patient} (person_id {person}) has no observation period: the end of follow-up (last contact) is "
          "unknown").format(patient=patient_id, person=person_id),
        _("add the patient's observation_period row (observation_period_start_date, observation_period_end_date) to "
          "the CDM"),
        file=file, sheet="person", row=int(person_id), column="person_id", value=int(person_id))


def duplicate_exposure_note(record_id: int, kept_id: int, person_id: int, concept: int, start, file: str) -> ReadNote:
    return ReadNote(
        "OMOP_EXPOSURE_DUPLICATE",
        _("drug exposure {record} repeats exposure {kept} (person_id {person}, concept {concept}, same start date); "
          "only {kept} is read").format(record=record_id, kept=kept_id, person=person_id, concept=concept),
        _("delete the duplicate drug_exposure row (or give it its true start date)"),
        file=file, sheet="drug_exposure", row=int(record_id), column="drug_exposure_start_date",
        value=pd.Timestamp(start))
