"""The warehouse: landing relations for dbt, dbt variables, and reading marts.

Two engines (``settings.engine``): the embedded DuckDB file, where the landing folder is
attached as views in the ``landing`` schema (no copy), and Spark (bullseye.core.spark), where
it is loaded into the ``landing`` database. The functions here answer for either, so the
services above never ask which.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from bullseye.core import spark
from bullseye.core.contract import CONTRACT, LANDING_FILE_COLUMN, Kind, LandingInventory
from bullseye.core.settings import DBT_PROJECT_DIR, Settings

_EMPTY_TYPE = {
    Kind.STRING: "varchar",
    Kind.TIMESTAMP: "timestamp",
    Kind.NUMBER: "double",
    Kind.INTEGER: "integer",
    Kind.BOOLEAN: "boolean",
}


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


def connect(settings: Settings, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A connection to the embedded warehouse, within the memory the settings allow (DuckDB
    spills the rest to disk), as the dbt profile's own connection is."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(
        str(settings.warehouse_path),
        read_only=read_only,
        config={"memory_limit": settings.duckdb_memory_limit},
    )


def register_landing(
    inventory: LandingInventory, settings: Settings, campaign_ids: Sequence[str] = ()
) -> None:
    """Expose the landing folder in schema ``landing``, with ``landing.scoring_requests``
    holding ``campaign_ids``: the campaigns the run asks to score besides the upcoming ones
    (ids go in as bound parameters, never into SQL text)."""
    if settings.engine == "spark":
        spark.register_landing(inventory, settings)
    else:
        with connect(settings) as con:
            for statement in landing_view_sql(inventory):
                con.execute(statement)
    write_scoring_requests(settings, campaign_ids)


def write_scoring_requests(settings: Settings, campaign_ids: Sequence[str]) -> None:
    """``landing.scoring_requests``: the campaigns a run asks to score besides the upcoming ones
    (ids go in as bound parameters, never into SQL text)."""
    if settings.engine == "spark":
        spark.write_scoring_requests(settings, list(campaign_ids))
        return
    with connect(settings) as con:
        con.execute("create schema if not exists landing")
        con.execute("create or replace table landing.scoring_requests (campaign_id varchar)")
        if campaign_ids:
            con.executemany(
                "insert into landing.scoring_requests values (?)", [[c] for c in campaign_ids]
            )


@dataclass(frozen=True)
class DbtInvocation:
    """Everything dbt needs to know about one run."""

    as_of: datetime
    behaviour_targets: tuple[dict, ...] = ()  # bullseye.core.targets.dbt_targets_var

    def vars_json(self, settings: Settings) -> str:
        return json.dumps(
            {
                "as_of": self.as_of.strftime("%Y-%m-%d %H:%M:%S"),
                "behaviour_targets": list(self.behaviour_targets or ()),
                "pii_salt": settings.pii_salt,
                "frequency_cap_contacts": settings.frequency_cap_contacts,
                "frequency_cap_days": settings.frequency_cap_days,
            }
        )


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment variables the dbt profile reads. Named DBT_BULLSEYE_*, never BULLSEYE_*:
    those are Bullseye's own settings, which every Settings made later in this process would
    read back."""
    env = {
        "DBT_BULLSEYE_DUCKDB_PATH": str(settings.warehouse_path.resolve()),
        "DBT_BULLSEYE_TARGET": settings.target_name,
        "DBT_BULLSEYE_DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "DBT_TARGET_PATH": str(settings.dbt_target_path),
        "DBT_LOG_PATH": str(settings.dbt_target_path.parent / "logs"),
    }
    if settings.engine == "spark":
        conf = spark.spark_conf(settings)
        env |= {
            "DBT_BULLSEYE_SPARK_WAREHOUSE_DIR": conf["spark.sql.warehouse.dir"],
            "DBT_BULLSEYE_SPARK_SHUFFLE_PARTITIONS": conf["spark.sql.shuffle.partitions"],
        }
    return env


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
    """Run a read-only query on the warehouse (``?`` marks bound parameters on both engines)."""
    if settings.engine == "spark":
        return spark.to_pandas(spark.session(settings).sql(sql, args=params or None))
    with connect(settings, read_only=True) as con:
        return con.execute(sql, params or []).df()


