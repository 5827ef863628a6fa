"""The ``monitor`` flow (daily): measure every campaign whose response window has closed and
that has not been measured yet (lift, and the model's realised performance against its test
figures, with alerts), and report the publication gates still waiting for a person."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from bullseye.core.locks import warehouse_lock
from bullseye.services.measurement import (
    UnmeasuredCampaignError,
    campaigns_to_measure,
    evaluate_campaign,
)
from bullseye.services.monitoring import gates
from flows.context import start_run
from flows.retrain import trigger_training
from flows.tasks import CAMPAIGN_RESPONSE
from ml.measurement.lift import MeasurementError
from ml.registry import store


def _run_name() -> str:
    return f"monitor-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="monitor", flow_run_name=_run_name, log_prints=True)
def monitor_campaigns(
    as_of: datetime | None = None,
    home: Path | None = None,
    landing_dir: Path | None = None,
) -> dict:
    """Measure newly closed campaigns and check the model's realised performance.

    Args:
        as_of: the point-in-time moment (UTC); default: now.
        home: Bullseye home folder.
        landing_dir: landing folder, for retraining on a performance alert (default: the
            landing_dir setting).
    """
    run = start_run(home, as_of)
    settings = run.settings
    logger = get_run_logger()
    measured, alerts = [], []
    with warehouse_lock(settings, f"monitor {run.run_id}"):
        model = store.champion(settings.models_dir, CAMPAIGN_RESPONSE)
        for campaign in campaigns_to_measure(settings):
            row = {"campaign_id": campaign}
            try:
                outcome = evaluate_campaign(settings, campaign, model, run.run_dir)
            except UnmeasuredCampaignError as error:
                logger.info("%s: no lift measurable (%s)", campaign, error)
                performance = error.performance
            except MeasurementError as error:
                logger.info("%s: not measurable yet (%s)", campaign, error)
                continue
            else:
                m, performance = outcome.measurement, outcome.performance
                row |= {
                    "absolute_lift": round(m.absolute_lift, 5),
                    "lift_low": round(m.absolute_lift_low, 5),
                    "lift_high": round(m.absolute_lift_high, 5),
                    "incremental_responses": round(m.incremental_responses, 1),
                    "roi": None if m.roi is None else round(m.roi, 3),
                }
            if performance is None:
                if "absolute_lift" in row:
                    measured.append(row)
                continue
            calibration = performance.calibration
            row |= {
                "realised_rate": round(calibration.realised_rate, 5),
                "predicted_rate": round(calibration.predicted_rate, 5),
            }
            if performance.realised is not None:
                row["realised_roc_auc"] = round(performance.realised["roc_auc"], 4)
                row["test_roc_auc"] = round(performance.expected["roc_auc"], 4)
            alerts += performance.alerts
            measured.append(row)
    if measured:
        create_table_artifact(table=measured, key="campaign-measurements")
    retraining = None
    if alerts and settings.drift_retrain:
        retraining = trigger_training(settings, CAMPAIGN_RESPONSE, landing_dir, run.as_of)
    waiting = [g for g in gates(settings).list() if not g["acknowledged"]]
    lines = [f"# Monitoring {run.as_of:%Y-%m-%d}", ""]
    lines += [
        f"- measured **{r['campaign_id']}**: "
        + (f"lift {r['absolute_lift']:+.2%}" if "absolute_lift" in r else "no control group")
        + (
            f"; responded {r['realised_rate']:.2%} against {r['predicted_rate']:.2%} predicted"
            if "realised_rate" in r
            else ""
        )
        for r in measured
    ]
    lines += [f"- ALERT {a.kind}: {a.message}" for a in alerts]
    lines += [f"- gate waiting: **{g['campaign_id']}** since {g['opened_at']}" for g in waiting]
    result = {
        "run_id": run.run_id,
        "measured": measured,
        "alerts": [a.as_dict() for a in alerts],
        "gates_waiting": [g["campaign_id"] for g in waiting],
        "retraining": retraining,
    }
    return run.close(result, "\n".join(lines), "monitoring-summary")
