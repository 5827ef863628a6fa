"""Human approval before a new model replaces the champion (``promotion_approval``): the run
pauses with a form in the Prefect UI (Prefect's pause with input) and resumes on the answer."""

from __future__ import annotations

from prefect import get_run_logger, pause_flow_run
from prefect.input import RunInput
from prefect.settings import get_current_settings
from pydantic import Field

from bullseye.core.settings import Settings
from bullseye.services import steps


class PromotionApproval(RunInput):
    approve: bool = Field(description="Make the new model champion?")
    reviewer: str = Field(description="Who decided.")
    note: str = Field(default="", description="Why (kept in the registry's history).")


APPROVAL_TIMEOUT_S = 24 * 3_600


def needs_approval(settings: Settings, trained: steps.TrainingOutcome) -> bool:
    promotion = trained.promotion
    return (
        settings.promotion_approval
        and promotion.is_promoted
        and promotion.champion_version is not None  # the first model has nothing to replace
    )


def can_pause() -> bool:
    """Prefect's ephemeral server (no PREFECT_API_URL) lives and dies with this process:
    nobody could answer a pause."""
    return get_current_settings().api.url is not None


def approve_promotion(settings: Settings, trained: steps.TrainingOutcome) -> str | None:
    """When approval is required and the new model beat the champion, it waits as challenger;
    pause for a person's decision and promote on approval. Returns what happened, or None when
    no approval was needed."""
    if not needs_approval(settings, trained):
        return None
    promotion = trained.promotion
    target, version = trained.version.target, trained.version.version
    steps.registry.rollback(settings.models_dir, target)  # back to the champion it beat
    steps.registry.set_alias(settings.models_dir, target, "challenger", version)
    logger = get_run_logger()
    if not can_pause():
        logger.warning(
            "%s %s %s, but approval needs a Prefect server (PREFECT_API_URL) to answer on; "
            "it waits as challenger",
            target,
            version,
            promotion.reason,
        )
        return (
            f"awaiting approval: {version} is challenger (no Prefect server to answer on; "
            f"`bullseye models promote {version} --target {target}` promotes it)"
        )
    logger.warning(
        "%s %s %s; waiting for approval in the Prefect UI (Resume the paused run)",
        target,
        version,
        promotion.reason,
    )
    answer = pause_flow_run(wait_for_input=PromotionApproval, timeout=APPROVAL_TIMEOUT_S)
    if answer.approve:
        steps.registry.promote(settings.models_dir, target, version)
        return f"approved by {answer.reviewer}: {version} is champion ({answer.note})"
    return f"declined by {answer.reviewer}: {version} stays challenger ({answer.note})"
