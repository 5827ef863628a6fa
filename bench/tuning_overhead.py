"""Benchmark: where an Optuna trial's time goes on a small training set.

Run: ``.venv/bin/python bench/tuning_overhead.py [--rows 3541] [--features 85] [--trials 15]``.
Tunes the same seeded synthetic matrix (the size of a real data set where only 5 trials fitted
into 120 s) with the study in memory and in SQLite (the default storage), reporting the
validation curve to Optuna every round (optuna-integration's callback as is) and every
``REPORT_EVERY`` rounds (Bullseye's default). Prints seconds per trial side by side and writes
``bench/results/tuning_overhead.json``.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def _data(rows: int, features: int, seed: int) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.normal(size=(rows, features)), columns=[f"f{i}" for i in range(features)])
    logit = x["f0"] + 0.5 * x["f1"] - 2.5
    return x, pd.Series((rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_541)
    parser.add_argument("--features", type=int, default=85)
    parser.add_argument("--trials", type=int, default=15)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/tuning_overhead.json")
    args = parser.parse_args()

    from ml.modelling.tune import REPORT_EVERY, TuningBudget, to_dmatrix, tune

    dtrain = to_dmatrix(*_data(args.rows, args.features, args.seed))
    dvalid = to_dmatrix(*_data(args.rows // 3, args.features, args.seed + 1))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for storage_name in ("memory", "sqlite"):
            for every in (1, REPORT_EVERY):
                storage = None if storage_name == "memory" else f"sqlite:///{tmp}/{every}.db"
                budget = TuningBudget(args.trials, 3600, args.seed, report_every=every)
                started = time.perf_counter()
                result = tune(dtrain, dvalid, budget, storage, f"overhead-{every}")
                seconds = time.perf_counter() - started
                rows.append(
                    {
                        "storage": storage_name,
                        "report_every": every,
                        "trials": result.n_trials,
                        "pruned": result.n_pruned,
                        "seconds_per_trial": round(seconds / result.n_trials, 3),
                        "valid_auc": round(result.valid_auc, 4),
                    }
                )
    base = rows[0]["seconds_per_trial"]
    print(
        f"{'storage':8} {'report every':>12} {'trials':>6} {'pruned':>6} {'s/trial':>8} "
        f"{'x memory/1':>10} {'valid AUC':>9}"
    )
    for row in rows:
        print(
            f"{row['storage']:8} {row['report_every']:>12} {row['trials']:>6} {row['pruned']:>6} "
            f"{row['seconds_per_trial']:>8.3f} {row['seconds_per_trial'] / base:>10.2f} "
            f"{row['valid_auc']:>9.4f}"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}, indent=2)
    )


if __name__ == "__main__":
    main()
