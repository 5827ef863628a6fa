"""Groups of settings kept apart from bullseye.core.settings, which combines them.

``SparkSettings`` is nested (``settings.spark.master``, env ``BULLSEYE_SPARK__MASTER``);
``MonitoringSettings`` holds flat fields that ``Settings`` inherits (``BULLSEYE_DRIFT_*`` and
the rest keep their names).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings


class SparkSettings(BaseModel):
    """Engine spark: the session Bullseye starts (or the cluster it joins) and training on it."""

    master: str = Field(
        default="local[2]",
        description="Spark master of the session Bullseye starts (engine spark, no "
        "remote): `local[N]` on one machine, or a cluster manager's URL.",
    )
    remote: str | None = Field(
        default=None,
        description="Spark Connect URL of a cluster (`sc://host:15002`); replaces master.",
    )
    warehouse_dir: str | None = Field(
        default=None,
        description="Where Spark keeps the warehouse's tables (a path or an object-storage URL; "
        "default: <home>/warehouse/spark).",
    )
    shuffle_partitions: int = Field(
        default=8,
        ge=1,
        description="spark.sql.shuffle.partitions of the session (Spark's default 200 suits a "
        "cluster, not one machine).",
    )
    num_workers: int = Field(
        default=2,
        ge=1,
        description="Spark tasks XGBoost trains with on engine spark (one per executor core "
        "given to training).",
    )


class MonitoringSettings(BaseSettings):
    """Drift, performance and alerting thresholds (monitoring/, the monitor flow)."""

    drift_max_share: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Alert when more than this share of the model's features drifted.",
    )
    drift_key_features: list[str] = Field(
        default=["recency_days", "orders_90d", "spend_90d", "avg_order_value"],
        description="Alert when any of these features drifted, whatever the share.",
    )
    prediction_drift_threshold: float = Field(
        default=0.3,
        ge=0,
        description="Alert when the score distribution moved more than this (Wasserstein "
        "distance normed by the reference's standard deviation).",
    )
    auc_max_drop: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Alert when a campaign's realised ROC AUC falls this far below the model's "
        "test ROC AUC.",
    )
    calibration_max_gap: float = Field(
        default=0.25,
        gt=0,
        description="Alert when a measured campaign's realised response rate differs from the "
        "model's mean predicted probability by more than this share of it (and lies outside "
        "the realised rate's 95% interval); needs no control group.",
    )
    drift_gate: bool = Field(
        default=False,
        description="On a drift alert, stop publishing that campaign until someone runs "
        "`bullseye monitor ack`.",
    )
    drift_retrain: bool = Field(
        default=False,
        description="On a drift or performance alert, start the training deployment (or the "
        "training flow when no Prefect server runs).",
    )
    apprise_url: str | None = Field(
        default=None,
        description="Send alerts through this Apprise URL (mailto://, slack://, json://...).",
    )
    drift_sample_rows: int = Field(
        default=50_000,
        ge=1_000,
        description="Drift checks compare seeded samples of at most this many rows per side.",
    )


class RecommendSettings(BaseModel):
    """Product recommendations (ml/recommend): evaluation split, offers, exclusion rules."""

    k: int = Field(default=10, ge=1, le=100, description="Products ranked per customer.")
    horizon_days: int = Field(
        default=60,
        ge=1,
        description="Evaluation window: methods are fitted on purchases before the newest "
        "purchase minus this many days and judged on what customers bought in them.",
    )
    recent_days: int = Field(
        default=30,
        ge=0,
        description="A product the customer bought this recently is not offered again, unless "
        "its category repeats (consumables).",
    )
    min_repeat_share: float = Field(
        default=0.2,
        ge=0,
        le=1,
        description="A category repeats when this share of its customer-product pairs was "
        "bought in two orders or more.",
    )
    methods: list[Literal["co_purchase", "content", "als", "bpr"]] = Field(
        default=["co_purchase", "content", "als", "bpr"],
        description="Methods evaluated beside popularity; the best NDCG@k recommends.",
    )


class ValueSettings(BaseModel):
    """Customer lifetime value (ml/value): the horizon predicted and how it is judged."""

    horizon_days: int = Field(
        default=180,
        ge=30,
        description="CLV is the spend predicted over this many days after the as-of moment; "
        "the holdout judging it is the last such period of the history.",
    )
    min_customers: int = Field(
        default=200,
        ge=10,
        description="Fewer customers with history before the holdout than this: no CLV model.",
    )
