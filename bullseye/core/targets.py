"""Declared prediction targets, read from a YAML file (``config/targets.yml`` by default).

A target names a kind (campaign_response, purchase_within, churn) and its parameters; the
dbt project builds one training mart per kind (``training_<kind>``) holding every declared
target of that kind, told apart by ``target_name``.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from bullseye.core.settings import PROJECT_ROOT

DEFAULT_TARGETS_FILE = PROJECT_ROOT / "config" / "targets.yml"


class TargetKind(StrEnum):
    CAMPAIGN_RESPONSE = "campaign_response"
    PURCHASE_WITHIN = "purchase_within"
    CHURN = "churn"


class Target(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: TargetKind
    horizon_days: int | None = Field(default=None, ge=1, le=730)
    snapshots: int = Field(default=4, ge=2, le=52)
    snapshot_every_days: int = Field(default=30, ge=1)
    min_positives: int = Field(default=20, ge=1)

    @model_validator(mode="after")
    def _horizon_for_behaviour(self) -> Self:
        if self.kind is not TargetKind.CAMPAIGN_RESPONSE and self.horizon_days is None:
            raise ValueError(f"target {self.name!r} of kind {self.kind} needs horizon_days")
        return self

    @property
    def training_relation(self) -> str:
        return f"marts.training_{self.kind.value}"

    @property
    def is_behavioural(self) -> bool:
        return self.kind is not TargetKind.CAMPAIGN_RESPONSE


class TargetsFileError(ValueError):
    pass


def load_targets(path: Path = DEFAULT_TARGETS_FILE) -> dict[str, Target]:
    try:
        raw = yaml.safe_load(Path(path).read_text()) or {}
        return {
            name: Target(name=name, **spec) for name, spec in (raw.get("targets") or {}).items()
        }
    except (OSError, yaml.YAMLError, ValueError) as error:
        raise TargetsFileError(f"{path}: {error}") from error


def get_target(targets: dict[str, Target], name: str) -> Target:
    if name not in targets:
        raise TargetsFileError(f"Unknown target {name!r}; declared: {', '.join(targets)}.")
    return targets[name]


def dbt_targets_var(targets: dict[str, Target]) -> list[dict]:
    """The behavioural targets as the dbt var ``behaviour_targets``."""
    return [
        {
            "name": t.name,
            "kind": t.kind.value,
            "horizon_days": t.horizon_days,
            "snapshots": t.snapshots,
            "every_days": t.snapshot_every_days,
        }
        for t in targets.values()
        if t.is_behavioural
    ]
