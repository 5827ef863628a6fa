"""Benchmark: Optuna with and without pruning, same wall-clock budget, same data.

Run: ``.venv/bin/python bench/tuning_pruning.py [--customers 50000] [--seconds 60]``.
Generates data, builds the warehouse (dbt), then tunes the campaign-response model twice on
the same split with the same time budget: median pruning on XGBoost's validation curve, and no
pruning. Prints trials run and best validation ROC AUC side by side with their ratio, and
writes ``bench/results/tuning_pruning.json``. Target (issue 4): at least twice as many trials
with pruning, at no loss in validation AUC.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/tuning_pruning.json")
    args = parser.parse_args()

    from bullseye.core.catalog import CUSTOMER_ID, LABEL, PERIOD_ID
    from bullseye.core.contract import check_landing
    from bullseye.core.dbt import build
    from bullseye.core.settings import Settings
    from bullseye.core.targets import dbt_targets_var, load_targets
    from bullseye.core.warehouse import DbtInvocation, register_landing
    from bullseye.datagen import GeneratorConfig, generate
    from bullseye.services.training import load_training_frame
    from ml.modelling.data import FeatureSpec, split_by_time
    from ml.modelling.tune import TuningBudget, to_dmatrix, tune

    with tempfile.TemporaryDirectory() as tmp:
        config = GeneratorConfig(customers=args.customers, seed=args.seed)
        data = generate(Path(tmp) / "data", config)
        settings = Settings(home=Path(tmp) / "home")
        register_landing(check_landing(data.landing_dir), settings)
        targets = load_targets(settings.targets_file)
        as_of: datetime = config.end_at.replace(tzinfo=None)
        build(settings, DbtInvocation(as_of, tuple(dbt_targets_var(targets))))
        frame = load_training_frame(settings, targets["campaign_response"])
        frame = frame.sort_values([PERIOD_ID, CUSTOMER_ID], ignore_index=True)

    split = split_by_time(frame, args.seed)
    spec = FeatureSpec.from_frame(split.train)
    dtrain = to_dmatrix(spec.matrix(split.train), split.train[LABEL].astype(int))
    dvalid = to_dmatrix(spec.matrix(split.valid), split.valid[LABEL].astype(int))
    budget = TuningBudget(n_trials=100_000, timeout_s=args.seconds, seed=args.seed)
    runs = {}
    for name, is_pruning in (("pruning", True), ("no_pruning", False)):
        outcome = tune(dtrain, dvalid, replace(budget, is_pruning=is_pruning), None, name)
        runs[name] = {
            "trials": outcome.n_trials,
            "pruned": outcome.n_pruned,
            "best_valid_auc": outcome.valid_auc,
        }
    ratio = runs["pruning"]["trials"] / max(runs["no_pruning"]["trials"], 1)
    auc_gain = runs["pruning"]["best_valid_auc"] - runs["no_pruning"]["best_valid_auc"]
    results = {
        "customers": args.customers,
        "seconds_per_study": args.seconds,
        "train_rows": len(split.train),
        "valid_rows": len(split.valid),
        "runs": runs,
        "trial_ratio": ratio,
        "valid_auc_difference": auc_gain,
        "target": "trial_ratio >= 2 and valid_auc_difference >= -0.002",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"{'':<12}{'trials':>8}{'pruned':>8}{'best valid AUC':>16}")
    for name, run in runs.items():
        print(f"{name:<12}{run['trials']:>8}{run['pruned']:>8}{run['best_valid_auc']:>16.4f}")
    print(f"trials ratio (pruning / no pruning): {ratio:.2f}; AUC difference: {auc_gain:+.4f}")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
