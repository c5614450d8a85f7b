"""The patients of golden/competing_regression.R as the analysis layer receives them (ADSL + tte)."""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

GOLDEN = json.loads((Path(__file__).parent / "golden" / "competing_regression.json").read_text())


def golden_cohort() -> SimpleNamespace:
    d = pd.DataFrame(GOLDEN["data"])
    ids = [f"G{i:03d}" for i in range(len(d))]
    adsl = pd.DataFrame({"patient_id": ids, "age": d["age"].astype(float), "ph": d["ph"], "site": d["site"],
                         "rare": d["rare"]})
    cir = pd.DataFrame({"patient_id": ids, "endpoint": "CIR", "variant": "none", "time_months": d["time"],
                        "event": (d["status"] == 1).astype(int), "event_type": pd.array(d["status"], dtype="Int64")})
    os_ = pd.DataFrame({"patient_id": ids, "endpoint": "OS", "variant": "none", "time_months": d["os_time"],
                        "event": d["os_event"].astype(int), "event_type": pd.array([pd.NA] * len(d), dtype="Int64")})
    tte = pd.concat([cir, os_], ignore_index=True)
    tte["time_days"] = tte["time_months"] * 30.4375
    return SimpleNamespace(adsl=adsl, tte=tte, data=d)


def rows(frame: pd.DataFrame, **conditions) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in conditions.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask]