def has_relation(settings: Settings, relation: str) -> bool:
    """Whether ``schema.table`` exists in the warehouse (tables written by runs, not dbt)."""
    if settings.engine == "spark":
        return spark.session(settings).catalog.tableExists(relation)
    schema, table = relation.split(".")
    found = read_query(
        settings,
        "select count(*) as n from information_schema.tables "
        "where table_schema = ? and table_name = ?",
        [schema, table],
    )
    return bool(found["n"].iloc[0])


class WarehouseNotBuiltError(RuntimeError):
    """The home has no built warehouse yet: a refresh or a pipeline run builds it."""


def require_built(settings: Settings, relation: str = "marts.campaigns") -> None:
    """Raise ``WarehouseNotBuiltError`` unless the warehouse exists and holds ``relation``."""
    exists = settings.engine == "spark" or settings.warehouse_path.is_file()
    if not (exists and has_relation(settings, relation)):
        raise WarehouseNotBuiltError(
            f"No built warehouse in {settings.home} ({relation} is missing): build it first "
            "with `bullseye run --landing DIR` (or a refresh-warehouse run), or pass the --home "
            "that holds it."
        )


def write_table(settings: Settings, relation: str, frame: pd.DataFrame) -> None:
    """Replace a warehouse table with a DataFrame (results computed in Python, such as
    segments)."""
    schema = relation.split(".")[0]
    if settings.engine == "spark":
        spark.write_frame(settings, relation, frame)
        return
    with connect(settings) as con:
        con.execute(f"create schema if not exists {schema}")
        con.register("frame_to_write", frame)
        con.execute(f"create or replace table {relation} as select * from frame_to_write")


def stage_replace(
    con: duckdb.DuckDBPyConnection, relation: str, frame: pd.DataFrame, key: dict
) -> None:
    """Open a transaction that replaces the rows of ``relation`` matching ``key`` (column ->
    value) with ``frame``, creating the table on first use; the caller commits or rolls back."""
    schema = relation.split(".")[0]
    where = " and ".join(f"{column} = ?" for column in key)
    con.register("frame_to_write", frame)
    con.execute("begin transaction")
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"create table if not exists {relation} as from frame_to_write limit 0")
    # a newer Bullseye writes more columns: the table gains them, older rows read null
    existing = {row[0] for row in con.execute(f"describe {relation}").fetchall()}
    for name, kind, *_ in con.execute("describe frame_to_write").fetchall():
        if name not in existing:
            con.execute(f'alter table {relation} add column "{name}" {kind}')
    con.execute(f"delete from {relation} where {where}", list(key.values()))
    con.execute(f"insert into {relation} by name select * from frame_to_write")


def replace_rows(settings: Settings, relation: str, frame: pd.DataFrame, key: dict) -> None:
    """Replace the rows of ``relation`` matching ``key`` (column -> value) with ``frame`` in one
    transaction, keeping every other row (a history table)."""
    if settings.engine == "spark":
        spark.replace_rows(settings, relation, frame, key)
        return
    with connect(settings) as con:
        stage_replace(con, relation, frame, key)
        con.execute("commit")


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

    # Not a build: plain dbtRunner is enough here (builds go through bullseye.core.dbt.build,
    # prefect-dbt's runner, so every dbt node of a build shows in Prefect).
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(settings))
    if settings.engine == "spark":
        spark.session(settings)  # the metastore in the home, as builds use it
    args = ["docs", "generate", "--project-dir", str(DBT_PROJECT_DIR)]
    try:
        result = dbtRunner().invoke([*args, "--profiles-dir", str(DBT_PROJECT_DIR), "--quiet"])
    finally:
        release_dbt_connection()
    if not result.success:
        raise RuntimeError(f"dbt docs generate failed: {result.exception}")
    return settings.dbt_target_path / "index.html"
