"""The ``score`` flow: score the campaigns due with the champion, check drift, publish.

``scoring_stage`` is the part the pipeline shares: score each campaign's candidates from the
scoring marts (built once, keyed by campaign, by the refresh), arbitrate between campaigns of
the same run, check drift (alerts, gates) and publish what is not gated. Retraining on an alert
starts after the warehouse lock is released.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from prefect import flow, get_run_logger
from prefect.artifacts import create_link_artifact, create_table_artifact
from pydantic import Field

from bullseye.core.ids import CampaignId, folder_name
from bullseye.core.locks import warehouse_lock
from bullseye.core.params import AudiencePolicyParams, NoChampionError
from bullseye.core.settings import Settings
from bullseye.core.targets import Target, get_target, load_targets
from bullseye.core.warehouse import require_built
from bullseye.services.monitoring import gates
from bullseye.services.results import ScoringStage
from bullseye.services.scoring import resolve_campaigns
from flows.context import start_run
from flows.refresh import build_scoring_marts
from flows.retrain import retrain_on_alerts
from flows.tasks import CAMPAIGN_RESPONSE, artifact_key, monitor, publish_audience, score_candidates
from ml.activation.arbitration import arbitrate
from ml.registry import store
from monitoring.gates import PublicationGatedError

DEFAULT_POLICY = AudiencePolicyParams()  # frozen: safe as a shared default


def scoring_stage(
    settings: Settings,
    target: Target,
    campaign_ids: list[str],
    policy: AudiencePolicyParams,
    run_id: str,
    as_of: datetime,
) -> ScoringStage:
    """Score, arbitrate, monitor and publish ``campaign_ids`` with the champion of this moment:
    looked up once, so every campaign, reason code, drift check and manifest of the run names
    the same model."""
    logger = get_run_logger()
    run_dir = settings.runs_dir / run_id
    model = store.champion(settings.models_dir, target.name)
    if model is None:
        raise NoChampionError(
            f"No {target.name} champion to score with in {settings.models_dir}: train one "
            "first (`bullseye run --landing DIR`, or `bullseye train --target "
            f"{target.name}`)."
        )
    candidates = {c: score_candidates(settings, model, c, policy) for c in campaign_ids}
    allocated, allocation = (
        arbitrate({c: k.scores for c, k in candidates.items()})
        if len(candidates) > 1
        else ({campaign_ids[0]: None}, None)
    )
    if allocation is not None:
        create_table_artifact(
            table=json.loads(allocation.to_json(orient="records")),
            key="campaign-allocation",
            description="Next-best-offer arbitration between the campaigns scored this run",
        )
    monitored = {  # nobody to score: no drift to check (the summary says why it is empty)
        c: monitor(
            settings, target, candidates[c], run_dir / "drift" / folder_name(c), run_id, as_of
        )
        for c in campaign_ids
        if candidates[c].scored
    }
    outcomes, gated = {}, {}
    for c in campaign_ids:
        try:
            gates(settings).check(c)
        except PublicationGatedError as error:
            gated[c] = error
            logger.warning("%s", error)
            continue
        outcomes[c] = publish_audience(settings, candidates[c], as_of, run_id, allocated[c])
        publication = outcomes[c].publication
        create_link_artifact(
            link=publication.folder.as_uri(),
            link_text=f"Audience {c} ({sum(publication.rows_by_group.values())} rows)",
            key=f"audience-files-{artifact_key(c)}",
            description=f"CSV, Parquet, manifest and diff of {c}",
        )
    for c, m in monitored.items():
        create_link_artifact(
            link=m.drift.html_path.as_uri(),
            link_text=f"Drift report {c}",
            key=f"drift-report-{artifact_key(c)}",
            description=f"Evidently data and prediction drift of {c}'s scoring set",
        )
    return ScoringStage(
        campaign_ids,
        outcomes,
        monitored,
        gated,
        [] if allocation is None else allocation.to_dict(orient="records"),
        [a for m in monitored.values() for a in m.alerts],
        retraining=None,  # started by the caller once it has released the warehouse lock
    )


def _run_name() -> str:
    from prefect.runtime import flow_run

    campaigns = "+".join(flow_run.parameters.get("campaign_ids") or []) or "due"
    return f"score-{campaigns}-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="score", flow_run_name=_run_name, log_prints=True)
def score(
    campaign_ids: Annotated[
        list[CampaignId] | None,
        Field(description="Campaigns to score; default: the latest one without contacts."),
    ] = None,
    policy: Annotated[
        AudiencePolicyParams, Field(description="How to select each audience.")
    ] = DEFAULT_POLICY,
    as_of: Annotated[
        datetime | None, Field(description="Point-in-time moment (UTC); default: now.")
    ] = None,
    home: Annotated[Path | None, Field(description="Bullseye home folder.")] = None,
    landing_dir: Annotated[
        Path | None, Field(description="Landing folder (for retraining on an alert).")
    ] = None,
) -> dict:
    """Score campaigns with the current champion, check drift, and publish the audiences.

    The warehouse must have been refreshed (the refresh deployment, or a pipeline run); the
    scoring marts are rebuilt once, as of this run, for every campaign it scores."""
    run = start_run(home, as_of)
    settings = run.settings
    with warehouse_lock(settings, f"score {run.run_id}"):
        targets = load_targets(settings.targets_file)
        require_built(settings)  # before writing anything to a warehouse file
        build_scoring_marts(settings, run.as_of, targets, campaign_ids or [])
        campaign_ids = resolve_campaigns(settings, campaign_ids)
        stage = scoring_stage(
            settings,
            get_target(targets, CAMPAIGN_RESPONSE),
            campaign_ids,
            policy,
            run.run_id,
            run.as_of,
        )
    # Outside the lock: training refreshes the warehouse itself (and may wait for approval).
    retraining = retrain_on_alerts(
        settings, CAMPAIGN_RESPONSE, stage.alerts, landing_dir, run.as_of
    )
    result = {
        "run_id": run.run_id,
        "as_of": run.as_of.isoformat(),
        "campaigns": {c: stage.campaign_summary(c) for c in stage.outcomes},
        "allocation": stage.allocation,
        "alerts": [a.as_dict() for a in stage.alerts],
        "gated_campaigns": sorted(stage.gated),
        "retraining": retraining,
    }
    lines = [f"# Scoring run {run.run_id}", ""]
    for c, info in result["campaigns"].items():
        e = info["audience_economics"]
        if info["empty_reason"]:
            lines.append(f"- **{c}**: empty audience published: {info['empty_reason']}")
            continue
        lines.append(
            f"- **{c}**: {info['audience_size']} published {info['audience_by_group']}; "
            f"expected {e['expected_responses']:.0f} responses, profit "
            f"{e['expected_profit']:,.0f}, ROI {e['roi']}"
        )
    lines += [f"- **{c}**: gated, not published" for c in stage.gated]
    lines += [f"- alert {a.kind}: {a.message}" for a in stage.alerts]
    result = run.close(
        result,
        "\n".join(lines),
        "score-summary",
        "Campaigns scored and published, their economics, alerts",
    )
    if stage.gated and not stage.outcomes:
        raise next(iter(stage.gated.values()))
    return result
