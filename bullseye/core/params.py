"""Typed run parameters: pydantic models with descriptions and defaults, so the Prefect UI renders
a form and bad input is refused, with a readable message, before any work starts."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PolicyKind(StrEnum):
    """How an audience is selected: the one list of policies (CLI, flow parameters, selection)."""

    top_k = "top_k"
    threshold = "threshold"
    budget = "budget"
    expected_profit = "expected_profit"
    uplift = "uplift"


def incomplete_policy(kind: str, threshold: float | None, budget: float | None) -> str | None:
    """What a policy lacks before it can select anyone (None when complete); checked on the run's
    parameters before any work, and again on the policy built from them."""
    if kind == PolicyKind.threshold and threshold is None:
        return "policy 'threshold' needs threshold (a minimum score in [0, 1])"
    if kind == PolicyKind.budget and budget is None:
        return "policy 'budget' needs budget"
    return None


class AudiencePolicyParams(BaseModel):
    """How to select a campaign's audience. Cost and value default to the campaign's own
    (``campaigns.cost_per_contact`` / ``value_per_response``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: PolicyKind = Field(
        default=PolicyKind.top_k,
        description="top_k: the k best scores; threshold: every score >= threshold; budget: as "
        "many as the budget pays for; expected_profit: everyone with p x value > cost (optionally "
        "capped by budget); uplift: those a contact changes most (needs an uplift model).",
    )
    top_k: int | None = Field(
        default=None, ge=1, description="Audience size, controls included (empty: no limit)."
    )
    threshold: float | None = Field(
        default=None, ge=0, le=1, description="threshold policy: minimum calibrated score."
    )
    budget: float | None = Field(
        default=None, ge=0, description="Spend limit for contacted customers (currency units)."
    )
    cost_per_contact: float | None = Field(
        default=None, ge=0, description="Override the campaign's cost per contact."
    )
    value_per_response: float | None = Field(
        default=None, ge=0, description="Override the campaign's value per response."
    )
    filters: dict[str, list[str]] = Field(
        default_factory=dict,
        description='Profile field -> allowed values, e.g. {"rfm_segment": ["champions"]}.',
    )

    @model_validator(mode="after")
    def _complete(self) -> AudiencePolicyParams:
        problem = incomplete_policy(self.kind, self.threshold, self.budget)
        if problem:
            raise ValueError(problem)
        return self

    @property
    def filter_items(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        return tuple((k, tuple(v)) for k, v in sorted(self.filters.items()))
