"""What ``model.json`` holds, typed: the registry's contract with every reader of a version.

The file keeps every key it had before this model existed (and now writes absent optional
fields as null, plus ``kind`` on response models); reading it through
``ModelMeta`` means a missing or renamed field fails on load, naming the field, instead of as a
``KeyError`` deep in a scoring run.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RESPONSE, UPLIFT = "response", "uplift"


class FeaturesMeta(BaseModel):
    model_config = ConfigDict(frozen=True)

    numeric: list[str]
    categorical: dict[str, list[str]]
    segmenter: dict[str, Any] | None = None


class SplitMeta(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str | None = None  # how the periods were split (response models)
    test_periods: list[str]
    rows: dict[str, int]
    is_test_large_enough: bool = True  # holdout minimums met (older versions: assumed)


class TuningMeta(BaseModel):
    model_config = ConfigDict(frozen=True)

    study_name: str
    n_trials: int
    n_pruned: int
    valid_auc: float | None = None
    rows: dict[str, int] | None = None  # rows tuned on (a sample of a large training set)


class ModelMeta(BaseModel):
    """One registered version's metadata. Response models carry baseline metrics, calibration,
    importance and tuning; uplift models carry the propensity ranking's metrics instead."""

    model_config = ConfigDict(frozen=True, protected_namespaces=())

    target: str
    kind: Literal["response", "uplift"] = RESPONSE
    version: str
    created_at: str
    run_id: str | None = None
    features: FeaturesMeta
    params: dict[str, Any]
    num_boost_round: int | dict[str, int]
    metrics: dict[str, float | int | None]
    baseline_metrics: dict[str, float | int | None] | None = None
    xgboost_metrics: dict[str, float | int | None] | None = None  # XGBoost alone, on test
    # test ROC AUCs and the gain over the baseline: {"estimate", "low", "high"} (95% bootstrap)
    intervals: dict[str, dict[str, float | None]] = Field(default_factory=dict)
    blend_weight: float = 1.0  # XGBoost's share of the log-odds; the baseline has the rest
    selection: dict[str, Any] | None = None  # why that weight: validation AUC per candidate
    propensity_metrics: dict[str, float | int | None] | None = None
    reference: dict[str, Any] = Field(default_factory=dict)
    importance: dict[str, float] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    data_summary: dict[str, Any] | None = None
    calibration: dict[str, Any] | None = None
    split: SplitMeta
    tuning: TuningMeta | None = None
    data_fingerprint: str
    dbt_manifest_hash: str | None = None
    code_version: str
    xgboost_version: str

    @property
    def is_uplift(self) -> bool:
        return self.kind == UPLIFT

    @property
    def promotion_metric(self) -> str:
        """What promotion compares: ROC AUC, or the Qini coefficient for uplift models."""
        return "qini_coefficient" if self.is_uplift else "roc_auc"

    def as_json(self) -> dict[str, Any]:
        """The ``model.json`` document (and what the HTML reports render)."""
        return self.model_dump(mode="json")
