"""Training stage: load the target's mart, train (pure, ml/modelling), register the version with
its report, and decide its promotion. The decision is written later, once, by ``settle``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from bullseye.core.catalog import (
    CUSTOMER_ID,
    LABEL,
    PERIOD_ID,
    TARGET_NAME,
    TRAINING_REQUIRED,
    require_columns,
)
from bullseye.core.dbt import manifest_hash
from bullseye.core.settings import Settings
from bullseye.core.targets import Target
from bullseye.core.warehouse import read_query, read_relation
from bullseye.reports import write_version_report
from ml.modelling.data import HoldoutSize
from ml.modelling.prepare import Prepared, prepare, tuning_sample
from ml.modelling.train import TrainedModel, TrainingConfig, train_prepared
from ml.modelling.tune import TuningBudget, TuningResult, tune
from ml.registry import promotion, store
from ml.registry.promotion import PromotionDecision
from ml.registry.store import ModelVersion


@dataclass(frozen=True)
class TrainingOutcome:
    model: TrainedModel
    version: ModelVersion
    promotion: PromotionDecision


def training_config(settings: Settings, target: Target) -> TrainingConfig:
    return TrainingConfig(
        target=target.name,
        n_trials=settings.n_trials,
        timeout_s=settings.tuning_timeout_s,
        seed=settings.seed,
        holdout=HoldoutSize(settings.holdout_min_rows, settings.holdout_min_positives),
        min_positives=target.min_positives,
        storage=settings.tuning_storage,
        n_workers=settings.tuning_workers,
        tuning_sample_rows=settings.tuning_sample_rows,
        use_segments=settings.segments_as_feature,
    )


def prepare_training(settings: Settings, target: Target, config: TrainingConfig) -> Prepared:
    """The target's split, features and matrices: on engine spark (a classic session) the
    training rows stay in Spark and the final fit runs there (ml/modelling/spark_train.py)."""
    if settings.engine != "spark" or settings.spark.remote:
        # Over Spark Connect the mart is read into this process: XGBoost's Spark estimator
        # runs its workers as a barrier stage of a classic session, which Connect lacks.
        return prepare(load_training_frame(settings, target), config)
    from bullseye.core.spark import session
    from ml.modelling.spark_train import prepare_on_spark

    frame = session(settings).table(target.training_relation)
    require_columns(frame, target.training_relation, TRAINING_REQUIRED)
    if target.is_behavioural:
        frame = frame.where(frame[TARGET_NAME] == target.name)
    return prepare_on_spark(frame, config, settings.spark.num_workers)


def load_training_frame(
    settings: Settings, target: Target, periods: Sequence[str] | None = None
) -> pd.DataFrame:
    """The target's examples from its kind's training mart (of ``periods`` only, when given:
    read in the warehouse, not filtered after reading a million rows)."""
    if periods is None:
        frame = read_relation(settings, target.training_relation)
    else:
        marks = ", ".join("?" for _ in periods) or "null"  # ids as bound parameters
        sql = f"select * from {target.training_relation} where {PERIOD_ID} in ({marks})"
        frame = read_query(settings, sql, list(periods))
    require_columns(frame, target.training_relation, TRAINING_REQUIRED)
    if target.is_behavioural:
        frame = frame[frame[TARGET_NAME] == target.name].reset_index(drop=True)
    return frame


def truth_contacts(truth_dir: Path | None, columns: list[str]) -> pd.DataFrame | None:
    """The generator's true probabilities per contact, keyed like the training marts."""
    if truth_dir is None or not (Path(truth_dir) / "contacts.parquet").is_file():
        return None
    return pd.read_parquet(
        Path(truth_dir) / "contacts.parquet", columns=["campaign_id", CUSTOMER_ID, *columns]
    ).rename(columns={"campaign_id": PERIOD_ID})


def join_study(settings: Settings, target: Target, worker: int) -> TuningResult:
    """Tune the target's current study as one more worker (``bullseye tune-worker``): the same
    training data, split and sample as the run that trains, hence the same study name, in the
    shared optuna_storage; trials count against the study's one budget."""
    config = training_config(settings, target)
    prepared = prepare_training(settings, target, config)
    budget = TuningBudget(
        config.n_trials,
        config.timeout_s,
        config.seed,
        n_workers=config.n_workers,
        sampler_offset=worker,
    )
    sample = tuning_sample(prepared.train, prepared.valid, config)
    return tune(*sample, budget, config.storage, prepared.study_name)


def oracle_roc_auc(model: TrainedModel, truth: pd.DataFrame | None) -> float | None:
    """ROC AUC of the generator's true probabilities on a campaign-response model's test
    contacts (the test periods are campaigns)."""
    if truth is None:
        return None
    joined = model.test_scores.merge(truth, on=[PERIOD_ID, CUSTOMER_ID], how="inner")
    if joined[LABEL].nunique() < 2:
        return None
    return float(roc_auc_score(joined[LABEL].astype(int), joined["p_response"]))


def train_and_register(
    settings: Settings,
    target: Target,
    run_id: str,
    config: TrainingConfig | None = None,
    truth_dir: Path | None = None,
) -> TrainingOutcome:
    """Train, register and decide whether the new version should replace the champion; nothing
    is promoted yet (``settle`` writes the alias and the report). ``truth_dir``: generator
    ground truth, for the oracle."""
    config = config or training_config(settings, target)
    prepared = prepare_training(settings, target, config)
    truth = truth_contacts(truth_dir, ["p_response"])
    champion = store.champion(settings.models_dir, target.name)
    model = train_prepared(prepared, config)
    reference = {"oracle_roc_auc": oracle_roc_auc(model, truth)}
    version = store.register(model, settings.models_dir, manifest_hash(settings), run_id, reference)
    # the test rows judge the champion too (on a one-date mart: the random 20% the new model
    # never saw)
    decision = promotion.decide(version, champion, prepared.split.test, settings.promotion_margin)
    return TrainingOutcome(model, version, decision)


def settle(
    settings: Settings, outcome: TrainingOutcome, approved: bool, note: str | None = None
) -> str:
    """Write the decided alias, once (call under the warehouse lock), and the version's report
    with what happened: champion when promoted and approved, challenger otherwise (also when
    the champion changed while a person decided). Returns the alias written."""
    decision = outcome.promotion
    alias = promotion.apply(settings.models_dir, outcome.version.target, decision, approved)
    if alias == promotion.CHALLENGER and decision.is_promoted and approved:
        note = f"the champion changed since this decision ({decision.reason})"
    write_version_report(outcome.version, f"{alias}: {note or decision.reason}")
    return alias
