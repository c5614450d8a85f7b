"""Sankey flows and therapy path counts."""

import pandas as pd

from blinrwe.analysis.patterns import therapy_path_counts, treatment_flows


def test_flows_and_paths():
    adsl = pd.DataFrame({"patient_id": list("abcd"), "cycles_class": ["1", "1", ">=2", ">=2"],
                         "first_next_therapy": ["allo_hsct", None, "chemotherapy", "chemotherapy"],
                         "therapy_path": ["allo_hsct", "none", "chemotherapy", "chemotherapy -> car_t"]})
    flows = treatment_flows(adsl)
    got = {(r.source, r.target): r.n for r in flows.itertuples()}
    assert got == {("1", "allo_hsct"): 1, ("1", "none"): 1, (">=2", "chemotherapy"): 2}
    ard = therapy_path_counts(adsl)
    paths = ard[(ard.variable == "therapy_path") & (ard.statistic == "n")].set_index("level")["value"]
    assert paths["chemotherapy -> car_t"] == 1 and paths.sum() == 4
