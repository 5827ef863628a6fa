"""Typed run parameters: pydantic models with descriptions and defaults, so the Prefect UI renders
a form and bad input is refused, with a readable message, before any work starts."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

EARLIEST_AS_OF = datetime(1970, 1, 1)
AS_OF_MAX_AHEAD = timedelta(days=366)


class RunParameterError(ValueError):
    """A run's parameter (the as-of moment, the home folder) cannot be used; nothing ran."""


class CampaignSelectionError(RunParameterError):
    """The campaigns a run asks for cannot be scored (unknown, or none due)."""


class NoChampionError(RunParameterError):
    """There is no champion model to score with yet."""


def check_as_of(as_of: datetime) -> datetime:
    """``as_of`` (naive UTC) when it is a plausible point-in-time moment: from 1970 to a year
    ahead. Outside, every landing row would be "in the future" (all quarantined) or the data
    years stale: the run would stop late with a puzzling message, so it stops here."""
    latest = datetime.now(UTC).replace(tzinfo=None, microsecond=0) + AS_OF_MAX_AHEAD
    if not EARLIEST_AS_OF <= as_of <= latest:
        raise RunParameterError(
            f"As-of moment {as_of.isoformat(sep=' ')} is out of range: it must be between "
            f"{EARLIEST_AS_OF:%Y-%m-%d} and {latest:%Y-%m-%d} (a year from now). It is the "
            "moment the data is taken as of, in UTC (--as-of; default: now)."
        )
    return as_of


def check_home(home: Path) -> Path:
    """``home`` when Bullseye can write there: an existing, writable folder, or a path whose
    nearest existing parent is one. Checked without creating anything."""
    home = Path(home)
    existing = next((p for p in (home, *home.parents) if p.exists()), None)
    problem = None
    if existing is None or not existing.is_dir():
        problem = f"{existing} is a file, not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"{existing} is not writable by this user"
    if problem:
        raise RunParameterError(
            f"Bullseye home {home} cannot be used: {problem}. Everything a run writes goes "
            "there (warehouse, models, audiences): pass --home with a writable folder or set "
            "BULLSEYE_HOME."
        )
    return home


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
