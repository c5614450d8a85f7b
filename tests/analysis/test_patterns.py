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


def _value_counts_flows(adsl, split_by):
    """The definition: value_counts of (source, target) per part (missing source "unknown", target "none")."""
    next_col = "first_next_therapy"
    parts = [("", adsl)] + [(str(g), sub) for g, sub in adsl.groupby(split_by, sort=True, dropna=True)]
    frames = []
    for label, sub in parts:
        target = sub[next_col].astype(object).where(sub[next_col].notna(), "none")
        for col in ("duration_class_cycle1", "duration_class_total", "cycles_class"):
            source = sub[col].astype(object).where(sub[col].notna(), "unknown")
            counts = pd.DataFrame({"source": source, "target": target}).value_counts().reset_index(name="n")
            counts.insert(0, "flow", f"{col} -> {next_col}" + (f" | {split_by}={label}" if label else ""))
            frames.append(counts.sort_values(["source", "target"], kind="stable"))
    out = pd.concat(frames, ignore_index=True)[["flow", "source", "target", "n"]]
    out["n"] = out["n"].astype("int64")
    return out


def test_flows_counted_from_codes_equal_value_counts_of_the_labels():
    import numpy as np

    rng = np.random.default_rng(0)
    n = 400
    adsl = pd.DataFrame({
        "disease_setting": rng.choice(["nd", "rr", None], n),
        "first_next_therapy": rng.choice(["allo_hsct", "none", None, "car_t"], n),  # a recorded "none" too
        "cycles_class": rng.choice(["1", ">=2", None, "unknown"], n),
        "duration_class_total": pd.Categorical(rng.choice(["<=14 d", "15-28 d", None], n),
                                               categories=["<=14 d", "15-28 d", ">28 d"]),
        "duration_class_cycle1": rng.choice(["<=14 d", None], n)})
    pd.testing.assert_frame_equal(treatment_flows(adsl, split_by="disease_setting"),
                                  _value_counts_flows(adsl, "disease_setting"), check_exact=True)
    empty = treatment_flows(adsl.iloc[:0], split_by="disease_setting")
    assert list(empty.columns) == ["flow", "source", "target", "n"] and empty.empty
    one = treatment_flows(adsl.iloc[:1].assign(first_next_therapy=None, cycles_class=None))
    assert set(one["target"]) == {"none"} and set(one.loc[one.flow.str.startswith("cycles"), "source"]) == {"unknown"}
