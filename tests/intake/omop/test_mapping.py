"""The concept mapping: the shipped concepts.toml, an edited copy, and what a broken file says."""

import pytest

from blinrwe.errors import UserError
from blinrwe.intake.omop import DEFAULT_MAPPING, load_mapping, read_omop


def test_the_shipped_mapping_names_blinatumomab_by_its_rxnorm_ingredient():
    m = load_mapping()
    assert m.blinatumomab == 45892531  # RxNorm ingredient 'blinatumomab' (OHDSI vocabulary)
    assert m.gender == {8507: "M", 8532: "F"}
    assert m.measures["platelets"].concepts == (3024929,)
    assert m.mrd_factor == 0.01 and set(m.mrd) == {"flow", "qPCR", "NGS"}
    assert m.rate_units["mcg/day"] == "ug/day"
    assert m.measurement_concepts()[3024929] == "platelets"
    assert m.mrd_method()[m.mrd["qPCR"][0]] == "qPCR"


def test_the_shipped_file_says_which_ids_are_standard_and_which_are_placeholders():
    text = DEFAULT_MAPPING.read_text(encoding="utf-8")
    assert "[standard]" in text and "[placeholder]" in text and "[verify]" in text


def test_an_edited_copy_is_read_in_place_of_the_shipped_file(tmp_path, flawed_folder):
    edited = DEFAULT_MAPPING.read_text(encoding="utf-8").replace("measurement = []", "measurement = [3000963]")
    path = tmp_path / "local.toml"
    path.write_text(edited, encoding="utf-8")
    assert load_mapping(path).ignore_measurement == (3000963,)
    codes = {n.code for n in read_omop(flawed_folder, mapping=path).notes}
    assert "OMOP_CONCEPT_UNMAPPED" not in codes  # the local file declared the concept irrelevant


def test_a_local_concept_mapped_in_the_copy_is_read(tmp_path, cdm_folder):
    """Platelets recorded under a local concept: mapped in the copy, they are read; unmapped, they are reported."""
    import pandas as pd

    folder = tmp_path / "local"
    folder.mkdir()
    for p in cdm_folder.glob("*.parquet"):
        frame = pd.read_parquet(p)
        if p.stem == "measurement":
            frame.loc[frame.measurement_concept_id == 3024929, "measurement_concept_id"] = 2000009999
        frame.to_parquet(folder / p.name, index=False)
    shipped = read_omop(folder)
    assert shipped.sheets["assessments"].column("platelets").isna().all()
    assert [n.value for n in shipped.notes if n.code == "OMOP_CONCEPT_UNMAPPED"] == [2000009999]
    path = tmp_path / "local.toml"
    path.write_text(DEFAULT_MAPPING.read_text(encoding="utf-8").replace("concepts = [3024929]",
                                                                        "concepts = [3024929, 2000009999]"))
    local = read_omop(folder, mapping=path)
    assert local.sheets["assessments"].column("platelets").notna().all()
    assert not local.notes


@pytest.mark.parametrize("text, key", [
    ("[blinatumomab\n", "not a TOML"),
    ("[person]\n", "'blinatumomab'"),
    ('[blinatumomab]\ningredient = "45892531"\n', "'blinatumomab.ingredient'"),
])
def test_a_broken_mapping_is_a_user_error_naming_the_file_and_key(tmp_path, text, key):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UserError, match="bad.toml") as caught:
        load_mapping(path)
    assert key in str(caught.value)


def test_a_missing_mapping_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not found"):
        load_mapping(tmp_path / "nowhere.toml")
