"""One preset per seed, each reproducing the definitions its paper states."""

import datetime as dt

import pytest

from blinrwe.derive.presets import PRESETS, preset
from blinrwe.errors import SpecificationError


def test_every_seed_has_a_preset():
    assert sorted(PRESETS) == ["000", "001", "002", "003", "004"]
    for key in PRESETS:
        assert preset(key).preset == key


def test_seed_definitions():
    s1 = preset("001")  # EFS with/without censoring at transplant and CAR-T; blasts <= 5; 2-cycle MRD window
    assert s1.cr_blast_inclusive and "allo_hsct_or_car_t" in s1.censoring_variants
    assert s1.primary_response_window == "2_cycles" and s1.efs_failure_time_days == 1
    s2 = preset("002")  # CR/CRh within 2 cycles
    assert (s2.responder_definition, s2.primary_response_window, s2.crh_counts_as_cri) == ("cr_crh", "2_cycles", False)
    s3 = preset("003_72b269489978e78e.txt")  # file names work too
    assert s3.data_cutoff == dt.date(2024, 4, 30) and not s3.cr_blast_inclusive and s3.endpoints == ("OS", "PFS")
    assert preset("004").endpoints == ("OS", "DFS") and preset("000").endpoints[:2] == ("OS", "RFS")


def test_unknown_preset_is_a_user_error():
    with pytest.raises(SpecificationError, match="unknown derivation preset '007'"):
        preset("007")


def test_seed004_dfs_does_not_fail_children_without_cr_at_the_first_assessment():
    """42.9% DFS among the 7 children without CR (3/7) means they were not failures at day 15."""
    from blinrwe.derive.endpoints import endpoint_definitions

    s = preset("004")
    assert not s.nonresponder_fails_at_first_assessment
    assert "no response" not in endpoint_definitions(s)["DFS"].rule


def test_seed000_reports_response_among_overt_disease():
    s = preset("000")
    assert (s.response_population, s.overt_disease_blast_pct) == ("overt_disease", 5.0)
    assert preset("001").response_population == "all_treated"
