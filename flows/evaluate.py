"""The ``evaluate-campaign`` flow: measure what a past campaign really did (target vs control)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact

from bullseye.core.ids import CampaignId
from bullseye.core.locks import warehouse_lock
from bullseye.core.targets import load_targets
from bullseye.core.warehouse import require_built
from bullseye.services.measurement import evaluate_campaign as measure
from flows.context import start_run
from flows.refresh import refresh_warehouse
from flows.tasks import CAMPAIGN_RESPONSE
from ml.registry import store


def _run_name() -> str:
    from prefect.runtime import flow_run

    return f"evaluate-{flow_run.parameters['campaign_id']}-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="evaluate-campaign", flow_run_name=_run_name, log_prints=True)
def evaluate_campaign(
    campaign_id: CampaignId,
    landing_dir: Path | None = None,
    as_of: datetime | None = None,
    home: Path | None = None,
    truth_dir: Path | None = None,
) -> dict:
    """Measure a campaign whose response window has closed.

    Args:
        campaign_id: the campaign to measure.
        landing_dir: refresh the warehouse from this landing folder first (default: measure
            the warehouse as last built).
        as_of: the point-in-time moment (UTC) of that refresh; default: now.
        home: Bullseye home folder.
        truth_dir: generator ground truth, to show the true lift beside the estimate.
    """
    run = start_run(home, as_of)
    settings = run.settings
    with warehouse_lock(settings, f"evaluate {run.run_id}"):
        if landing_dir is not None:
            refresh_warehouse(
                Path(landing_dir), run.as_of, settings, load_targets(settings.targets_file)
            )
        require_built(settings)
        model = store.champion(settings.models_dir, CAMPAIGN_RESPONSE)
        outcome = measure(settings, campaign_id, model, run.run_dir, truth_dir)
    m = outcome.measurement
    result = m.as_dict() | {
        "run_id": run.run_id,
        "report": str(outcome.report_path),
        "truth": outcome.truth,
        "deciles": outcome.deciles.to_dict(orient="records"),
    }
    lines = [
        f"**{campaign_id}**: response rate {m.response_rate_target:.2%} (target) vs "
        f"{m.response_rate_control:.2%} (control); lift {m.absolute_lift:+.2%} "
        f"(95% CI {m.absolute_lift_low:+.2%} to {m.absolute_lift_high:+.2%}); "
        f"{m.incremental_responses:,.1f} incremental responses, incremental revenue "
        f"{m.incremental_revenue:,.0f} for a cost of {m.cost:,.2f}. Test power: "
        f"{m.power_verdict}.",
    ]
    result = run.close(result, "\n".join(lines), "campaign-measurement")
    create_link_artifact(
        link=outcome.report_path.as_uri(),
        link_text=f"Measurement of {campaign_id}",
        key="campaign-measurement-report",
    )
    get_run_logger().info(lines[0].replace("**", ""))
    return result
