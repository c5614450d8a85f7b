"""Nothing printed twice: identical row blocks once, tables whose numbers are printed earlier left out."""


def test_identical_row_blocks_print_once_naming_each():
    from blinrwe.report.repeats import merge_repeated_blocks
    from blinrwe.report.table_model import DisplayTable, Row

    block = lambda heading, rate: [Row(heading, ("", ""), 0, True, (heading,)),  # noqa: E731
                                   Row("CR/CRi", (rate, "55.9-69.7"), 1, False, (heading, "cr"))]
    rows = block("Within 2 cycles", "126/200 (63.0%)") + block("Within 12 weeks", "126/200 (63.0%)") + \
        block("At any time after blinatumomab", "126/200 (63.0%)") + block("Other window", "120/200 (60.0%)")
    table = merge_repeated_blocks(DisplayTable("response", "Response", ("n/N (%)", "95% CI"), tuple(rows)))
    assert [r.label for r in table.rows] == ["Within 2 cycles, within 12 weeks and at any time after blinatumomab", "CR/CRi",
                                             "Other window", "CR/CRi"]
    different = DisplayTable("response", "Response", ("n/N (%)", "95% CI"), tuple(rows[:2] + rows[-2:]))
    assert merge_repeated_blocks(different) is different


def _demo_like(**changes):
    from blinrwe.analysis import AnalysisSettings, analyse_study
    from blinrwe.derive import DeriveSettings, derive_analysis_data
    from blinrwe.examples.synthetic import synthetic_cohort

    data = derive_analysis_data(synthetic_cohort(200, seed=1), DeriveSettings(censoring_variants=("none", "allo_hsct_or_car_t")))
    settings = AnalysisSettings(endpoints=("OS", "EFS"), variants=("none", "allo_hsct_or_car_t"),
                                subgroups=("disease_setting", "ph_status"), cox_endpoints=("OS",),
                                cox_covariates=("age_at_t0", "disease_setting", "ph_status"), **changes)
    return analyse_study(data, settings)


def test_tables_whose_numbers_are_printed_earlier_are_left_out(context):
    from blinrwe.report.document import plan_document
    from blinrwe.report.repeats import _printed_facts
    from blinrwe.report.tables_survival import censoring_variants_table, subgroup_table

    results = _demo_like(cox_subgroups=("disease_setting", "ph_status"))
    doc = plan_document(results, context)
    ids = [t.table_id for t in doc.tables]
    # the subgroup hazard ratios are the univariable Cox ones (their events are in the survival
    # tables, and the forest plot shows them all): printed once
    assert "cox_OS" in ids and "cox_subgroups_OS" not in ids
    assert subgroup_table(results.ard, context, "OS").rows  # there was such a table to leave out
    assert any(f.builder.__name__ == "forest_plot" for f in doc.figure_jobs)
    # the side-by-side censoring variants repeat the survival table, which lists every variant
    assert "censoring_variants" not in ids and not censoring_variants_table(results.ard, context).is_empty
    # and no table left is a copy of another
    for i, a in enumerate(doc.tables):
        for b in doc.tables[:i]:
            assert _printed_facts(a) != _printed_facts(b)


def test_tables_with_new_numbers_are_kept(context):
    from blinrwe.report.document import plan_document

    results = _demo_like(cox_subgroups=("intent",))  # not a Cox covariate: hazard ratios printed nowhere else
    ids = [t.table_id for t in plan_document(results, context).tables]
    assert "cox_subgroups_OS" in ids
    # counts alone (therapy flows, overall and per subgroup) are never taken for repeats
    assert ids.count("flows") == results.flows["flow"].nunique()
