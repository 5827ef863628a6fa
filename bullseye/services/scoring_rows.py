"""A campaign's rows of the scoring mart, scored: in this process (engine duckdb) or on Spark's
executors (engine spark: only the ranking columns come back, and a sample for drift)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bullseye.core.catalog import (
    CAMPAIGN_ID,
    SCORING_RELATION,
    SCORING_REQUIRED,
    require_columns,
)
from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_query
from ml.activation.score import empty_features, raw_scores
from ml.modelling.uplift import predict_uplift
from ml.registry.store import ModelVersion

log = logging.getLogger("bullseye.activation")
VALUE_SOURCE = "avg_order_value"  # a customer's value when value_from_order_history is set


def _campaign_rows(settings: Settings, relation: str, campaign_id: str) -> pd.DataFrame:
    return read_query(
        settings,
        f"select * from {relation} where campaign_id = ? order by customer_key",
        [campaign_id],
    )


@dataclass(frozen=True)
class ScoredRows:
    """A campaign's scoring-mart rows scored by the model (and the uplift champion)."""

    ranked: pd.DataFrame  # every row: campaign, key and the value column, in key order
    raw: np.ndarray  # the model's raw score of each row of ``ranked``
    uplift: np.ndarray | None
    empty_features: set[str]  # model features null on every row
    monitored: pd.DataFrame  # the rows drift reads and reasons come from: all, or a sample


def score_rows(
    settings: Settings, model: ModelVersion, uplift: ModelVersion | None, campaign_id: str
) -> ScoredRows:
    """Score the campaign's rows of the scoring mart in this process (engine duckdb) or on
    Spark's executors (engine spark, ml/activation/spark_score.py: only the ranking columns
    come back, and a sample of rows for drift)."""
    if settings.engine == "spark":
        return _score_on_spark(settings, model, uplift, campaign_id)
    scoring = require_columns(
        _campaign_rows(settings, SCORING_RELATION, campaign_id), SCORING_RELATION, SCORING_REQUIRED
    )
    log.info("Scoring %s: %s customers with %s", campaign_id, f"{len(scoring):,}", model.version)
    return ScoredRows(
        scoring,
        raw_scores(model, scoring),
        predict_uplift(uplift.load_uplift_arms(), uplift.spec, scoring)[0]
        if uplift is not None and len(scoring)
        else None,
        empty_features(model, scoring),
        scoring,
    )


def _score_on_spark(
    settings: Settings, model: ModelVersion, uplift: ModelVersion | None, campaign_id: str
) -> ScoredRows:
    from bullseye.core.spark import session
    from ml.activation import spark_score

    table = session(settings).table(SCORING_RELATION)
    rows = _of_campaign(require_columns(table, SCORING_RELATION, SCORING_REQUIRED), campaign_id)
    log.info("Scoring %s on Spark's executors with %s", campaign_id, model.version)
    keep = [VALUE_SOURCE] if VALUE_SOURCE in rows.columns else []
    arms = (uplift.load_uplift_arms(), uplift.spec) if uplift is not None else None
    ranked = spark_score.score_on_executors(rows, model.scorer(), arms, keep)
    monitored = spark_score.sample_rows(
        rows, len(ranked), settings.drift_sample_rows, settings.seed
    )
    return ScoredRows(
        ranked,
        ranked[spark_score.RAW_SCORE].to_numpy(),
        ranked[spark_score.UPLIFT].to_numpy() if arms else None,
        spark_score.empty_columns(rows, model.spec.names),
        monitored,
    )


def spark_rows_of(settings: Settings, campaign_id: str, keys: pd.Series) -> pd.DataFrame:
    """The campaign's scoring-mart rows of ``keys`` read from Spark, in their order."""
    from bullseye.core.spark import session
    from ml.activation.spark_score import rows_of

    table = session(settings).table(SCORING_RELATION)
    return rows_of(_of_campaign(table, campaign_id), list(keys))


def _of_campaign(table, campaign_id: str):
    """The campaign's rows of a Spark table (the id a literal, never pasted into SQL)."""
    return table.where(table[CAMPAIGN_ID] == campaign_id)
