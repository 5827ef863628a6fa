"""Train a response model: split by time, tune, refit on train+validation, judge once on test."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xgboost as xgb

from bullseye.core.catalog import CUSTOMER_ID, CUSTOMER_KEY, LABEL, PERIOD_ID
from ml.modelling.baseline import fit_baseline, predict_baseline
from ml.modelling.calibrate import Calibrator, brier, choose_calibrator, reliability_table
from ml.modelling.data import (
    FeatureSpec,
    Split,
    check_trainable,
    describe_split,
    fingerprint,
    split_by_time,
)
from ml.modelling.evaluate import Metrics, decile_table, evaluate, leakage_warnings
from ml.modelling.reasons import mean_abs_shap
from ml.modelling.segments import segment_customers
from ml.modelling.tune import TuningBudget, TuningResult, to_dmatrix, tune


@dataclass(frozen=True)
class TrainingConfig:
    target: str = "campaign_response"
    n_trials: int = 25
    timeout_s: float = 120.0
    seed: int = 42
    test_periods: int = 1
    min_positives: int = 20
    storage: str | None = None  # Optuna RDB URL; None keeps the study in memory
    n_workers: int = 1  # Optuna workers on one study; >1 gives up bit-for-bit determinism
    use_segments: bool = False  # add the behavioural segment (fitted on train rows) as a feature


@dataclass(frozen=True)
class TrainedModel:
    target: str
    booster: xgb.Booster
    spec: FeatureSpec
    params: dict
    num_boost_round: int
    metrics: Metrics
    baseline_metrics: Metrics
    deciles: pd.DataFrame
    tuning: TuningResult
    split_kind: str
    test_periods: tuple[str, ...]
    rows: dict[str, int]
    data_fingerprint: str
    test_scores: pd.DataFrame  # the test rows' ids, label and score, for oracle checks
    calibrator: Calibrator
    calibration: dict  # method, CV log loss, Brier and reliability on test before/after
    importance: pd.Series  # mean |SHAP| per feature on the test rows, largest first
    data_summary: dict  # rows, positives and periods per split; per-feature train summary
    warnings: tuple[str, ...]  # leakage warnings


@dataclass(frozen=True)
class FittedBooster:
    booster: xgb.Booster  # refit on train + validation
    tuning: TuningResult
    params: dict
    num_boost_round: int


def fit_tuned_booster(
    train: tuple[pd.DataFrame, pd.Series],
    valid: tuple[pd.DataFrame, pd.Series],
    config: TrainingConfig,
    study_name: str,
) -> FittedBooster:
    """Tune on (train, validation), then refit on both with the best parameters, the
    early-stopped round count scaled to the larger set."""
    (x_train, y_train), (x_valid, y_valid) = train, valid
    budget = TuningBudget(
        config.n_trials, config.timeout_s, config.seed, n_workers=config.n_workers
    )
    tuning = tune(
        to_dmatrix(x_train, y_train),
        to_dmatrix(x_valid, y_valid),
        budget,
        config.storage,
        study_name,
    )
    x_fit, y_fit = pd.concat([x_train, x_valid]), pd.concat([y_train, y_valid])
    rounds = max(round((tuning.best_iteration + 1) * len(x_fit) / len(x_train)), 1)
    params = tuning.params | {"seed": config.seed, "nthread": budget.n_threads}
    booster = xgb.train(params, to_dmatrix(x_fit, y_fit), num_boost_round=rounds)
    return FittedBooster(booster, tuning, params, rounds)


def train_response_model(frame: pd.DataFrame, config: TrainingConfig) -> TrainedModel:
    # Row order changes XGBoost's row subsampling; warehouses return rows in no set order.
    frame = frame.sort_values([PERIOD_ID, CUSTOMER_ID], ignore_index=True)
    check_trainable(frame, config.min_positives, f"training set for '{config.target}'")
    split: Split = split_by_time(frame, config.test_periods, config.seed)
    for name, part in (("train", split.train), ("validation", split.valid), ("test", split.test)):
        check_trainable(part, 1, f"{name} split for '{config.target}'")
    segmenter = (
        segment_customers(split.train, config.seed).segmenter if config.use_segments else None
    )
    spec = FeatureSpec.from_frame(split.train, segmenter)
    x_train, x_valid, x_test = (spec.matrix(p) for p in (split.train, split.valid, split.test))
    y_train, y_valid, y_test = (
        p[LABEL].astype(int) for p in (split.train, split.valid, split.test)
    )

    data_fingerprint = fingerprint(frame)
    fitted = fit_tuned_booster(
        (x_train, y_train), (x_valid, y_valid), config, f"{config.target}-{data_fingerprint[:16]}"
    )
    booster, tuning, params = fitted.booster, fitted.tuning, fitted.params
    x_fit, y_fit = pd.concat([x_train, x_valid]), pd.concat([y_train, y_valid])
    scores = booster.predict(to_dmatrix(x_test))

    # Calibrate on validation predictions of a train-only model with the same parameters (the
    # refit model has seen validation), then judge the map on the untouched test rows.
    train_only = xgb.train(
        params, to_dmatrix(x_train, y_train), num_boost_round=tuning.best_iteration + 1
    )
    valid_scores = train_only.predict(to_dmatrix(x_valid))
    calibration = choose_calibrator(valid_scores, y_valid.to_numpy(), config.seed)
    calibrated = calibration.calibrator.apply(scores)
    y_true = y_test.to_numpy()

    baseline = fit_baseline(spec, x_fit, y_fit)
    baseline_scores = predict_baseline(baseline, spec, x_test)

    test_scores = split.test[[PERIOD_ID, CUSTOMER_ID, CUSTOMER_KEY, LABEL]].copy()
    test_scores["score"] = scores
    test_scores["baseline_score"] = baseline_scores
    metrics = evaluate(y_true, scores)
    importance = mean_abs_shap(booster, x_test)
    return TrainedModel(
        target=config.target,
        booster=booster,
        spec=spec,
        params=params,
        num_boost_round=fitted.num_boost_round,
        metrics=metrics,
        baseline_metrics=evaluate(y_true, baseline_scores),
        deciles=decile_table(y_true, scores),
        tuning=tuning,
        split_kind=split.kind,
        test_periods=split.test_periods,
        rows={"train": len(x_train), "validation": len(x_valid), "test": len(x_test)},
        data_fingerprint=data_fingerprint,
        test_scores=test_scores,
        calibrator=calibration.calibrator,
        calibration={
            "method": calibration.calibrator.method,
            "cv_log_loss": calibration.cv_log_loss,
            "test_brier_before": brier(y_true, scores),
            "test_brier_after": brier(y_true, calibrated),
            "reliability_before": reliability_table(y_true, scores).round(4).to_dict("records"),
            "reliability_after": reliability_table(y_true, calibrated).round(4).to_dict("records"),
        },
        importance=importance,
        data_summary=describe_split(split, spec),
        warnings=tuple(leakage_warnings(importance, metrics.roc_auc)),
    )


def predict(booster: xgb.Booster, spec: FeatureSpec, frame: pd.DataFrame) -> np.ndarray:
    return booster.predict(to_dmatrix(spec.matrix(frame)))
