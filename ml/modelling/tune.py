"""Optuna search over XGBoost hyper-parameters on the validation split.

TPE sampling (seeded), median pruning on XGBoost's validation curve through optuna-integration's
callback, early stopping inside every trial, a trial and a wall-clock budget, and an RDB
storage (SQLite by default) so an interrupted study resumes where it stopped.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import warnings
from dataclasses import dataclass

import optuna
import pandas as pd
import sqlalchemy.exc
import xgboost as xgb
from optuna.study import MaxTrialsCallback
from optuna_integration import XGBoostPruningCallback

FIXED_PARAMS = {
    "objective": "binary:logistic",
    "eval_metric": ["auc", "logloss"],  # early stopping watches the last: logloss
    "tree_method": "hist",
    "max_cat_to_onehot": 8,
}
MAX_ROUNDS = 1000
EARLY_STOPPING_ROUNDS = 40
# Report the validation curve to Optuna every this many rounds. Reporting every round made
# each trial write ~100-1000 rows to the RDB storage and read every other trial's curve back
# for the median rule: on 3.5k rows x 85 features that was about 1 s of SQLite per trial
# against 0.17 s of XGBoost (bench/tuning_overhead.py).
REPORT_EVERY = 10

# Progress of long steps: Prefect shows the "bullseye" loggers on the console and in the run's
# logs (PREFECT_LOGGING_EXTRA_LOGGERS, set by the CLI), so a long study never looks hung.
log = logging.getLogger("bullseye.training")


FINISHED = (
    optuna.trial.TrialState.COMPLETE,
    optuna.trial.TrialState.PRUNED,
    optuna.trial.TrialState.FAIL,
)
# Who ran a trial (several machines or processes may share a study): host and process id.
WORKER = f"{socket.gethostname()}:{os.getpid()}"


def study_storage(url: str | None) -> optuna.storages.BaseStorage | str | None:
    """The study's storage: in memory (None), a SQLite file as is, or a shared database
    (PostgreSQL, MySQL) with heartbeats, so that the trial of a worker that died is marked
    failed instead of running for ever."""
    if url is None or url.startswith("sqlite"):
        return url
    # Workers starting together on an empty database race to create Optuna's tables and
    # PostgreSQL's enum types (CREATE ... IF NOT EXISTS covers neither between two
    # transactions): the loser sees a duplicate type (IntegrityError) or table
    # (ProgrammingError) and looks again once the winner is done. Optuna has no option for it.
    for attempt in range(5):
        try:
            return _shared_storage(url)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            if attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))
    raise AssertionError("unreachable")


def _shared_storage(url: str) -> optuna.storages.RDBStorage:
    with warnings.catch_warnings():  # heartbeats are "experimental" since Optuna 2.9
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.storages.RDBStorage(
            url,
            engine_kwargs={"pool_pre_ping": True},
            heartbeat_interval=60,
            grace_period=180,
        )


class SparsePruningCallback(XGBoostPruningCallback):
    """optuna-integration's pruning callback, reporting only every ``every``-th round.

    The library callback has no reporting interval; subclassing keeps its flattening of the
    evaluation log and its pruning rule."""

    def __init__(self, trial: optuna.Trial, observation_key: str, every: int) -> None:
        super().__init__(trial, observation_key)
        self._every = every

    def after_iteration(self, model, epoch: int, evals_log: dict) -> bool:
        if epoch % self._every:
            return False
        return super().after_iteration(model, epoch, evals_log)


@dataclass(frozen=True)
class TuningBudget:
    n_trials: int
    timeout_s: float
    seed: int
    n_threads: int = 2  # XGBoost threads in all, split among the workers
    is_pruning: bool = True  # median pruning on the validation curve (off: for comparison)
    # 0 for the run that trains; a worker joining its study from another process samples with
    # another seed, or it would propose the very trials the first one does
    sampler_offset: int = 0
    n_workers: int = 1  # trials run at once against the one study
    report_every: int = REPORT_EVERY  # rounds between reports to Optuna (pruning checks)

    @property
    def threads_per_trial(self) -> int:
        return max(self.n_threads // self.n_workers, 1)


@dataclass(frozen=True)
class TuningResult:
    params: dict
    best_iteration: int
    valid_auc: float
    n_trials: int
    n_pruned: int
    study_name: str
    history: list[dict]
    # rows the study tuned on (a sample of a large training set), train and validation
    rows: dict[str, int] | None = None


def suggest_params(trial: optuna.Trial) -> dict:
    return {
        "max_depth": trial.suggest_int("max_depth", 2, 7),
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
        "min_child_weight": trial.suggest_float("min_child_weight", 1.0, 100.0, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
        "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 30.0, log=True),
        "reg_alpha": trial.suggest_float("reg_alpha", 1e-3, 10.0, log=True),
    }


def tune(
    dtrain: xgb.DMatrix,
    dvalid: xgb.DMatrix,
    budget: TuningBudget,
    storage: str | None,
    study_name: str,
) -> TuningResult:
    """Search for the parameters with the best validation ROC AUC."""

    def objective(trial: optuna.Trial) -> float:
        trial.set_user_attr("worker", WORKER)
        params = (
            FIXED_PARAMS
            | suggest_params(trial)
            | {
                "seed": budget.seed,
                "nthread": budget.threads_per_trial,
            }
        )
        curves: dict = {}
        booster = xgb.train(
            params,
            dtrain,
            num_boost_round=MAX_ROUNDS,
            evals=[(dvalid, "validation")],
            evals_result=curves,
            early_stopping_rounds=EARLY_STOPPING_ROUNDS,
            callbacks=[SparsePruningCallback(trial, "validation-auc", budget.report_every)],
            verbose_eval=False,
        )
        trial.set_user_attr("best_iteration", int(booster.best_iteration))
        return float(curves["validation"]["auc"][booster.best_iteration])

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=study_name,
        storage=study_storage(storage),
        load_if_exists=True,
        direction="maximize",
        # constant liar: trials running elsewhere count as bad ones while they run, so
        # concurrent workers spread out instead of proposing the same region
        sampler=optuna.samplers.TPESampler(
            seed=budget.seed + budget.sampler_offset, constant_liar=True
        ),
        pruner=(
            optuna.pruners.MedianPruner(
                n_startup_trials=5, n_warmup_steps=10, interval_steps=budget.report_every
            )
            if budget.is_pruning
            else optuna.pruners.NopPruner()
        ),
    )
    done = len(study.get_trials(deepcopy=False, states=FINISHED))
    remaining = max(budget.n_trials - done, 0)
    started = time.monotonic()

    def progress(study: optuna.Study, trial: optuna.trial.FrozenTrial) -> None:
        finished = sum(t.state.is_finished() for t in study.trials)
        best = (
            f"{study.best_value:.4f}"
            if any(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
            else "none yet"
        )
        log.info(
            "Tuning %s: trial %d of %d %s (best validation AUC %s; %.0f s; %s rows, %d features)",
            study_name,
            finished,
            budget.n_trials,
            trial.state.name.lower(),
            best,
            time.monotonic() - started,
            f"{dtrain.num_row():,}",
            dtrain.num_col(),
        )

    if remaining:
        # Workers are Optuna's threads over the shared study; XGBoost releases the GIL while it
        # trains, so they run in parallel. Other processes (or machines) can join the same
        # study through the RDB storage and study name.
        study.optimize(
            objective,
            n_trials=remaining,
            timeout=budget.timeout_s,
            n_jobs=budget.n_workers,
            # the budget is the study's: workers in other processes count against it too
            callbacks=[progress, MaxTrialsCallback(budget.n_trials, states=FINISHED)],
        )
    complete = study.get_trials(states=[optuna.trial.TrialState.COMPLETE])
    if not complete:
        raise RuntimeError(f"Optuna study {study_name!r} finished no trial within its budget.")
    best = study.best_trial
    history = [
        {"number": t.number, "state": t.state.name, "value": t.value, **t.params}
        for t in study.trials
    ]
    return TuningResult(
        params=FIXED_PARAMS | best.params,
        best_iteration=int(best.user_attrs["best_iteration"]),
        valid_auc=float(best.value),
        n_trials=len(study.trials),
        n_pruned=len(study.get_trials(states=[optuna.trial.TrialState.PRUNED])),
        study_name=study_name,
        history=history,
        rows={"train": dtrain.num_row(), "validation": dvalid.num_row()},
    )


def to_dmatrix(features: pd.DataFrame, label: pd.Series | None = None) -> xgb.DMatrix:
    return xgb.DMatrix(features, label=label, enable_categorical=True, nthread=2)
