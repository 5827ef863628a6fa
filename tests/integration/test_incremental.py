"""Incremental refresh: each landing file is loaded once; the same rows twice count once."""

from __future__ import annotations

import shutil

import duckdb
import pandas as pd

from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_relation
from tests.conftest import build_warehouse, table_fingerprint


def _counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return {
            relation: con.execute(f"select count(*) from {relation}").fetchone()[0]
            for relation in (
                "staging.base_landing__orders",
                "staging.stg_landing__orders",
                "marts.training_campaign_response",
                "marts.customer_features",
            )
        }


def _mart_checksum(settings: Settings) -> tuple[int, int]:
    return table_fingerprint(settings, "marts.customer_features")


def test_new_files_are_added_and_reloads_change_nothing(small_data, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_data.landing_dir, landing)
    orders = pd.read_parquet(landing / "orders").sort_values("ordered_at", ignore_index=True)
    shutil.rmtree(landing / "orders")
    (landing / "orders").mkdir()
    half = len(orders) // 2
    orders.iloc[:half].to_parquet(landing / "orders" / "day-1.parquet", index=False)
    home = tmp_path / "home"

    first = _counts(build_warehouse(landing, home))
    assert first["staging.base_landing__orders"] == half

    orders.iloc[half:].to_parquet(landing / "orders" / "day-2.parquet", index=False)
    settings = build_warehouse(landing, home)
    second = _counts(settings)
    assert second["staging.base_landing__orders"] == len(orders)
    loaded = read_relation(settings, "staging.base_landing__orders")
    assert loaded.groupby("_landing_file").size().to_dict() == {
        str(landing / "orders" / "day-1.parquet"): half,
        str(landing / "orders" / "day-2.parquet"): len(orders) - half,
    }
    checksum = _mart_checksum(settings)

    # The same files again: nothing is loaded, nothing changes.
    assert _counts(build_warehouse(landing, home)) == second
    assert _mart_checksum(settings) == checksum

    # The same rows re-sent under a new file name: loaded, but counted once.
    shutil.copy(landing / "orders" / "day-1.parquet", landing / "orders" / "day-1-resent.parquet")
    settings = build_warehouse(landing, home)
    third = _counts(settings)
    assert third["staging.base_landing__orders"] == len(orders) + half
    assert third["staging.stg_landing__orders"] == second["staging.stg_landing__orders"]
    assert _mart_checksum(settings) == checksum
    reconciliation = read_relation(settings, "audit.dq_row_reconciliation")
    orders_rows = reconciliation[reconciliation["table_name"] == "orders"]
    assert orders_rows["row_count"].sum() == len(orders) + half


def test_a_newer_version_of_a_key_supersedes_the_older(small_data, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(small_data.landing_dir, landing)
    home = tmp_path / "home"
    build_warehouse(landing, home)
    staged = read_relation(Settings(home=home), "staging.stg_landing__orders")
    changed = staged[staged["status"] == "completed"].head(3)
    update = pd.read_parquet(landing / "orders")
    update = update[update["order_id"].isin(changed["order_id"])].assign(status="returned")
    update.to_parquet(landing / "orders" / "updates-day-2.parquet", index=False)

    settings = build_warehouse(landing, home)
    after = read_relation(settings, "staging.stg_landing__orders").set_index("order_id")
    assert (after.loc[changed["order_id"], "status"] == "returned").all()
    assert len(after) == len(staged)
    summary = read_relation(settings, "audit.dq_summary").set_index("table_name")
    assert summary.loc["orders", "rows_superseded"] == 3
