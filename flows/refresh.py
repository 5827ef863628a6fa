"""Refresh the warehouse: contract check, landing registration, dbt build, quality gate."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from bullseye import steps
from bullseye.contract import LandingInventory, check_landing
from bullseye.quality import enforce
from bullseye.settings import Settings
from bullseye.targets import Target, dbt_targets_var
from bullseye.warehouse import DbtInvocation, read_relation, register_landing
from flows.dbt import dbt_build
from ml.schema import DQ_SUMMARY_RELATION


@task(name="check-contract", cache_policy=NO_CACHE)
def check_contract(landing_dir: Path) -> LandingInventory:
    inventory = check_landing(landing_dir)
    for warning in inventory.warnings:
        get_run_logger().warning(warning)
    return inventory


@task(name="register-landing", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def attach_landing(inventory: LandingInventory, settings: Settings) -> None:
    register_landing(inventory, settings)


@task(name="quality-gate", cache_policy=NO_CACHE)
def quality_gate(settings: Settings) -> list[dict]:
    """Show the data-quality summary as an artifact, then stop the run on any breach."""
    summary = read_relation(settings, DQ_SUMMARY_RELATION)
    records = json.loads(summary.to_json(orient="records", date_format="iso"))
    create_table_artifact(
        table=records, key="data-quality", description="Rows in, staged, quarantined, freshness"
    )
    enforce(summary, settings.quality_thresholds)
    return records


@dataclass(frozen=True)
class Refresh:
    invocation: DbtInvocation
    reconciliation: dict[str, dict]
    data_quality: list[dict]


def refresh_warehouse(
    landing_dir: Path, as_of: datetime, settings: Settings, targets: dict[str, Target]
) -> Refresh:
    """Everything up to the marts, except the campaign scoring set (built per campaign)."""
    inventory = check_contract(Path(landing_dir))
    attach_landing(inventory, settings)
    invocation = DbtInvocation(as_of, None, tuple(dbt_targets_var(targets)))
    dbt_build(settings, invocation, ["--exclude", "scoring_campaign"])
    data_quality = quality_gate(settings)
    return Refresh(invocation, steps.row_reconciliation(settings), data_quality)
