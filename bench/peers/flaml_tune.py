"""FLAML peer for the tuning benchmark (issue 15): tune XGBoost with FLAML on a given split.

Run with the FLAML venv's python (bench/peers/flaml_env.py makes it), never Bullseye's: this
script imports nothing from Bullseye, so the two tuners do not share an environment.

    flaml_tune.py --data DIR --seconds S --seed N

DIR holds x_{train,valid,test}.parquet (features; categorical columns keep pandas' category
dtype through parquet) and y_{train,valid,test}.parquet (one column, ``label``). FLAML tunes
its ``xgboost`` learner for S seconds, scoring each config by ROC AUC on the validation set
(holdout), and keeps the best model as it was trained during the search (``retrain_full=False``:
trained on the training set, or on the sample of it FLAML was using at that point). Prints one
JSON line: validation and test ROC AUC of that model, trials run, the best config and the wall
seconds of the search.

Categorical columns: FLAML's ``xgboost`` learner accepts them but hands XGBoost their integer
codes (``SKLearnEstimator._preprocess``), so XGBoost splits them as ordered numbers rather than
with its native categorical splits; that is FLAML as shipped, and it is what is compared.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
from flaml import AutoML
from sklearn.metrics import roc_auc_score

PARTS = ("train", "valid", "test")


def load(data: Path) -> dict[str, tuple[pd.DataFrame, pd.Series]]:
    return {
        part: (
            pd.read_parquet(data / f"x_{part}.parquet"),
            pd.read_parquet(data / f"y_{part}.parquet")["label"].astype(int),
        )
        for part in PARTS
    }


def tune(data: Path, seconds: float, seed: int) -> dict:
    parts = load(data)
    (x_train, y_train), (x_valid, y_valid) = parts["train"], parts["valid"]
    automl = AutoML()
    start = time.perf_counter()
    automl.fit(
        x_train,
        y_train,
        X_val=x_valid,
        y_val=y_valid,
        task="classification",
        metric="roc_auc",
        estimator_list=["xgboost"],
        time_budget=seconds,
        seed=seed,
        retrain_full=False,
        n_jobs=2,
        verbose=0,
    )
    wall = time.perf_counter() - start
    auc = {
        part: float(roc_auc_score(y, automl.predict_proba(x)[:, 1]))
        for part, (x, y) in parts.items()
    }
    return {
        "valid_roc_auc": auc["valid"],
        "test_roc_auc": auc["test"],
        # FLAML's own score of the best config (1 - best loss): equals valid_roc_auc when the
        # kept model is the one it scored, a check that nothing was retrained.
        "flaml_valid_roc_auc": 1.0 - float(automl.best_loss),
        "train_roc_auc": auc["train"],
        "trials": int(automl.modelcount),
        "best_iteration": automl.best_iteration,
        "best_config": automl.best_config,
        "seconds": wall,
        "rows": {part: len(x) for part, (x, _) in parts.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    # numpy scalars (FLAML's configs hold them) as plain numbers.
    print(json.dumps(tune(args.data, args.seconds, args.seed), default=lambda o: o.item()))


if __name__ == "__main__":
    main()
