"""Typed results that flows hand to the summary: the scoring stage of a run, and the pipeline's
summary (``summary.json`` keeps the keys it always had)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from bullseye.services.monitoring import MonitoringOutcome
from bullseye.services.publishing import ScoringOutcome
from monitoring.alerts import Alert
from monitoring.gates import PublicationGatedError


@dataclass(frozen=True)
class ScoringStage:
    """What scoring a run's campaigns left: published outcomes, drift per campaign, gated
    campaigns, the arbitration between campaigns, alerts and any retraining started."""

    campaign_ids: list[str]
    outcomes: dict[str, ScoringOutcome]
    monitored: dict[str, MonitoringOutcome]
    gated: dict[str, PublicationGatedError]
    allocation: list[dict]
    alerts: list[Alert]
    retraining: dict | None

    def campaign_summary(self, campaign_id: str) -> dict[str, Any]:
        o = self.outcomes[campaign_id]
        return {
            "audience_size": len(o.audience),
            "audience_by_group": o.publication.rows_by_group,
            "audience_economics": o.economics,
            "eligibility": o.eligibility,
            "files": str(o.publication.folder),
            "csv": str(o.publication.csv_path),
            "model_version": o.model_version,
            "empty_reason": o.empty_reason,
        }


class PipelineSummary(BaseModel):
    """One pipeline run, as ``summary.json`` and the terminal summary show it."""

    model_config = ConfigDict(protected_namespaces=(), frozen=True)

    run_id: str
    as_of: str
    landing_dir: str
    campaign_id: str
    # the model trained this run
    model_version: str
    model_path: str
    promotion: str
    split: str
    test_periods: list[str]
    test_roc_auc: float
    baseline_roc_auc: float
    oracle_roc_auc: float | None
    test_pr_auc: float
    test_log_loss: float
    top_decile_lift: float
    baseline_top_decile_lift: float
    calibration: str
    test_brier_before_calibration: float
    test_brier_after_calibration: float
    tuning_trials: int
    tuning_pruned: int
    model_report: str
    leakage_warnings: list[str]
    deciles: list[dict[str, Any]]
    uplift: dict[str, Any]
    # the first campaign's audience
    policy: dict[str, Any]
    audience_economics: dict[str, Any]
    eligibility: dict[str, int]
    publication_diff: dict[str, int]
    scoring_model_version: str
    eligible_customers: int
    audience_filters: dict[str, list[str]]
    audience_size: int
    audience_by_group: dict[str, int]
    audience_files: dict[str, str]
    empty_audience_reason: str | None  # why the first campaign's audience is empty, if it is
    # monitoring and profiles
    drift_report: str
    profile_report: str
    segments: list[dict[str, Any]]
    # what the profiles and segments could not give, and why (e.g. no orders in the landing)
    profiles_not_computed: dict[str, str] = {}
    drift_report_json: str
    drifted_feature_share: float
    drifted_features: list[str]
    drift_findings: dict[str, str]  # columns left out of the drift test, and why
    prediction_drift: bool
    alerts: list[dict[str, Any]]
    gated_campaigns: list[str]
    retraining: dict[str, Any] | None
    monitoring_snapshots: dict[str, str]
    other_campaigns: dict[str, dict[str, Any]]
    allocation: list[dict[str, Any]]
    # the warehouse refresh
    row_reconciliation: dict[str, dict[str, Any]]
    data_quality: list[dict[str, Any]]
    summary_path: str | None = None
    # what to offer and what customers are worth (None: no order lines / too little history)
    recommendations: dict[str, Any] | None = None
    customer_value: dict[str, Any] | None = None
    top_offers: list[dict[str, Any]] = []  # the audience's most frequent first offers
