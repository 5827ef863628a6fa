"""Train a response model: split by time, tune, refit on train+validation, judge once on test."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import expit

from bullseye.core.catalog import CUSTOMER_ID, CUSTOMER_KEY, LABEL, PERIOD_ID, feature_columns
from ml.modelling.baseline import baseline_margin, fit_baseline, predict_baseline
from ml.modelling.blend import ResponseScorer, choose_weight, describe_choice
from ml.modelling.calibrate import Calibrator, brier, choose_calibrator, reliability_table
from ml.modelling.data import FeatureSpec, HoldoutSize, describe_split
from ml.modelling.evaluate import Metrics, decile_table, evaluate, leakage_warnings
from ml.modelling.intervals import Interval, auc_interval, paired_auc_difference
from ml.modelling.prepare import Prepared, prepare, tuning_sample
from ml.modelling.tune import (
    EARLY_STOPPING_ROUNDS,
    MAX_ROUNDS,
    TuningBudget,
    TuningResult,
    log,
    to_dmatrix,
    tune,
)


@dataclass(frozen=True)
class TrainingConfig:
    target: str = "campaign_response"
    n_trials: int = 25
    timeout_s: float = 900.0
    seed: int = 42
    holdout: HoldoutSize = field(default_factory=HoldoutSize)  # test and validation sizes
    min_positives: int = 20
    storage: str | None = None  # Optuna RDB URL; None keeps the study in memory
    n_workers: int = 1  # Optuna workers on one study; >1 gives up bit-for-bit determinism
    tuning_sample_rows: int = 50_000  # Optuna tunes on at most this many train (and valid) rows
    use_segments: bool = False  # add the behavioural segment (fitted on train rows) as a feature


@dataclass(frozen=True)
class TrainedModel:
    target: str
    scorer: ResponseScorer  # booster, baseline and the blend weight chosen on validation
    params: dict
    num_boost_round: int
    metrics: Metrics  # the registered scorer on test
    baseline_metrics: Metrics
    xgboost_metrics: Metrics  # XGBoost alone on test (equals metrics when chosen alone)
    intervals: dict[str, Interval]  # test ROC AUCs and the gain over the baseline, 95% bootstrap
    selection: dict  # the weight chosen, why, and every candidate's validation ROC AUC
    deciles: pd.DataFrame
    tuning: TuningResult
    split_kind: str
    test_periods: tuple[str, ...]
    rows: dict[str, int]
    is_test_large_enough: bool  # holdout_min_rows and _positives met: figures that can decide
    data_fingerprint: str
    test_scores: pd.DataFrame  # the test rows' ids, label and score, for oracle checks
    calibrator: Calibrator
    calibration: dict  # method, CV log loss, Brier and reliability on test before/after
    importance: pd.Series  # mean |contribution| per feature on the test rows, largest first
    data_summary: dict  # rows, positives and periods per split; per-feature train summary
    warnings: tuple[str, ...]  # small holdouts, features left out, leakage

    @property
    def booster(self) -> xgb.Booster:
        return self.scorer.booster

    @property
    def spec(self) -> FeatureSpec:
        return self.scorer.spec

    @property
    def is_worse_than_baseline(self) -> bool:
        """Test ROC AUC below the baseline's by more than the paired interval allows."""
        return self.intervals["gain_over_baseline"].is_below_zero


@dataclass(frozen=True)
class FittedBooster:
    booster: xgb.Booster  # the final model: refit on train + validation (small data)
    train_only: xgb.Booster  # the same parameters fitted on the training rows only
    tuning: TuningResult
    params: dict
    num_boost_round: int


