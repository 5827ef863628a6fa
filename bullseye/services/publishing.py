"""Publishing stage: select the audience by the policy, add reason codes for the chosen rows
only, and publish to every destination, all or nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from bullseye.core.catalog import CUSTOMER_KEY
from bullseye.core.dbt import manifest_hash
from bullseye.core.params import AudiencePolicyParams
from bullseye.core.settings import Settings
from bullseye.services.monitoring import gates
from bullseye.services.recommendations import audience_offers
from bullseye.services.scoring import Candidates, audience_rows, score_candidates
from ml.activation.destinations import FilesDestination, WarehouseDestination, WebhookDestination
from ml.activation.policy import AudiencePolicy, audience_economics, select_audience
from ml.activation.publish import Publication, PublicationRequest, publish
from ml.activation.spark_table import SparkTableDestination
from ml.modelling.reasons import reason_codes
from ml.registry.store import ModelVersion

log = logging.getLogger("bullseye.activation")


@dataclass(frozen=True)
class ScoringOutcome:
    model_version: str
    scored: int
    audience: pd.DataFrame
    publication: Publication
    policy: AudiencePolicy
    economics: dict
    eligibility: dict[str, int]  # customers excluded per rule, and eligible
    empty_reason: str | None = None  # why the audience is empty (None when it is not)


def destinations(settings: Settings) -> list:
    """The configured destinations beside the files: the warehouse table (in the engine's
    warehouse), and the webhook."""
    out: list = [
        SparkTableDestination(settings)
        if settings.engine == "spark"
        else WarehouseDestination(settings.warehouse_path)
    ]
    if settings.webhook_url:
        out.append(
            WebhookDestination(
                settings.webhook_url,
                settings.webhook_secret.get_secret_value(),
                timeout_s=settings.webhook_timeout_s,
            )
        )
    return out


def publish_candidates(
    settings: Settings,
    candidates: Candidates,
    run_date: datetime,
    run_id: str,
    allocated: set[str] | None = None,
    fail_before_commit: bool = False,
) -> ScoringOutcome:
    """Select the audience by the policy (among ``allocated`` keys when campaigns were
    arbitrated), add reason codes, and publish to files, the warehouse table and the webhook
    (when configured), all or nothing. The caller checks the campaign's publication gate."""
    pool = candidates.scores
    if allocated is not None:
        pool = pool[pool[CUSTOMER_KEY].isin(allocated)]
    audience = select_audience(pool, candidates.policy)
    model = candidates.model
    empty_reason = None if len(audience) else why_empty(candidates, pool)
    method = None
    if empty_reason is None:
        approximate = len(audience) > settings.exact_reason_codes_max_rows
        method = "approximate" if approximate else "exact"
        log.info("Reason codes (%s) for the %s customers selected", method, f"{len(audience):,}")
        chosen = audience_rows(settings, candidates, audience[CUSTOMER_KEY])
        reasons = reason_codes(model.scorer(), chosen, approximate=approximate)
        audience = pd.concat([audience, reasons.set_index(audience.index)], axis=1)
        offers = audience_offers(settings, audience[CUSTOMER_KEY])
        if offers is not None:  # the next best products, when recommendations were made
            audience = pd.concat([audience, offers.set_index(audience.index)], axis=1)
    spend = audience_economics(audience, candidates.policy)
    publication = publish(
        PublicationRequest(
            audience,
            candidates.campaign_id,
            run_date.date(),
            model.version,
            run_id,
            policy=candidates.policy.describe()
            | {"uplift_model_version": candidates.uplift_version},
            economics=spend,
            data_as_of=run_date.isoformat(),
            dbt_manifest_hash=manifest_hash(settings),
            note=empty_reason,
            reason_codes=method,
        ),
        FilesDestination(settings.audiences_dir),
        destinations(settings),
        fail_before_commit=fail_before_commit,
    )
    return ScoringOutcome(
        model.version,
        candidates.scored,
        audience,
        publication,
        candidates.policy,
        spend,
        candidates.eligibility,
        empty_reason,
    )


def why_empty(candidates: Candidates, pool: pd.DataFrame) -> str:
    """Why a campaign's audience is empty: nobody eligible (the candidates say why), every
    candidate went to another campaign of the run, or the policy selected nobody."""
    if candidates.empty_reason:
        return candidates.empty_reason
    policy, campaign = candidates.policy, repr(candidates.campaign_id)
    if pool.empty:
        return (
            f"Every one of the {len(candidates.scores):,} eligible customers of {campaign} is "
            "worth more to another campaign of this run. An empty audience is published."
        )
    return (
        f"The {policy.kind} policy selected nobody of the {len(pool):,} eligible customers of "
        f"{campaign} (threshold {policy.threshold}, budget {policy.budget}, cost per contact "
        f"{policy.cost_per_contact}, value per response {policy.value_per_response}). An empty "
        "audience is published."
    )


def score_and_publish(
    settings: Settings,
    model: ModelVersion,
    campaign_id: str,
    request: AudiencePolicyParams,
    run_date: datetime,
    run_id: str,
    fail_before_commit: bool = False,
) -> ScoringOutcome:
    """One campaign, end to end without Prefect: score its candidates, select, publish (refused
    while the campaign's publication gate waits for an acknowledgement)."""
    gates(settings).check(campaign_id)
    candidates = score_candidates(settings, model, campaign_id, request)
    return publish_candidates(
        settings, candidates, run_date, run_id, fail_before_commit=fail_before_commit
    )
