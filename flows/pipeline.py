"""The ``pipeline`` flow: contract check -> dbt build -> train -> score -> drift and alerts ->
publish (unless gated) -> retrain (when an alert asks for it).

Thin by design: every task calls a plain function from bullseye/, ml/ or monitoring/.
Runs on Prefect's ephemeral local server with no set-up.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Annotated, NamedTuple

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from pydantic import Field

from bullseye.core.locks import warehouse_lock
from bullseye.core.params import AudiencePolicyParams
from bullseye.core.targets import get_target, load_targets
from bullseye.services import steps
from bullseye.services.summary import render_summary
from flows.approval import approve_promotion, can_pause, needs_approval
from flows.refresh import Refresh, refresh_warehouse, start_run
from flows.score import resolve_campaigns, scoring_stage
from flows.tasks import CAMPAIGN_RESPONSE, profile, train, train_uplift, uplift_summary


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
    logger = get_run_logger()
    run = start_run(home, as_of, n_trials=n_trials, tuning_timeout_s=tuning_timeout_s)
    settings, run_id = run.settings, run.run_id
    landing_dir = Path(landing_dir)
    targets = load_targets(settings.targets_file)
    target = get_target(targets, CAMPAIGN_RESPONSE)
    score_and_publish = partial(
        _score,
        settings,
        run,
        landing_dir,
        target,
        campaign_ids,
        policy,
        truth_dir,
        audience_filters,
    )
    with warehouse_lock(settings, f"pipeline {run_id}"):
        refreshed = refresh_warehouse(landing_dir, run.as_of, settings, targets)
        profiled = profile(settings, run.as_of, settings.runs_dir / run_id)
        trained = train(settings, target, run_id, truth_dir)
        pauses = needs_approval(settings, trained) and can_pause()
        if not pauses:  # one hold of the lock: nothing else rebuilds the marts in between
            approval = approve_promotion(settings, trained)  # None, or waits as challenger
            summary = score_and_publish(Built(refreshed, profiled, trained, approval))
    if pauses:
        # Outside the lock: a run waiting (up to a day) for a person must not hold up every
        # other run that writes the warehouse.
        approval = approve_promotion(settings, trained)
        with warehouse_lock(settings, f"pipeline {run_id}"):
            # other runs may have rebuilt the marts while this one waited
            refreshed = refresh_warehouse(landing_dir, run.as_of, settings, targets)
            summary = score_and_publish(Built(refreshed, profiled, trained, approval))
    summary_path = steps.write_summary(settings.runs_dir / run_id, summary)
    summary["summary_path"] = str(summary_path)
    text = render_summary(summary)
    print(text)
    create_markdown_artifact(
        markdown=f"```\n{text}\n```", key="pipeline-summary", description="Bullseye run summary"
    )
    create_table_artifact(table=summary["deciles"], key="test-deciles")
    create_table_artifact(
        table=[{"metric": k, "value": summary[k]} for k in METRICS], key="model-metrics"
    )
    create_table_artifact(
        table=[{"table": t} | r for t, r in summary["row_reconciliation"].items()],
        key="row-reconciliation",
    )
    logger.info("Summary written to %s", summary_path)
    return summary


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


class Built(NamedTuple):
    """What the first, locked half of the pipeline leaves for the scoring half."""

    refreshed: Refresh
    profiled: steps.ProfileOutcome
    trained: steps.TrainingOutcome
    approval: str | None


def _score(
    settings, run, landing_dir, target, campaign_ids, policy, truth_dir, audience_filters, built
):
    as_of_naive, run_id = run.as_of, run.run_id
    refreshed, profiled, trained, approval = built
    campaign_ids = resolve_campaigns(settings, campaign_ids)
    campaign_id = campaign_ids[0]
    uplift = train_uplift(settings, target, run_id, truth_dir)
    policy = policy or AudiencePolicyParams()
    if audience_filters:
        policy = policy.model_copy(update={"filters": policy.filters | audience_filters})
    stage = scoring_stage(
        settings,
        target,
        refreshed.invocation,
        campaign_ids,
        policy,
        run_id,
        as_of_naive,
        landing_dir,
    )
    if campaign_id in stage.gated:
        raise stage.gated[campaign_id]
    scoring, drifted = stage.outcomes[campaign_id], stage.monitored[campaign_id].drift
    outcomes, alerts = stage.outcomes, stage.alerts

    model = trained.model
    return {
        "run_id": run_id,
        "as_of": as_of_naive.isoformat(),
        "landing_dir": str(Path(landing_dir).resolve()),
        "campaign_id": campaign_id,
        "model_version": trained.version.version,
        "model_path": str(trained.version.path),
        "promotion": approval or trained.promotion.reason,
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
        "uplift": uplift_summary(uplift),
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
        "gated_campaigns": sorted(stage.gated),
        "retraining": stage.retraining,
        "monitoring_snapshots": {c: m.snapshot_id for c, m in stage.monitored.items()},
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
        "allocation": stage.allocation,
        "row_reconciliation": refreshed.reconciliation,
        "data_quality": refreshed.data_quality,
    }
