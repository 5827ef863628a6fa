"""Refresh the warehouse: contract check, landing registration, dbt build, quality gate."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE

from bullseye.core.catalog import DQ_SUMMARY_RELATION
from bullseye.core.contract import LandingInventory, check_landing
from bullseye.core.quality import enforce
from bullseye.core.settings import Settings
from bullseye.core.targets import Target, dbt_targets_var
from bullseye.core.warehouse import SCORING_MODELS, DbtInvocation, read_relation, register_landing
from bullseye.services import steps
from flows.dbt_build import dbt_build


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


def require_landing(landing_dir: Path | None, settings: Settings) -> Path:
    landing = landing_dir or settings.landing_dir
    if landing is None:
        raise ValueError(
            "No landing folder: pass landing_dir, or set BULLSEYE_LANDING_DIR (landing_dir in "
            "bullseye.toml) for scheduled runs."
        )
    return Path(landing)


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    as_of: datetime  # naive UTC, to the second
    run_id: str


def start_run(home: Path | None, as_of: datetime | None, **overrides: object) -> RunContext:
    """Settings with the flow's overrides (those given, not None), the as-of moment as naive
    UTC (default: now; a naive value is taken as UTC) and a new run id."""
    overrides = {k: v for k, v in (overrides | {"home": home}).items() if v is not None}
    as_of = (as_of or datetime.now(UTC)).replace(microsecond=0)
    if as_of.tzinfo:
        as_of = as_of.astimezone(UTC).replace(tzinfo=None)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    return RunContext(Settings(**overrides), as_of, run_id)


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
    dbt_build(settings, invocation, ["--exclude", *SCORING_MODELS])
    data_quality = quality_gate(settings)
    return Refresh(invocation, steps.row_reconciliation(settings), data_quality)


def _refresh_run_name() -> str:
    return f"refresh-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="refresh-warehouse", flow_run_name=_refresh_run_name, log_prints=True)
def refresh(
    landing_dir: Path | None = None,
    as_of: datetime | None = None,
    home: Path | None = None,
) -> dict:
    """Check the landing contract, build and test the warehouse with dbt, and stop at the
    quality gate when the data is not fit to use.

    Args:
        landing_dir: folder with one sub-folder (or file) per landing table (default: the
            landing_dir setting).
        as_of: the point-in-time moment (UTC); default: now.
        home: Bullseye home folder.
    """
    from bullseye.core.locks import warehouse_lock
    from bullseye.core.targets import load_targets

    run = start_run(home, as_of)
    settings = run.settings
    landing = require_landing(landing_dir, settings)
    with warehouse_lock(settings, f"refresh {run.run_id}"):
        refreshed = refresh_warehouse(
            landing, run.as_of, settings, load_targets(settings.targets_file)
        )
    reconciliation = refreshed.reconciliation
    create_table_artifact(
        table=[{"table": t} | r for t, r in reconciliation.items()],
        key="row-reconciliation",
        description="Where every landing row went: staged, duplicate, superseded, quarantined",
    )
    rows = [
        f"| {t} | {r['rows_in']:,} | {r['staged']:,} | {r['quarantined']:,} |"
        for t, r in reconciliation.items()
    ]
    create_markdown_artifact(
        markdown=f"Warehouse rebuilt from `{landing}` as of {run.as_of:%Y-%m-%d %H:%M} UTC; dbt "
        "tests and the data-quality gate passed.\n\n| table | rows in | staged | quarantined |\n"
        "|---|---:|---:|---:|\n" + "\n".join(rows),
        key="refresh-summary",
        description="What the refresh built",
    )
    result = {
        "run_id": run.run_id,
        "as_of": run.as_of.isoformat(),
        "landing_dir": str(landing),
        "row_reconciliation": reconciliation,
        "data_quality": refreshed.data_quality,
    }
    steps.write_summary(settings.runs_dir / run.run_id, result)
    return result