def fit_tuned_booster(
    train: tuple[pd.DataFrame, pd.Series],
    valid: tuple[pd.DataFrame, pd.Series],
    config: TrainingConfig,
    study_name: str,
    final_fit: Callable[[dict], tuple[xgb.Booster, xgb.Booster]] | None = None,
) -> FittedBooster:
    """Tune on (train, validation), then fit the best parameters on the training rows (the
    model the blend is chosen with) and refit them on both, the round count scaled to the
    larger set.

    A training set larger than ``config.tuning_sample_rows`` is tuned on a seeded sample of
    that many rows (validation likewise): each trial then costs what it costs at that size, so
    a million contacts get the same 25 trials. The best parameters are then fitted on every
    training row with early stopping on the whole validation set (more rows support more
    trees), and that model is final: refitting on validation too would add a quarter more rows
    to a model that has hundreds of thousands, at the cost of another full fit. On a cluster
    (``final_fit``: the training rows stay there, ``train`` is a sample) the small-data path's
    two fits run there: early-stopped on training rows, refitted on training and validation."""
    (x_train, y_train), (x_valid, y_valid) = train, valid
    budget = TuningBudget(
        config.n_trials, config.timeout_s, config.seed, n_workers=config.n_workers
    )
    cap = config.tuning_sample_rows
    tuning = tune(*tuning_sample(train, valid, config), budget, config.storage, study_name)
    params = tuning.params | {"seed": config.seed, "nthread": budget.n_threads}
    if final_fit is not None:
        log.info("Fitting the best parameters on every training row, on the cluster")
        train_only, booster = final_fit(params)
        return FittedBooster(booster, train_only, tuning, params, booster.num_boosted_rounds())
    log.info("Fitting the best parameters on %s training rows", f"{len(x_train):,}")
    dtrain = to_dmatrix(x_train, y_train)
    if len(x_train) > cap or len(x_valid) > cap:  # tuned on a sample
        stopped = xgb.train(
            params | {"eval_metric": "logloss"},  # what early stopping watches; no AUC needed
            dtrain,
            num_boost_round=MAX_ROUNDS,
            evals=[(to_dmatrix(x_valid, y_valid), "validation")],
            early_stopping_rounds=EARLY_STOPPING_ROUNDS,
            verbose_eval=False,
        )
        rounds = int(stopped.best_iteration) + 1
        train_only = stopped[:rounds]
        return FittedBooster(train_only, train_only, tuning, params, rounds)
    train_only = xgb.train(params, dtrain, num_boost_round=tuning.best_iteration + 1)
    x_fit, y_fit = pd.concat([x_train, x_valid]), pd.concat([y_train, y_valid])
    rounds = max(round((tuning.best_iteration + 1) * len(x_fit) / len(x_train)), 1)
    log.info("Refitting on %s training and validation rows, %d rounds", f"{len(x_fit):,}", rounds)
    booster = xgb.train(params, to_dmatrix(x_fit, y_fit), num_boost_round=rounds)
    return FittedBooster(booster, train_only, tuning, params, rounds)


def train_response_model(frame: pd.DataFrame, config: TrainingConfig) -> TrainedModel:
    return train_prepared(prepare(frame, config), config)


