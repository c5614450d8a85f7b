"""Patient positions in ADSL: the fast paths give the hash lookup's positions exactly."""

import numpy as np
import pandas as pd
import pytest

from blinrwe.analysis.array_memo import remembering
from blinrwe.analysis.positions import id_index, id_positions, patient_positions


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
