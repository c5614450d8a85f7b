"""The declared tables and the capability list."""

from blinrwe.model import ALL_TABLES, ANALYSES, ANALYSES_NEEDING_DATES, FORMS, REQUIRED_TABLES, SUMMARY_ANALYSES


def test_forms_and_required_tables():
    assert [t.name for t in FORMS["study"]] == ["patients", "infusions", "assessments", "events", "therapies",
                                                "adverse_events"]
    assert [t.name for t in FORMS["summary"]] == ["patient_summary"]
    for form, names in REQUIRED_TABLES.items():
        assert set(names) <= {t.name for t in FORMS[form]}


def test_child_tables_reference_patients_and_keys_are_columns():
    for table in ALL_TABLES.values():
        assert table.column_names[0] == "patient_id"
        assert set(table.key) <= set(table.column_names)
        if not table.one_row_per_patient:
            assert table.patient_id_reference == "patients.patient_id"


def test_time_analyses_need_dates_and_summary_supports_counts():
    assert {"overall_survival", "event_free_survival", "progression_free_survival", "exposure",
            "adverse_events"} <= set(ANALYSES_NEEDING_DATES)
    assert {"baseline", "response", "mrd"} <= set(SUMMARY_ANALYSES)
    assert set(ANALYSES_NEEDING_DATES).isdisjoint(SUMMARY_ANALYSES)
    for analysis in ANALYSES:
        assert set(analysis.tables) <= set(ALL_TABLES)


def test_column_names_are_unique():
    for table in ALL_TABLES.values():
        assert len(set(table.column_names)) == len(table.column_names)
