"""Shared fixtures: a small generated data set and a warehouse built from it by real dbt."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import pytest

from bullseye.core.contract import check_landing
from bullseye.core.dbt import build
from bullseye.core.settings import Settings
from bullseye.core.targets import dbt_targets_var, load_targets
from bullseye.core.warehouse import DbtInvocation, register_landing
from bullseye.datagen import GeneratorConfig, GeneratorResult, generate

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

SMALL_CUSTOMERS = 2_000
AS_OF = GeneratorConfig().end_at.replace(tzinfo=None)


@pytest.fixture(scope="session")
def small_data(tmp_path_factory) -> GeneratorResult:
    return generate(tmp_path_factory.mktemp("data"), GeneratorConfig(customers=SMALL_CUSTOMERS))


def build_warehouse(
    landing: Path,
    home: Path,
    campaign_ids: Sequence[str] = (),
    engine: str = "duckdb",
    selection: Sequence[str] = (),
) -> Settings:
    """Contract check, landing registration (asking to score ``campaign_ids`` besides the
    upcoming campaigns) and a real `dbt build` (models and tests) of ``selection`` (default
    everything) on ``engine``, the flows' own way (bullseye.core.dbt.build)."""
    settings = Settings(home=home, engine=engine)
    register_landing(check_landing(landing), settings, campaign_ids)
    targets = tuple(dbt_targets_var(load_targets()))
    build(settings, DbtInvocation(AS_OF, targets), selection)
    return settings


@pytest.fixture(scope="session")
def warehouse(small_data, tmp_path_factory) -> Settings:
    return build_warehouse(small_data.landing_dir, tmp_path_factory.mktemp("home"))


def as_of() -> datetime:
    return AS_OF


def table_fingerprint(settings: Settings, relation: str) -> tuple[int, int]:
    """Row count and an order-independent hash of a table, floats rounded to 6 decimals
    (parallel sums may differ in the last bits from one run to the next)."""
    import duckdb
    import pandas as pd

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        frame = con.execute(f"select * from {relation}").df()
    frame = frame.round(6)
    hashes = pd.util.hash_pandas_object(frame, index=False)
    return len(frame), int(hashes.sum())
