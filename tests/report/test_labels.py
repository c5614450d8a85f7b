from blinrwe.report.labels import abbreviations_in, endpoint_label, level_label, variable_label, variant_label


def test_labels_with_units_from_the_data_dictionary():
    assert variable_label("age_at_t0") == "Age at first infusion, years"
    assert variable_label("age_at_t0", {"age_at_t0": "Age"}) == "Age"
    assert variable_label("some_new_flag") == "Some new flag"


def test_levels_endpoints_variants():
    assert level_label("relapsed_refractory") == "Relapsed/refractory"
    assert level_label("CRi") == "CRi"
    assert endpoint_label("EFS", "censor_hsct_cart") == "Event-free survival (EFS), censored at HSCT/CAR-T"
    assert variant_label("") == "Primary analysis"


def test_abbreviations_whole_words_only():
    note = abbreviations_in(["CR rate", "CRS grade"])
    assert "CR, complete remission" in note and "CRS, cytokine" in note
    assert "CRi" not in note
    assert "NR" not in abbreviations_in(["NR (95% CI 1-NE)"], already_explained={"NR", "NE"})


def test_levels_in_natural_order():
    from blinrwe.report.labels import ordered_levels

    assert ordered_levels([">28 d", "15-28 d", "<=14 d", "15-28 d"]) == ["<=14 d", "15-28 d", ">28 d"]
    assert ordered_levels([">= 2", "1"]) == ["1", ">= 2"]
    assert ordered_levels(["none", "other", "tki", "inotuzumab", "blinatumomab", "chemotherapy", "car_t", "allo_hsct"]) == [
        "allo_hsct", "car_t", "chemotherapy", "blinatumomab", "inotuzumab", "tki", "other", "none"]
    assert ordered_levels(["unknown", "b_code", "a_code", "2 cycles"]) == ["2 cycles", "b_code", "a_code", "unknown"]


def test_grading_codes_print_as_labels():
    from blinrwe.report.labels import method_text

    text = method_text("worst grade (CTCAE_v5; CRS/ICANS by ASTCT_2019), CTCAE_v6.")
    assert text == "worst grade (CTCAE v5.0; CRS/ICANS by ASTCT 2019 consensus grading), CTCAE v6.0."
    assert method_text("XCTCAE_v5 CTCAE_v50") == "XCTCAE_v5 CTCAE_v50"  # whole codes only


def test_labels_inside_a_sentence_keep_proper_nouns_and_abbreviations():
    from blinrwe.report.labels import in_sentence

    assert in_sentence("Philadelphia chromosome") == "Philadelphia chromosome"
    assert in_sentence("CR/CRi") == "CR/CRi" and in_sentence("Allo-HSCT") == "allo-HSCT"
    assert in_sentence("Disease setting") == "disease setting"


def test_yes_no_levels_are_named_for_their_variable():
    assert (level_label("yes", variable="cr_cri"), level_label("no", variable="cr_cri")) == ("CR/CRi", "No CR/CRi")
    assert (level_label("yes", variable="allo_hsct_after"), level_label("no", variable="allo_hsct_after")) == ("Allo-HSCT", "No allo-HSCT")
    assert (level_label("yes", variable="mrd_negative"), level_label("no", variable="mrd_negative")) == ("MRD-negative", "MRD-positive")
    # a per-window flag is False also without an assessment in the window: not "MRD-positive"
    assert level_label("no", variable="mrd_negative_overall") == "Not MRD-negative"
    assert (level_label("yes", variable="relapse"), level_label("no", variable="relapse")) == ("Relapse", "No relapse")
    assert level_label("no", variable="cns_involvement") == "No CNS involvement"  # not declared: from the variable's label
    assert level_label("no", variable="ph_like", variable_labels={"ph_like": "Ph-like ALL"}) == "No Ph-like ALL"
    assert level_label("NR", variable="best_response_2_cycles") == "No response"  # not "NR", the not-reached abbreviation
    assert level_label("yes") == "Yes"  # without its variable a level keeps its own label


def test_study_labels_override_level_labels_per_variable_first():
    overrides = {"cr_cri.yes": "CR", "cr_cri.no": "non-CR", "no": "Absent"}
    assert level_label("yes", overrides, variable="cr_cri") == "CR"
    assert level_label("no", overrides, variable="cr_cri") == "non-CR"
    assert level_label("no", overrides, variable="relapse") == "Absent"  # the study's label of the code
    assert level_label("newly_diagnosed", {"cr_cri.yes": "CR"}, variable="disease_setting") == "Newly diagnosed"


def test_titles_by_a_variable_read_as_a_sentence():
    from blinrwe.report.labels import by_variable

    assert by_variable("ph_status") == "by Philadelphia chromosome"
    assert by_variable("mrd_negative_overall") == "by MRD negativity at any time after blinatumomab"
    assert by_variable("ph_like") == "by Ph-like signature"
    assert by_variable("disease_setting", {"disease_setting": "Setting"}) == "by setting"
    # cut-offs that differ are told apart
    assert variable_label("burden_t0_ge50") != variable_label("burden_t0_gt50")


def test_levels_of_a_comparison_within_a_subset_are_those_of_its_variable():
    from blinrwe.report.labels import by_variable, level_label

    assert [level_label(lv, variable="allo_hsct_after|responder") for lv in ("yes", "no")] == [
        level_label(lv, variable="allo_hsct_after") for lv in ("yes", "no")]
    assert by_variable("allo_hsct_after|responder").endswith(" among responders")


def test_within_subset_grouping_reads_among():
    from blinrwe.report.labels import grouping_label

    assert grouping_label("allo_hsct_after|responder") == "Allo-HSCT after blinatumomab among responders"
    assert grouping_label("allo_hsct_after") == "Allo-HSCT after blinatumomab"
    assert grouping_label("allo_hsct_after|responder", {"responder": "Patients in CR"}).endswith("among patients in CR")


def test_a_within_subset_reads_as_its_patients():
    from blinrwe.report.labels import by_variable, grouping_label, subset_label

    assert subset_label("responder") == "responders"
    assert subset_label("best_response=CR") == "patients with best response CR"
    assert grouping_label("allo_hsct_after|best_response=CR") == (
        "Allo-HSCT after blinatumomab among patients with best response CR")
    assert by_variable("best_response|best_response=CR") == "among patients with best response CR"
def test_labels_are_printed_in_the_language_of_the_run():
    from blinrwe.model.i18n import language

    from blinrwe.report import labels

    assert labels.variable_label("sex") == "Sex"
    with language("zh"):
        assert labels.variable_label("sex") == "性别"
        assert labels.level_label("no", variable="cns_involvement") == "无中枢神经系统受累"
        assert labels.endpoint_label("EFS", "allo_hsct_or_car_t") == "无事件生存期（EFS），在allo-HSCT或CAR-T时删失"
        assert labels.by_variable("ph_status") == "按费城染色体分组"
        assert labels.level_label("fever") == "发热"  # a declared adverse-event term
        assert labels.level_label("Hospital A") == "Hospital A"  # free text stays as written
        # a study label that is word for word blinrwe's own English has its Chinese; other study labels as written
        assert labels.level_label("newly_diagnosed", {"newly_diagnosed": "Newly diagnosed"}) == "初诊"
        assert labels.level_label("newly_diagnosed", {"newly_diagnosed": "ND cohort"}) == "ND cohort"
        assert "置信区间" in labels.abbreviations_in(["HR (95% CI)"])
