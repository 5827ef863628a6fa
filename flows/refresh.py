"""Refresh the warehouse: contract check, landing registration, dbt build, quality gate."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from bullseye.core.catalog import DQ_SUMMARY_RELATION
from bullseye.core.contract import ContractError, LandingInventory, check_landing
from bullseye.core.dbt import WITHOUT_BEHAVIOUR_TRAINING, DbtBuildError, build, build_scoring
from bullseye.core.landing_files import unreadable_file
from bullseye.core.locks import warehouse_lock
from bullseye.core.quality import enforce
from bullseye.core.settings import Settings
from bullseye.core.targets import Target, dbt_targets_var, load_targets
from bullseye.core.warehouse import DbtInvocation, read_relation, register_landing
from bullseye.services.reconciliation import row_reconciliation
from flows.context import require_landing, start_run


@task(name="check-contract", cache_policy=NO_CACHE)
def check_contract(landing_dir: Path) -> LandingInventory:
    inventory = check_landing(landing_dir)
    for warning in inventory.warnings:
        get_run_logger().warning(warning)
    return inventory


@task(name="register-landing", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=[1, 5])
def attach_landing(
    inventory: LandingInventory, settings: Settings, campaign_ids: Sequence[str] = ()
) -> None:
    register_landing(inventory, settings, campaign_ids)


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
    reconciliation: dict[str, dict]
    data_quality: list[dict]


def refresh_warehouse(
    landing_dir: Path,
    as_of: datetime,
    settings: Settings,
    targets: dict[str, Target],
    campaign_ids: Sequence[str] = (),
    behaviour_training: bool = True,
) -> Refresh:
    """Everything up to the marts, in one dbt build: the scoring marts included, for every
    campaign due (upcoming campaigns, and ``campaign_ids`` when the run will score them).
    ``behaviour_training=False`` leaves out the purchase-within and churn training marts (a
    run that trains campaign response only)."""
    inventory = check_contract(Path(landing_dir))
    attach_landing(inventory, settings, campaign_ids)
    invocation = DbtInvocation(as_of, tuple(dbt_targets_var(targets)))
    try:
        build(settings, invocation, () if behaviour_training else WITHOUT_BEHAVIOUR_TRAINING)
    except DbtBuildError as error:
        raise unreadable_landing(inventory) or error from error
    data_quality = quality_gate(settings)
    return Refresh(row_reconciliation(settings), data_quality)


def unreadable_landing(inventory: LandingInventory) -> ContractError | None:
    """After a failed build: the landing file that cannot be read to the end (a corrupt page
    passes the schema check), as a contract error naming it, or None when every file reads."""
    for table in inventory.tables.values():
        found = unreadable_file(table.files, table.file_format)
        if found:
            return ContractError(
                f"{found[0]}: cannot be read ({found[1]}): the file is corrupt or truncated; "
                f"re-export or re-copy it. The warehouse build stopped at table '{table.name}'."
            )
    return None


@task(name="build-scoring-marts", cache_policy=NO_CACHE)
def build_scoring_marts(
    settings: Settings, as_of: datetime, targets: dict[str, Target], campaign_ids: Sequence[str]
) -> None:
    """One dbt build of the scoring marts, as of ``as_of``, for the upcoming campaigns and
    ``campaign_ids``: the score tasks that follow read their campaign's rows, no dbt."""
    build_scoring(settings, DbtInvocation(as_of, tuple(dbt_targets_var(targets))), campaign_ids)


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
    markdown = (
        f"Warehouse rebuilt from `{landing}` as of {run.as_of:%Y-%m-%d %H:%M} UTC; dbt "
        "tests and the data-quality gate passed.\n\n| table | rows in | staged | quarantined |\n"
        "|---|---:|---:|---:|\n" + "\n".join(rows)
    )
    result = {
        "run_id": run.run_id,
        "as_of": run.as_of.isoformat(),
        "landing_dir": str(landing),
        "row_reconciliation": reconciliation,
        "data_quality": refreshed.data_quality,
    }
    return run.close(result, markdown, "refresh-summary", "What the refresh built")
