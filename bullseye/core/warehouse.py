"""The embedded warehouse: landing relations for dbt, dbt variables, and reading marts.

On DuckDB the landing folder is attached as views in the ``landing`` schema (no copy); on a
warehouse adapter the landing tables are loaded by the team's EL tool and this step is skipped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from bullseye.core.contract import CONTRACT, Kind, LandingInventory
from bullseye.core.settings import DBT_PROJECT_DIR, Settings

_EMPTY_TYPE = {
    Kind.STRING: "varchar",
    Kind.TIMESTAMP: "timestamp",
    Kind.NUMBER: "double",
    Kind.INTEGER: "integer",
    Kind.BOOLEAN: "boolean",
}


LANDING_FILE_COLUMN = "_landing_file"


def _quote(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def _reader(files: tuple[Path, ...], fmt: str) -> str:
    listed = "[" + ", ".join(_quote(f) for f in files) + "]"
    # Each row carries the file it came from: incremental models load only files not seen yet.
    options = f"union_by_name = true, filename = '{LANDING_FILE_COLUMN}'"
    if fmt == "parquet":
        return f"read_parquet({listed}, {options})"
    return f"read_csv({listed}, header = true, all_varchar = true, {options})"


def landing_view_sql(inventory: LandingInventory) -> list[str]:
    """DDL that exposes every landing table (with all contract columns) in schema ``landing``."""
    statements = ["create schema if not exists landing"]
    for name, contract in CONTRACT.items():
        table = inventory.tables[name]
        if not table.files:
            cols = ", ".join(
                f"cast(null as {_EMPTY_TYPE[c.kind]}) as {c.name}" for c in contract.columns
            )
            cols += f", cast(null as varchar) as {LANDING_FILE_COLUMN}"
            statements.append(f"create or replace view landing.{name} as select {cols} where 1 = 0")
            continue
        missing = [c for c in contract.columns if c.name not in table.columns]
        extra = "".join(f", cast(null as {_EMPTY_TYPE[c.kind]}) as {c.name}" for c in missing)
        statements.append(
            f"create or replace view landing.{name} as "
            f"select *{extra} from {_reader(table.files, table.file_format)}"
        )
    return statements


def register_landing(inventory: LandingInventory, settings: Settings) -> None:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        for statement in landing_view_sql(inventory):
            con.execute(statement)


# The models that depend on the campaign being scored: built once that campaign is known.
SCORING_MODELS = ("campaign_eligibility", "scoring_campaign")


@dataclass(frozen=True)
class DbtInvocation:
    """Everything dbt needs to know about one run."""

    as_of: datetime
    scoring_campaign_id: str | None
    behaviour_targets: tuple[dict, ...] = ()  # bullseye.core.targets.dbt_targets_var

    def vars_json(self, settings: Settings) -> str:
        return json.dumps(
            {
                "as_of": self.as_of.strftime("%Y-%m-%d %H:%M:%S"),
                "behaviour_targets": list(self.behaviour_targets),
                "pii_salt": settings.pii_salt,
                "scoring_campaign_id": self.scoring_campaign_id,
                "frequency_cap_contacts": settings.frequency_cap_contacts,
                "frequency_cap_days": settings.frequency_cap_days,
            }
        )


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment variables the dbt profile reads."""
    return {
        "BULLSEYE_WAREHOUSE_PATH": str(settings.warehouse_path.resolve()),
        "BULLSEYE_DBT_TARGET": settings.dbt_target,
    }


def dbt_args(command: str, invocation: DbtInvocation, settings: Settings) -> list[str]:
    return [
        command,
        "--project-dir",
        str(DBT_PROJECT_DIR),
        "--profiles-dir",
        str(DBT_PROJECT_DIR),
        "--vars",
        invocation.vars_json(settings),
    ]


def read_relation(settings: Settings, relation: str) -> pd.DataFrame:
    """Read a mart (``schema.table``) from the warehouse, read-only."""
    return read_query(settings, f"select * from {relation}")


def read_query(settings: Settings, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a read-only query on the warehouse."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql, params or []).df()


def has_relation(settings: Settings, relation: str) -> bool:
    """Whether ``schema.table`` exists in the warehouse (tables written by runs, not dbt)."""
    schema, table = relation.split(".")
    found = read_query(
        settings,
        "select count(*) as n from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    )
    return bool(found["n"].iloc[0])


def write_table(settings: Settings, relation: str, frame: pd.DataFrame) -> None:
    """Replace a warehouse table with a DataFrame (results computed in Python, such as
    segments). DuckDB only for now; on a warehouse adapter this goes through its loader."""
    schema = relation.split(".")[0]
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(f"create schema if not exists {schema}")
        con.register("frame_to_write", frame)
        con.execute(f"create or replace table {relation} as select * from frame_to_write")


def replace_rows(settings: Settings, relation: str, frame: pd.DataFrame, key: dict) -> None:
    """Replace the rows of ``relation`` matching ``key`` (column -> value) with ``frame`` in one
    transaction, keeping every other row (a history table)."""
    from ml.activation.publish import stage_replace

    with duckdb.connect(str(settings.warehouse_path)) as con:
        stage_replace(con, relation, frame, key)
        con.execute("commit")


def resolve_campaign(settings: Settings, campaign_id: str | None) -> str:
    """The campaign to score: the one asked for (which must exist), or by default the latest
    campaign that has no contacts yet."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        campaigns = con.execute(
            """
            select c.campaign_id,
                   exists (select 1 from staging.stg_landing__contacts k
                           where k.campaign_id = c.campaign_id) as has_contacts
            from staging.stg_landing__campaigns c
            order by c.starts_at desc, c.campaign_id
            """
        ).fetchall()
    known = [row[0] for row in campaigns]
    if campaign_id is not None:
        if campaign_id not in known:
            raise ValueError(
                f"Campaign {campaign_id!r} is not in the staged campaigns table "
                f"(known: {', '.join(known) or 'none'})."
            )
        return campaign_id
    upcoming = [cid for cid, has_contacts in campaigns if not has_contacts]
    if not upcoming:
        raise ValueError(
            "No campaign to score: every campaign already has contacts. "
            "Add the upcoming campaign to the campaigns table or pass --campaign."
        )
    return upcoming[0]


def release_dbt_connection() -> None:
    """Close the DuckDB handle dbt-duckdb keeps open in this process after an invocation.

    dbt-duckdb caches one process-wide database handle (and only drops the reference at
    exit), which blocks any other connection to the same file with different options, such
    as Bullseye's read-only reads. No public API closes it, so this reaches for the cache.
    """
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # another adapter: nothing to release
        return
    with DuckDBConnectionManager._LOCK:
        env = DuckDBConnectionManager._ENV
        if env is not None:
            env.close()
            DuckDBConnectionManager._ENV = None


def generate_dbt_docs(settings: Settings) -> Path:
    """``dbt docs generate`` against the built warehouse; returns the docs site's index.html."""
    import os

    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(settings))
    args = ["docs", "generate", "--project-dir", str(DBT_PROJECT_DIR)]
    try:
        result = dbtRunner().invoke([*args, "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"])
    finally:
        release_dbt_connection()
    if not result.success:
        raise RuntimeError(f"dbt docs generate failed: {result.exception}")
    return DBT_PROJECT_DIR / "target" / "index.html"
