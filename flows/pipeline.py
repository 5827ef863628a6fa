"""The ``pipeline`` flow: contract check -> dbt build -> train -> score -> drift and alerts ->
publish (unless gated) -> retrain (when an alert asks for it).

Thin by design: every task calls a plain function from bullseye/, ml/ or monitoring/.
Runs on Prefect's ephemeral local server with no set-up.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import (
    create_link_artifact,
    create_markdown_artifact,
    create_table_artifact,
)
from prefect.cache_policies import NO_CACHE

from bullseye import steps
from bullseye.params import AudiencePolicyParams
from bullseye.settings import Settings
from bullseye.summary import render_summary
from bullseye.targets import Target, TargetKind, get_target, load_targets
from bullseye.warehouse import SCORING_MODELS, resolve_campaign
from flows.dbt import dbt_build
from flows.refresh import refresh_warehouse, start_run
from flows.retrain import trigger_training
from ml.audience import arbitrate
from monitoring.alerts import PublicationGatedError

CAMPAIGN_RESPONSE = TargetKind.CAMPAIGN_RESPONSE.value
SCORING_SELECT = ["--select", *SCORING_MODELS]


@task(name="train", cache_policy=NO_CACHE)
def train(
    settings: Settings, target: Target, run_id: str, truth_dir: Path | None = None
) -> steps.TrainingOutcome:
    outcome = steps.train_and_register(settings, target, run_id, truth_dir=truth_dir)
    report = outcome.version.report_path
    create_link_artifact(
        link=report.as_uri(),
        link_text=f"Model report {target.name} {outcome.version.version}",
        key=f"model-report-{target.name.replace('_', '-')}",
        description=f"{outcome.promotion.alias}: {outcome.promotion.reason}",
    )
    for warning in outcome.model.warnings:
        get_run_logger().warning("Leakage warning for %s: %s", target.name, warning)
    return outcome


@task(name="train-uplift", cache_policy=NO_CACHE)
def train_uplift(
    settings: Settings, target: Target, run_id: str, truth_dir: Path | None = None
) -> steps.UpliftOutcome:
    outcome = steps.train_uplift_and_register(settings, target, run_id, truth_dir)
    if outcome.version is None:
        get_run_logger().info("No uplift model: %s", outcome.skipped)
        return outcome
    create_link_artifact(
        link=outcome.version.report_path.as_uri(),
        link_text=f"Uplift model report {outcome.version.version}",
        key="model-report-campaign-uplift",
        description=f"{outcome.promotion.alias}: {outcome.promotion.reason}",
    )
    return outcome


@task(name="profile-customers", cache_policy=NO_CACHE)
def profile(settings: Settings, as_of: datetime, run_dir: Path) -> steps.ProfileOutcome:
    outcome = steps.profile_customers(settings, as_of, run_dir)
    create_table_artifact(
        table=json.loads(outcome.by_cluster.to_json(orient="records")),
        key="customer-segments",
        description=f"Behavioural clusters (k={outcome.k}); report: {outcome.report_path}",
    )
    return outcome


@task(name="score-candidates", cache_policy=NO_CACHE)
def score_candidates(
    settings: Settings, invocation, campaign_id: str, policy: AudiencePolicyParams
) -> steps.Candidates:
    dbt_build(settings, replace(invocation, scoring_campaign_id=campaign_id), SCORING_SELECT)
    model = steps.registry.resolve(settings.models_dir, CAMPAIGN_RESPONSE, "champion")
    return steps.score_candidates(settings, model, campaign_id, policy)


@task(name="publish-audience", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=5)
def publish_audience(
    settings: Settings,
    candidates: steps.Candidates,
    run_date: datetime,
    run_id: str,
    allocated: set[str] | None,
) -> steps.ScoringOutcome:
    model = steps.registry.resolve(settings.models_dir, CAMPAIGN_RESPONSE, "champion")
    outcome = steps.publish_candidates(settings, model, candidates, run_date, run_id, allocated)
    create_table_artifact(
        table=[outcome.economics | {"policy": outcome.policy.kind}],
        key=f"audience-{_artifact_key(candidates.campaign_id)}",
        description=f"Audience of {candidates.campaign_id}: expected responses, revenue, cost, "
        "profit and ROI of the contacted group",
    )
    return outcome


def _artifact_key(text: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "campaign"


@task(name="monitor-drift", cache_policy=NO_CACHE)
def monitor(
    settings: Settings,
    target: Target,
    candidates: steps.Candidates,
    out_dir: Path,
    run_id: str,
    as_of: datetime,
) -> steps.MonitoringOutcome:
    model = steps.registry.resolve(settings.models_dir, target.name, "champion")
    outcome = steps.monitor_scoring(
        settings, target, model, candidates.campaign_id, candidates.scoring, out_dir, run_id, as_of
    )
    if outcome.alerts:
        lines = [f"- **{a.kind}**: {a.message}" for a in outcome.alerts]
        if outcome.is_gated:
            lines.append(
                f"\nPublication of `{candidates.campaign_id}` is **stopped** until "
                f"`bullseye monitor ack {candidates.campaign_id} --by <name>`."
            )
        create_markdown_artifact(
            markdown=f"# Monitoring alerts: {candidates.campaign_id}\n\n" + "\n".join(lines),
            key=f"alerts-{_artifact_key(candidates.campaign_id)}",
            description=f"Drift report: {outcome.drift.html_path}",
        )
    return outcome


def _uplift_summary(outcome: steps.UpliftOutcome) -> dict:
    if outcome.version is None:
        return {"skipped": outcome.skipped}
    meta = outcome.version.meta
    return {
        "model_version": outcome.version.version,
        "promotion": outcome.promotion.reason,
        "qini_coefficient": meta["metrics"]["qini_coefficient"],
        "propensity_qini_coefficient": meta["propensity_metrics"]["qini_coefficient"],
        "auuc": meta["metrics"]["auuc"],
        "propensity_auuc": meta["propensity_metrics"]["auuc"],
        "true_uplift_capture": meta["reference"].get("true_uplift_capture"),
        "report": str(outcome.version.report_path),
    }


def _run_name() -> str:
    from prefect.runtime import flow_run

    campaign = "+".join(flow_run.parameters.get("campaign_ids") or []) or "next-campaign"
    return f"pipeline-{campaign}-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="pipeline", flow_run_name=_run_name, log_prints=True)
def pipeline(
    landing_dir: Path,
    campaign_ids: list[str] | None = None,
    as_of: datetime | None = None,
    policy: AudiencePolicyParams | None = None,
    truth_dir: Path | None = None,
    home: Path | None = None,
    n_trials: int | None = None,
    audience_filters: dict[str, list[str]] | None = None,
) -> dict:
    """Run Bullseye end to end on a landing folder and publish one scored audience.

    Args:
        landing_dir: folder with one sub-folder (or file) per landing table.
        campaign_ids: campaigns to score; several on the same day are arbitrated (each
            customer goes to the campaign where they have the highest expected value).
            Default: the latest campaign with no contacts yet.
        as_of: the point-in-time moment (UTC); default: now.
        policy: how to select the audience (top_k, threshold, budget, expected_profit, uplift)
            and its numbers; default: every eligible customer ranked by score.
        truth_dir: generator ground truth, to report the oracle ROC AUC.
        home: Bullseye home folder (warehouse, models, runs, audiences).
        n_trials: Optuna trial budget (default from settings).
        audience_filters: profile field -> allowed values, e.g. {"rfm_segment": ["champions"]};
            fields of customer_profiles and segment_label (merged into the policy's filters).
    """
    logger = get_run_logger()
    run = start_run(home, n_trials, as_of)
    settings, as_of_naive, run_id = run.settings, run.as_of, run.run_id
    run_dir = settings.runs_dir / run_id

    targets = load_targets(settings.targets_file)
    target = get_target(targets, CAMPAIGN_RESPONSE)
    refreshed = refresh_warehouse(Path(landing_dir), as_of_naive, settings, targets)
    if campaign_ids:
        campaign_ids = list(dict.fromkeys(resolve_campaign(settings, c) for c in campaign_ids))
    else:
        campaign_ids = [resolve_campaign(settings, None)]
    campaign_id = campaign_ids[0]

    profiled = profile(settings, as_of_naive, run_dir)
    trained = train(settings, target, run_id, truth_dir)
    uplift = train_uplift(settings, target, run_id, truth_dir)
    policy = policy or AudiencePolicyParams()
    if audience_filters:
        policy = policy.model_copy(update={"filters": policy.filters | audience_filters})
    candidates = {
        c: score_candidates(settings, refreshed.invocation, c, policy) for c in campaign_ids
    }
    allocated, allocation = (
        arbitrate({c: k.scores for c, k in candidates.items()})
        if len(candidates) > 1
        else ({campaign_id: None}, None)
    )
    if allocation is not None:
        create_table_artifact(
            table=json.loads(allocation.to_json(orient="records")),
            key="campaign-allocation",
            description="Next-best-offer arbitration between the campaigns scored this run",
        )
    monitored = {
        c: monitor(settings, target, candidates[c], run_dir / "drift" / c, run_id, as_of_naive)
        for c in campaign_ids
    }
    outcomes, gated = {}, {}
    for c in campaign_ids:
        try:
            steps.gates(settings).check(c)
        except PublicationGatedError as error:
            gated[c] = error
            logger.warning("%s", error)
            continue
        outcomes[c] = publish_audience(settings, candidates[c], as_of_naive, run_id, allocated[c])
    alerts = [a for m in monitored.values() for a in m.alerts]
    retraining = (
        trigger_training(settings, target.name, Path(landing_dir), as_of_naive)
        if alerts and settings.drift_retrain
        else None
    )
    if campaign_id in gated:
        raise gated[campaign_id]
    scoring, drifted = outcomes[campaign_id], monitored[campaign_id].drift

    model = trained.model
    summary = {
        "run_id": run_id,
        "as_of": as_of_naive.isoformat(),
        "landing_dir": str(Path(landing_dir).resolve()),
        "campaign_id": campaign_id,
        "model_version": trained.version.version,
        "model_path": str(trained.version.path),
        "promotion": trained.promotion.reason,
        "split": model.split_kind,
        "test_periods": list(model.test_periods),
        "test_roc_auc": model.metrics.roc_auc,
        "baseline_roc_auc": model.baseline_metrics.roc_auc,
        "oracle_roc_auc": trained.version.meta["reference"]["oracle_roc_auc"],
        "test_pr_auc": model.metrics.pr_auc,
        "test_log_loss": model.metrics.log_loss,
        "top_decile_lift": model.metrics.top_decile_lift,
        "baseline_top_decile_lift": model.baseline_metrics.top_decile_lift,
        "calibration": model.calibration["method"],
        "test_brier_before_calibration": model.calibration["test_brier_before"],
        "test_brier_after_calibration": model.calibration["test_brier_after"],
        "tuning_trials": model.tuning.n_trials,
        "tuning_pruned": model.tuning.n_pruned,
        "model_report": str(trained.version.report_path),
        "leakage_warnings": list(model.warnings),
        "deciles": model.deciles.to_dict(orient="records"),
        "uplift": _uplift_summary(uplift),
        "policy": scoring.policy.describe(),
        "audience_economics": scoring.economics,
        "eligibility": scoring.eligibility,
        "publication_diff": scoring.publication.diff,
        "scoring_model_version": scoring.model_version,
        "eligible_customers": scoring.scored,
        "audience_filters": policy.filters,
        "audience_size": len(scoring.audience),
        "audience_by_group": scoring.publication.rows_by_group,
        "audience_files": {
            "csv": str(scoring.publication.csv_path),
            "parquet": str(scoring.publication.parquet_path),
            "manifest": str(scoring.publication.manifest_path),
        },
        "drift_report": str(drifted.html_path),
        "profile_report": str(profiled.report_path),
        "segments": profiled.by_cluster[["segment_label", "customers"]].to_dict(orient="records"),
        "drift_report_json": str(drifted.json_path),
        "drifted_feature_share": drifted.drifted_share,
        "drifted_features": list(drifted.drifted_features),
        "prediction_drift": drifted.is_prediction_drifted,
        "alerts": [a.as_dict() for a in alerts],
        "gated_campaigns": sorted(gated),
        "retraining": retraining,
        "monitoring_snapshots": {c: m.snapshot_id for c, m in monitored.items()},
        "other_campaigns": {
            c: {
                "audience_size": len(o.audience),
                "audience_by_group": o.publication.rows_by_group,
                "audience_economics": o.economics,
                "csv": str(o.publication.csv_path),
            }
            for c, o in outcomes.items()
            if c != campaign_id
        },
        "allocation": [] if allocation is None else allocation.to_dict(orient="records"),
        "row_reconciliation": refreshed.reconciliation,
        "data_quality": refreshed.data_quality,
    }
    summary_path = steps.write_summary(run_dir, summary)
    summary["summary_path"] = str(summary_path)
    text = render_summary(summary)
    print(text)
    create_markdown_artifact(
        markdown=f"```\n{text}\n```", key="pipeline-summary", description="Bullseye run summary"
    )
    create_table_artifact(
        table=model.deciles.round(4).to_dict(orient="records"), key="test-deciles"
    )
    logger.info("Summary written to %s", summary_path)
    return summary
