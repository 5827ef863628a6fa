"""One tuning worker process for tests: joins the named study at the storage URL and tunes a
small fixed problem (the same data in every worker, as every worker of a real study reads the
same training set)."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import xgboost as xgb

from ml.modelling.tune import TuningBudget, tune


def problem(rows: int) -> xgb.DMatrix:
    rng = np.random.default_rng(11)
    x = pd.DataFrame(rng.normal(size=(rows, 6)), columns=[f"f{i}" for i in range(6)])
    logit = 1.5 * x["f0"] - x["f1"] + 0.5 * x["f2"] * x["f3"]
    return xgb.DMatrix(x, label=(rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int))


if __name__ == "__main__":
    url, study_name, n_trials, offset = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    budget = TuningBudget(n_trials, 300, 7, 1, sampler_offset=offset)
    tune(problem(3_000), problem(1_000), budget, url, study_name)
