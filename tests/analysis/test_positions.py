"""Patient positions in ADSL: the fast paths give the hash lookup's positions exactly."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.array_memo import remembering
from blinrwe.analysis.positions import id_index, id_positions, known_positions, patient_positions


def _ids(n):
    return np.array([f"P{i:05d}" for i in range(n)], dtype=object)


def _lookup(reference, query):
    return pd.Index(reference).get_indexer(query)


@pytest.mark.parametrize("memo", [False, True])
def test_every_path_gives_the_lookup_positions(memo):
    reference = _ids(500)
    rng = np.random.default_rng(1)
    responders = reference[np.sort(rng.choice(500, 300, replace=False))]
    queries = {
        "adsl order": reference.copy(),
        "subset in order": responders,
        "same patients, other rows": responders.copy(),
        "other patients, same length": reference[rng.choice(500, 300, replace=False)],
        "adjacent repeats": np.repeat(reference[::5], rng.integers(1, 4, 100)),
        "unknown ids": np.array(["P00001", "nobody", "P00499", None], dtype=object),
        "one patient": reference[7:8],
        "nobody": reference[:0],
    }

    def run():
        for name, query in queries.items():
            got = id_positions(reference, query)
            np.testing.assert_array_equal(got, _lookup(reference, query), err_msg=name)
            assert got.dtype == np.int64 and not got.flags.writeable

    if memo:
        with remembering():
            run()
            run()  # remembered (and the same patients' positions reused after an elementwise check)
    else:
        run()


def test_positions_are_remembered_for_the_same_rows_only_within_a_study():
    reference = _ids(50)
    query = reference[::-1].copy()
    with remembering():
        first = id_positions(reference, query)
        assert id_positions(reference, query) is first
        assert id_positions(reference, query.copy()) is first  # the same patients elsewhere: checked, then shared
        other = reference[::2].copy()
        assert id_positions(reference, other).tolist() == list(range(0, 50, 2))
        assert id_index(reference) is id_index(reference)
    assert id_positions(reference, query) is not first


def test_patient_positions_follow_the_adsl():
    adsl = pd.DataFrame({"patient_id": ["A", "B", "C"]})
    with remembering():
        assert patient_positions(adsl, pd.Series(["C", "X", "A"])).tolist() == [2, -1, 0]
        assert patient_positions(adsl, ["A", "B", "C"]).tolist() == [0, 1, 2]
        adsl["patient_id"] = ["C", "B", "A"]  # new ids: a new Index
        assert patient_positions(adsl, ["A"]).tolist() == [2]


@pytest.mark.parametrize("declared", ["right", "wrong", "out of range"])
def test_declared_positions_serve_the_dataset_and_its_slices_and_are_checked(declared, monkeypatch):
    from blinrwe.analysis import positions as module

    looked_up = []
    lookup = module._looked_up
    monkeypatch.setattr(module, "_looked_up", lambda index, query: looked_up.append(query.size) or lookup(index, query))
    reference = _ids(400)
    rng = np.random.default_rng(7)
    rows = np.sort(rng.integers(0, 400, 3000))  # a long table's patients, in ADSL order (tte's layout)
    frame = pd.DataFrame({"patient_id": reference[rows], "time": rng.random(3000)})
    positions = {"right": rows, "wrong": (rows + 1) % 400, "out of range": rows + 400}[declared]
    with remembering():
        known_positions(reference, frame["patient_id"].to_numpy(), positions)
        for part in (frame, frame.iloc[100:900], frame.iloc[2999:], frame.iloc[:0], frame.iloc[::2]):
            query = part["patient_id"].to_numpy()
            got = id_positions(reference, query)
            np.testing.assert_array_equal(got, _lookup(reference, query))
            assert not got.flags.writeable
        # the declared positions serve every contiguous slice; a strided one (and nobody) is looked up
        assert looked_up == ([0, 1500] if declared == "right" else [3000, 800, 1, 0, 1500])
        copied = frame["patient_id"].to_numpy().copy()  # not the declared rows' memory: looked up
        np.testing.assert_array_equal(id_positions(reference, copied), rows)
