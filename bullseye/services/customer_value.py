"""Lifetime-value stage: fit the CLV model on the purchase history, judge it against the naive
forecast, write ``publish.customer_value`` and rebuild ``customer_profiles`` (its clv column)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from bullseye.core.catalog import COMPLETED_ORDERS_RELATION, CUSTOMER_VALUE_RELATION
from bullseye.core.dbt import build
from bullseye.core.jsonio import write_json_atomic
from bullseye.core.settings import Settings
from bullseye.core.targets import dbt_targets_var, load_targets
from bullseye.core.warehouse import DbtInvocation, read_relation, write_table
from ml.value.clv import ValueModelError, fit_value_model

log = logging.getLogger("bullseye.value")
# The model alone: its tests ran in the refresh's build, and the rebuild only joins the clv
# column (a second pass of its tests would double this step's dbt time for nothing).
PROFILES_SELECT = [
    "--select",
    "customer_profiles",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
]


@dataclass(frozen=True)
class ValueRun:
    method: str  # "xgboost", or "naive" when the model did not beat the naive forecast
    horizon_days: int
    holdout_from: str
    holdout_customers: int
    train_examples: int
    model: dict[str, float]
    naive: dict[str, float]
    customers: int  # customers given a value
    mean_clv: float

    def describe(self) -> str:
        m, n = self.model, self.naive
        return (
            f"CLV ({self.horizon_days} days, {self.method}): holdout from "
            f"{self.holdout_from[:10]} on {self.holdout_customers:,} customers: MAE "
            f"{m['mae']:,.2f} vs naive {n['mae']:,.2f}, Spearman {m['spearman']:.3f} vs "
            f"{n['spearman']:.3f}, top-decile capture {m['top_decile_capture']:.1%} vs "
            f"{n['top_decile_capture']:.1%}"
        )


def value_customers(settings: Settings, as_of: datetime, run_dir: Path) -> ValueRun | None:
    """None when the history is too short (logged with the reason): profiles keep a null clv
    and the expected-profit policy values responses as before."""
    orders = read_relation(settings, COMPLETED_ORDERS_RELATION)
    try:
        fitted = fit_value_model(
            orders, as_of, settings.value.horizon_days, settings.value.min_customers, settings.seed
        )
    except ValueModelError as error:
        log.warning("No lifetime-value model: %s", error)
        return None
    frame = fitted.predictions.assign(
        method=fitted.method,
        horizon_days=fitted.horizon_days,
        as_of=pd.Timestamp(as_of).tz_convert(None) if pd.Timestamp(as_of).tzinfo else as_of,
    )
    write_table(settings, CUSTOMER_VALUE_RELATION, frame)
    targets = tuple(dbt_targets_var(load_targets(settings.targets_file)))
    build(settings, DbtInvocation(as_of, targets), PROFILES_SELECT)
    result = ValueRun(
        fitted.method,
        fitted.horizon_days,
        fitted.holdout_from.isoformat(),
        fitted.holdout_customers,
        fitted.train_examples,
        fitted.model,
        fitted.naive,
        len(frame),
        float(frame["clv"].mean()) if len(frame) else 0.0,
    )
    if fitted.method == "naive":
        log.warning("The CLV model did not beat the naive forecast: values are the last period's")
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(run_dir / "customer_value.json", asdict(result))
    return result
