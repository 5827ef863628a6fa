"""The ``pipeline`` flow: contract check -> dbt build -> train -> score -> drift and alerts ->
publish (unless gated) -> retrain (when an alert asks for it).

Thin by design: every task calls one service of bullseye/services. Runs on Prefect's ephemeral
local server with no set-up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact
from pydantic import Field

from bullseye.core.ids import CampaignId
from bullseye.core.locks import warehouse_lock
from bullseye.core.params import AudiencePolicyParams
from bullseye.core.targets import get_target, load_targets
from bullseye.services.scoring import resolve_campaigns
from bullseye.services.summary import render_summary
from flows.approval import (
    await_approval,
    can_pause,
    hold_for_approval,
    needs_approval,
    settle_answer,
    settle_now,
)
from flows.context import start_run
from flows.pipeline_summary import pipeline_summary
from flows.refresh import refresh_warehouse
from flows.retrain import retrain_on_alerts
from flows.score import scoring_stage
from flows.tasks import CAMPAIGN_RESPONSE, profile, recommend, train, train_uplift, value


def _run_name() -> str:
    from prefect.runtime import flow_run

    campaign = "+".join(flow_run.parameters.get("campaign_ids") or []) or "next-campaign"
    return f"pipeline-{campaign}-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="pipeline", flow_run_name=_run_name, log_prints=True)
def pipeline(
    landing_dir: Path,
    campaign_ids: list[CampaignId] | None = None,
    as_of: datetime | None = None,
    policy: AudiencePolicyParams | None = None,
    truth_dir: Path | None = None,
    home: Path | None = None,
    n_trials: Annotated[int | None, Field(ge=1)] = None,
    tuning_timeout_s: Annotated[float | None, Field(gt=0)] = None,
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
        tuning_timeout_s: Optuna wall-clock budget in seconds (default from settings).
        audience_filters: profile field -> allowed values, e.g. {"rfm_segment": ["champions"]};
            fields of customer_profiles and segment_label (merged into the policy's filters).
    """
    run = start_run(home, as_of, n_trials=n_trials, tuning_timeout_s=tuning_timeout_s)
    settings, run_id = run.settings, run.run_id
    landing_dir = Path(landing_dir)
    targets = load_targets(settings.targets_file)
    target = get_target(targets, CAMPAIGN_RESPONSE)
    policy = policy or AudiencePolicyParams()
    if audience_filters:
        policy = policy.model_copy(update={"filters": policy.filters | audience_filters})
    requested = list(campaign_ids or [])

    def score_and_publish(refreshed, approval):
        """The scoring stage, and the run's summary (None when its first campaign was gated)."""
        campaigns = resolve_campaigns(settings, campaign_ids)
        uplift = train_uplift(settings, target, run_id, truth_dir)
        stage = scoring_stage(settings, target, campaigns, policy, run_id, run.as_of)
        if campaigns[0] in stage.gated:
            return stage, None
        return stage, pipeline_summary(
            run,
            landing_dir,
            refreshed,
            profiled,
            trained,
            approval,
            uplift,
            stage,
            policy,
            recommended,
            valued,
        )

    with warehouse_lock(settings, f"pipeline {run_id}"):
        refreshed = refresh_warehouse(
            landing_dir, run.as_of, settings, targets, requested, behaviour_training=False
        )
        resolve_campaigns(settings, campaign_ids)  # an unknown campaign stops before training
        profiled = profile(settings, run.as_of, run.run_dir)
        valued = value(settings, run.as_of, run.run_dir)
        recommended = recommend(settings, run.as_of, run.run_dir)
        trained = train(settings, target, run_id, truth_dir)
        pauses = needs_approval(settings, trained) and can_pause()
        if pauses:
            hold_for_approval(settings, trained)  # the champion stays while a person decides
        else:  # one hold of the lock: nothing else rebuilds the marts in between
            stage, summary = score_and_publish(refreshed, settle_now(settings, trained))
    if pauses:
        # Outside the lock: a run waiting (up to a day) for a person must not hold up every
        # other run that writes the warehouse.
        answer = await_approval(settings, trained)
        with warehouse_lock(settings, f"pipeline {run_id}"):
            approval = settle_answer(settings, trained, answer)
            # other runs may have rebuilt the marts while this one waited
            refreshed = refresh_warehouse(
                landing_dir, run.as_of, settings, targets, requested, behaviour_training=False
            )
            stage, summary = score_and_publish(refreshed, approval)
    # Outside the lock: training refreshes the warehouse itself (and may wait for approval).
    retraining = retrain_on_alerts(settings, target.name, stage.alerts, landing_dir, run.as_of)
    if summary is None:  # the first campaign's publication is gated: the run stops here
        raise stage.gated[stage.campaign_ids[0]]
    summary = summary.model_copy(
        update={"retraining": retraining, "summary_path": str(run.run_dir / "summary.json")}
    )
    text = render_summary(summary)
    print(text)
    result = run.close(summary, f"```\n{text}\n```", "pipeline-summary", "Bullseye run summary")
    create_table_artifact(table=result["deciles"], key="test-deciles")
    create_table_artifact(
        table=[{"metric": k, "value": result[k]} for k in METRICS], key="model-metrics"
    )
    create_table_artifact(
        table=[{"table": t} | r for t, r in result["row_reconciliation"].items()],
        key="row-reconciliation",
    )
    get_run_logger().info("Summary written to %s", result["summary_path"])
    return result


METRICS = (
    "test_roc_auc",
    "baseline_roc_auc",
    "oracle_roc_auc",
    "test_pr_auc",
    "test_log_loss",
    "top_decile_lift",
    "baseline_top_decile_lift",
    "test_brier_after_calibration",
)
