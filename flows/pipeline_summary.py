"""The pipeline's typed summary, assembled from what each stage returned."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from bullseye.core.params import AudiencePolicyParams
from bullseye.services.customer_value import ValueRun
from bullseye.services.profiling import ProfileOutcome
from bullseye.services.recommendations import RecommendationRun, top_offers
from bullseye.services.results import PipelineSummary, ScoringStage
from bullseye.services.training import TrainingOutcome
from bullseye.services.uplift import UpliftOutcome
from flows.context import RunContext
from flows.refresh import Refresh
from monitoring.drift import DriftResult

OTHER_CAMPAIGN_KEYS = ("audience_size", "audience_by_group", "audience_economics", "csv")


def pipeline_summary(
    run: RunContext,
    landing_dir: Path,
    refreshed: Refresh,
    profiled: ProfileOutcome,
    trained: TrainingOutcome,
    approval: str | None,
    uplift: UpliftOutcome,
    stage: ScoringStage,
    policy: AudiencePolicyParams,
    recommended: RecommendationRun | None = None,
    valued: ValueRun | None = None,
) -> PipelineSummary:
    campaign_id = stage.campaign_ids[0]
    scoring, model = stage.outcomes[campaign_id], trained.model
    monitored = stage.monitored.get(campaign_id)  # None when nobody was left to score
    drifted = monitored.drift if monitored else None
    publication = scoring.publication
    return PipelineSummary(
        run_id=run.run_id,
        as_of=run.as_of.isoformat(),
        landing_dir=str(Path(landing_dir).resolve()),
        campaign_id=campaign_id,
        model_version=trained.version.version,
        model_path=str(trained.version.path),
        promotion=approval or trained.promotion.reason,
        split=model.split_kind,
        test_periods=list(model.test_periods),
        test_roc_auc=model.metrics.roc_auc,
        baseline_roc_auc=model.baseline_metrics.roc_auc,
        oracle_roc_auc=trained.version.meta.reference.get("oracle_roc_auc"),
        test_pr_auc=model.metrics.pr_auc,
        test_log_loss=model.metrics.log_loss,
        top_decile_lift=model.metrics.top_decile_lift,
        baseline_top_decile_lift=model.baseline_metrics.top_decile_lift,
        calibration=model.calibration["method"],
        test_brier_before_calibration=model.calibration["test_brier_before"],
        test_brier_after_calibration=model.calibration["test_brier_after"],
        tuning_trials=model.tuning.n_trials,
        tuning_pruned=model.tuning.n_pruned,
        model_report=str(trained.version.report_path),
        leakage_warnings=list(model.warnings),
        deciles=model.deciles.to_dict(orient="records"),
        uplift=uplift.summary(),
        policy=scoring.policy.describe(),
        audience_economics=scoring.economics,
        eligibility=scoring.eligibility,
        publication_diff=publication.diff,
        scoring_model_version=scoring.model_version,
        eligible_customers=scoring.eligibility["eligible"],
        audience_filters=policy.filters,
        audience_size=len(scoring.audience),
        audience_by_group=publication.rows_by_group,
        audience_files={
            "csv": str(publication.csv_path),
            "parquet": str(publication.parquet_path),
            "manifest": str(publication.manifest_path),
        },
        empty_audience_reason=scoring.empty_reason,
        profile_report=str(profiled.report_path),
        segments=profiled.by_cluster[["segment_label", "customers"]].to_dict(orient="records"),
        profiles_not_computed=profiled.not_computed,
        **_drift_fields(drifted),
        alerts=[a.as_dict() for a in stage.alerts],
        gated_campaigns=sorted(stage.gated),
        retraining=stage.retraining,
        monitoring_snapshots={c: m.snapshot_id for c, m in stage.monitored.items()},
        other_campaigns={
            c: {k: stage.campaign_summary(c)[k] for k in OTHER_CAMPAIGN_KEYS}
            for c in stage.outcomes
            if c != campaign_id
        },
        allocation=stage.allocation,
        row_reconciliation=refreshed.reconciliation,
        data_quality=refreshed.data_quality,
        recommendations=asdict(recommended) | {"text": recommended.describe()}
        if recommended
        else None,
        customer_value=asdict(valued) | {"text": valued.describe()} if valued else None,
        top_offers=top_offers(run.settings, scoring.audience) if recommended else [],
    )


def _drift_fields(drifted: DriftResult | None) -> dict:
    """The summary's drift fields; with no drift check (nobody to score), empty ones that say
    so in ``drift_findings``."""
    if drifted is None:
        return {
            "drift_report": "",
            "drift_report_json": "",
            "drifted_feature_share": 0.0,
            "drifted_features": [],
            "drift_findings": {"scoring set": "not checked: no customer to score"},
            "prediction_drift": False,
        }
    return {
        "drift_report": str(drifted.html_path),
        "drift_report_json": str(drifted.json_path),
        "drifted_feature_share": drifted.drifted_share,
        "drifted_features": list(drifted.drifted_features),
        "drift_findings": drifted.findings,
        "prediction_drift": drifted.is_prediction_drifted,
    }