def train_prepared(prepared: Prepared, config: TrainingConfig) -> TrainedModel:
    split, spec = prepared.split, prepared.spec
    x_train, x_valid, x_test = prepared.x
    y_train, y_valid, y_test = prepared.y

    rows = prepared.rows
    sizes = f"{rows['train']:,} train, {len(x_valid):,} validation and {len(x_test):,} test rows"
    log.info("Training %s: %s, %d features", config.target, sizes, len(spec.names))
    fitted = fit_tuned_booster(
        prepared.train, prepared.valid, config, prepared.study_name, prepared.final_fit
    )
    tuning, train_only = fitted.tuning, fitted.train_only
    x_fit, y_fit = pd.concat([x_train, x_valid]), pd.concat([y_train, y_valid])

    # Choose XGBoost, the baseline or a blend on validation, with models fitted on the
    # training rows only (the refit ones have seen validation).
    train_only_scorer = ResponseScorer(
        train_only, fit_baseline(spec, x_train, y_train, config.seed), spec
    )
    weight, candidates = choose_weight(
        y_valid.to_numpy(),
        train_only.predict(to_dmatrix(x_valid), output_margin=True),
        baseline_margin(train_only_scorer.baseline, spec, x_valid),
    )
    log.info("Judging on %s test rows (intervals, calibration, importance)", f"{len(x_test):,}")
    # Calibrate the chosen scorer's validation predictions, then judge the map on test.
    valid_scores = expit(replace(train_only_scorer, weight=weight).margin(x_valid))
    calibration = choose_calibrator(valid_scores, y_valid.to_numpy(), config.seed)

    scorer = ResponseScorer(
        fitted.booster, fit_baseline(spec, x_fit, y_fit, config.seed), spec, weight
    )
    scores = expit(scorer.margin(x_test))
    xgboost_scores = fitted.booster.predict(to_dmatrix(x_test))
    baseline_scores = predict_baseline(scorer.baseline, spec, x_test)
    calibrated = calibration.calibrator.apply(scores)
    y_true = y_test.to_numpy()

    test_scores = split.test[[PERIOD_ID, CUSTOMER_ID, CUSTOMER_KEY, LABEL]].copy()
    test_scores["score"] = scores
    test_scores["baseline_score"] = baseline_scores
    metrics = evaluate(y_true, scores)
    importance = mean_abs_contribution(scorer, x_test, config.seed)
    intervals = {
        "roc_auc": auc_interval(y_true, scores, config.seed),
        "baseline_roc_auc": auc_interval(y_true, baseline_scores, config.seed),
        "gain_over_baseline": paired_auc_difference(y_true, scores, baseline_scores, config.seed),
    }
    # the features the spec left out (empty on every training row, wherever they were counted)
    left_out = [f"'{c}'" for c in feature_columns(split.train) if c not in spec.names]
    gain = intervals["gain_over_baseline"]
    worse = (
        [
            f"Test ROC AUC {gain.estimate:+.4f} below the logistic baseline's, 95% interval "
            f"{gain.low:+.4f} to {gain.high:+.4f}, although validation chose this model: "
            + (
                "it is never promoted automatically."
                if split.is_test_large_enough
                else "the test set is too small to refuse it on; read it before relying on it."
            )
        ]
        if gain.is_below_zero
        else []
    )
    return TrainedModel(
        target=config.target,
        scorer=scorer,
        params=fitted.params,
        num_boost_round=fitted.num_boost_round,
        metrics=metrics,
        baseline_metrics=evaluate(y_true, baseline_scores),
        xgboost_metrics=evaluate(y_true, xgboost_scores),
        intervals=intervals,
        selection={
            "xgboost_weight": weight,
            "chosen": describe_choice(weight),
            "candidates": candidates,
        },
        deciles=decile_table(y_true, scores),
        tuning=tuning,
        split_kind=split.kind,
        test_periods=split.test_periods,
        rows=rows,
        is_test_large_enough=split.is_test_large_enough,
        data_fingerprint=prepared.data_fingerprint,
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
        data_summary=describe_split(split, spec, prepared.train_part),
        warnings=(
            *worse,
            *split.warnings,
            *(
                [f"Left out, empty on every training row: {', '.join(left_out)}."]
                if left_out
                else []
            ),
            *leakage_warnings(importance, metrics.roc_auc),
        ),
    )


IMPORTANCE_ROWS = 50_000


def mean_abs_contribution(scorer: ResponseScorer, matrix: pd.DataFrame, seed: int) -> pd.Series:
    """Global importance: mean absolute contribution (log-odds) per feature, largest first, on
    a seeded sample of at most ``IMPORTANCE_ROWS`` rows (TreeSHAP costs a prediction per tree
    path: a large test set's mean is settled long before its last row)."""
    if len(matrix) > IMPORTANCE_ROWS:
        matrix = matrix.sample(n=IMPORTANCE_ROWS, random_state=seed)
    values = np.abs(scorer.contributions(matrix)).mean(axis=0)
    return pd.Series(values, index=matrix.columns).sort_values(ascending=False)


def predict(booster: xgb.Booster, spec: FeatureSpec, frame: pd.DataFrame) -> np.ndarray:
    """XGBoost alone (uplift arms); response models score through their ``ResponseScorer``."""
    return booster.predict(to_dmatrix(spec.matrix(frame)))
