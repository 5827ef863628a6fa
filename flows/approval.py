"""Promotion of a newly trained model: decided by the training service (pure), approved by a
person where ``promotion_approval`` asks for it (Prefect's pause with input: a form in the UI),
and written once, under the warehouse lock, by ``settle``. The champion therefore changes only
when the decision is final: a scoring run that starts while a promotion waits for approval
scores with the previous champion."""

from __future__ import annotations

from prefect import get_run_logger, pause_flow_run
from prefect.input import RunInput
from prefect.settings import get_current_settings
from pydantic import Field

from bullseye.core.settings import Settings
from bullseye.services.training import TrainingOutcome, settle


class PromotionApproval(RunInput):
    approve: bool = Field(description="Make the new model champion?")
    reviewer: str = Field(description="Who decided.")
    note: str = Field(default="", description="Why (kept in the registry's history).")


APPROVAL_TIMEOUT_S = 24 * 3_600


def needs_approval(settings: Settings, trained: TrainingOutcome) -> bool:
    """A person must decide: approval is on and the new model would replace a champion (the
    first model has nothing to replace)."""
    return settings.promotion_approval and trained.promotion.replaces_a_champion


def can_pause() -> bool:
    """Prefect's ephemeral server (no PREFECT_API_URL) lives and dies with this process:
    nobody could answer a pause."""
    return get_current_settings().api.url is not None


def settle_now(settings: Settings, trained: TrainingOutcome) -> str | None:
    """Under the warehouse lock, when the run will not pause: write the decision. A promotion
    that needs approval nobody can give here waits as challenger. Returns what happened for the
    summary, or None when no approval was involved."""
    target, version = trained.version.target, trained.version.version
    if not needs_approval(settings, trained):
        settle(settings, trained, approved=True)
        return None
    hold_for_approval(settings, trained)
    get_run_logger().warning(
        "%s %s %s, but approval needs a Prefect server (PREFECT_API_URL) to answer on; it waits "
        "as challenger",
        target,
        version,
        trained.promotion.reason,
    )
    return (
        f"awaiting approval: {version} is challenger (no Prefect server to answer on; "
        f"`bullseye models promote {version} --target {target}` promotes it)"
    )


def await_approval(settings: Settings, trained: TrainingOutcome) -> PromotionApproval:
    """Outside the warehouse lock (a person may take a day): the new model waits as challenger
    (written by the caller under the lock) while the run pauses for the answer."""
    get_run_logger().warning(
        "%s %s %s; waiting for approval in the Prefect UI (Resume the paused run)",
        trained.version.target,
        trained.version.version,
        trained.promotion.reason,
    )
    return pause_flow_run(wait_for_input=PromotionApproval, timeout=APPROVAL_TIMEOUT_S)


def settle_answer(settings: Settings, trained: TrainingOutcome, answer: PromotionApproval) -> str:
    """Under the warehouse lock: write the person's answer; returns it for the summary."""
    version = trained.version.version
    verdict = "approved" if answer.approve else "declined"
    note = f"{verdict} by {answer.reviewer} ({answer.note})"
    alias = settle(settings, trained, approved=answer.approve, note=note)
    return f"{note}: {version} is {alias}"


def hold_for_approval(settings: Settings, trained: TrainingOutcome) -> None:
    """Under the warehouse lock, before the run pauses: the new model waits as challenger."""
    note = f"awaiting approval ({trained.promotion.reason})"
    settle(settings, trained, approved=False, note=note)
