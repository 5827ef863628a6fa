"""The ``recommend-products`` and ``customer-value`` flows: what to offer each customer and
what each is worth, from the built warehouse (a refresh builds the order_lines,
product_catalogue and completed_orders marts they read). The pipeline runs both before
scoring, so audiences carry offers and the expected-profit policy values responses by CLV."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from prefect import flow

from bullseye.core.locks import warehouse_lock
from bullseye.core.warehouse import require_built
from flows.context import start_run
from flows.tasks import recommend, value


def _name(kind: str):
    return lambda: f"{kind}-{datetime.now(UTC):%Y-%m-%d}"


def _step(kind: str, step, as_of: datetime | None, home: Path | None, nothing: str) -> dict:
    """Run one of the two steps on the built warehouse, under the lock; the summary says what
    it found (``nothing`` when it had nothing to work on)."""
    run = start_run(home, as_of)
    require_built(run.settings)
    with warehouse_lock(run.settings, f"{kind} {run.run_id}"):
        outcome = step(run.settings, run.as_of, run.run_dir)
    if outcome is None:
        return run.close({"run_id": run.run_id, "method": None}, nothing, f"{kind}-summary")
    text = outcome.describe()
    result = {"run_id": run.run_id, "text": text} | asdict(outcome)
    return run.close(result, text, f"{kind}-summary")


@flow(name="recommend-products", flow_run_name=_name("recommend"), log_prints=True)
def recommend_products(as_of: datetime | None = None, home: Path | None = None) -> dict:
    """Judge every recommender (popularity, co-purchase rules, content-based, ALS, BPR) on the
    latest purchases, then write each reachable customer's top products with the best one to
    publish.recommendations, with an HTML report and artifacts.

    Args:
        as_of: the point-in-time moment (UTC); default: now.
        home: Bullseye home folder (its warehouse must be built).
    """
    return _step("recommend", recommend, as_of, home, "No order lines: nothing to recommend.")


@flow(name="customer-value", flow_run_name=_name("value"), log_prints=True)
def customer_value(as_of: datetime | None = None, home: Path | None = None) -> dict:
    """Fit the lifetime-value model (spend over the next value.horizon_days), judge it against
    the naive last-period forecast, write publish.customer_value and the profiles' clv.

    Args:
        as_of: the point-in-time moment (UTC); default: now.
        home: Bullseye home folder (its warehouse must be built).
    """
    return _step("value", value, as_of, home, "Too little purchase history for CLV.")
