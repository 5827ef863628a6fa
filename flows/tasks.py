"""The pipeline's Prefect tasks, shared by the flows. Each calls one service (bullseye/services)
and adds the artifacts a person reviews in the UI."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from prefect import Task, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from bullseye.core.params import AudiencePolicyParams
from bullseye.core.settings import Settings
from bullseye.core.targets import Target, TargetKind
from bullseye.services import (
    customer_value,
    profiling,
    publishing,
    recommendations,
    scoring,
    training,
    uplift,
)
from bullseye.services import monitoring as monitoring_service
from ml.registry.store import ModelVersion

CAMPAIGN_RESPONSE = TargetKind.CAMPAIGN_RESPONSE.value
HOUR = 3_600


def artifact_key(text: str) -> str:
    """Prefect artifact keys allow lower-case letters, digits and dashes only."""
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-") or "campaign"


@task(name="train", cache_policy=NO_CACHE, timeout_seconds=6 * HOUR)
def train(
    settings: Settings, target: Target, run_id: str, truth_dir: Path | None = None
) -> training.TrainingOutcome:
    outcome = training.train_and_register(settings, target, run_id, truth_dir=truth_dir)
    create_link_artifact(
        link=outcome.version.report_path.as_uri(),
        link_text=f"Model report {target.name} {outcome.version.version}",
        key=f"model-report-{artifact_key(target.name)}",
        description=f"{outcome.promotion.alias}: {outcome.promotion.reason}",
    )
    for warning in outcome.model.warnings:
        get_run_logger().warning("Model warning for %s: %s", target.name, warning)
    return outcome


@task(name="train-uplift", cache_policy=NO_CACHE, timeout_seconds=6 * HOUR)
def train_uplift(
    settings: Settings, target: Target, run_id: str, truth_dir: Path | None = None
) -> uplift.UpliftOutcome:
    outcome = uplift.train_uplift_and_register(settings, target, run_id, truth_dir)
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
def profile(settings: Settings, as_of: datetime, run_dir: Path) -> profiling.ProfileOutcome:
    outcome = profiling.profile_customers(settings, as_of, run_dir)
    for what, why in outcome.not_computed.items():
        get_run_logger().warning("Customer profiles: %s not computed (%s)", what, why)
    create_table_artifact(
        table=json.loads(outcome.by_cluster.to_json(orient="records")),
        key="customer-segments",
        description=f"Behavioural clusters (k={outcome.k}); report: {outcome.report_path}"
        + "".join(f"; not computed: {what} ({why})" for what, why in outcome.not_computed.items()),
    )
    return outcome


@task(name="score-candidates", cache_policy=NO_CACHE, timeout_seconds=2 * HOUR)
def score_candidates(
    settings: Settings, model: ModelVersion, campaign_id: str, policy: AudiencePolicyParams
) -> scoring.Candidates:
    """Reads the campaign's rows of the scoring marts (built by the refresh): no dbt here."""
    return scoring.score_candidates(settings, model, campaign_id, policy)


# Publishing touches files, the warehouse and maybe a webhook. Each attempt is all-or-nothing
# and idempotent, so a retry never duplicates; this task's retries are the only retry layer
# (the webhook makes one request per batch per attempt), with attempts and back-off from
# settings: see publish_audience.
@task(name="publish-audience", cache_policy=NO_CACHE, timeout_seconds=HOUR)
def _publish_audience(
    settings: Settings,
    candidates: scoring.Candidates,
    run_date: datetime,
    run_id: str,
    allocated: set[str] | None,
) -> publishing.ScoringOutcome:
    outcome = publishing.publish_candidates(settings, candidates, run_date, run_id, allocated)
    create_table_artifact(
        table=[outcome.economics | {"policy": outcome.policy.kind}],
        key=f"audience-{artifact_key(candidates.campaign_id)}",
        description=f"Audience of {candidates.campaign_id}: expected responses, revenue, cost, "
        "profit and ROI of the contacted group",
    )
    return outcome


def publishing_task(settings: Settings) -> Task:
    """The publish-audience task with the attempts and back-off of ``settings``
    (``publish_attempts``; waits of ``publish_backoff_s``, doubling)."""
    retries = settings.publish_attempts - 1
    return _publish_audience.with_options(
        retries=retries,
        retry_delay_seconds=exponential_backoff(settings.publish_backoff_s)(retries) or 0,
    )


def publish_audience(
    settings: Settings,
    candidates: scoring.Candidates,
    run_date: datetime,
    run_id: str,
    allocated: set[str] | None,
) -> publishing.ScoringOutcome:
    """Publish a campaign's audience in the publish-audience task (retried as set)."""
    return publishing_task(settings)(settings, candidates, run_date, run_id, allocated)


@task(name="monitor-drift", cache_policy=NO_CACHE, timeout_seconds=HOUR)
def monitor(
    settings: Settings,
    target: Target,
    candidates: scoring.Candidates,
    out_dir: Path,
    run_id: str,
    as_of: datetime,
) -> monitoring_service.MonitoringOutcome:
    outcome = monitoring_service.monitor_scoring(
        settings,
        target,
        candidates.model,
        candidates.campaign_id,
        candidates.scoring,
        out_dir,
        run_id,
        as_of,
    )
    for column, finding in outcome.drift.findings.items():
        get_run_logger().warning("Drift: %s not tested (%s)", column, finding)
    if outcome.alerts:
        lines = [f"- **{a.kind}**: {a.message}" for a in outcome.alerts]
        if outcome.is_gated:
            lines.append(
                f"\nPublication of `{candidates.campaign_id}` is **stopped** until "
                f"`bullseye monitor ack {candidates.campaign_id} --by <name>`."
            )
        create_markdown_artifact(
            markdown=f"# Monitoring alerts: {candidates.campaign_id}\n\n" + "\n".join(lines),
            key=f"alerts-{artifact_key(candidates.campaign_id)}",
            description=f"Drift report: {outcome.drift.html_path}",
        )
    return outcome


@task(name="recommend-products", cache_policy=NO_CACHE, timeout_seconds=2 * HOUR)
def recommend(
    settings: Settings, as_of: datetime, run_dir: Path
) -> recommendations.RecommendationRun | None:
    """Judge the recommenders, write publish.recommendations; the report as artifacts."""
    outcome = recommendations.recommend_products(settings, as_of, run_dir)
    if outcome is None:
        get_run_logger().info("No order lines in the landing: no product recommendations")
        return None
    create_table_artifact(
        table=outcome.evaluation,
        key="recommendation-evaluation",
        description=f"Methods at k={outcome.k} on purchases from {outcome.cutoff[:10]} "
        f"({outcome.evaluated_customers:,} customers); recommending with {outcome.method}",
    )
    create_link_artifact(
        link=Path(outcome.report_path).as_uri(),
        link_text="Product recommendations report",
        key="recommendation-report",
    )
    return outcome


@task(name="customer-value", cache_policy=NO_CACHE, timeout_seconds=2 * HOUR)
def value(settings: Settings, as_of: datetime, run_dir: Path) -> customer_value.ValueRun | None:
    """Fit and judge the lifetime-value model, write publish.customer_value, rebuild profiles."""
    outcome = customer_value.value_customers(settings, as_of, run_dir)
    if outcome is not None:
        create_markdown_artifact(markdown=outcome.describe(), key="customer-value")
        get_run_logger().info(outcome.describe())
    return outcome
