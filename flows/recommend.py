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


@flow(name="recommend-products", flow_run_name=_name("recommend"), log_prints=True)
def recommend_products(as_of: datetime | None = None, home: Path | None = None) -> dict:
    """Judge every recommender (popularity, co-purchase rules, content-based, ALS, BPR) on the
    latest purchases, then write each reachable customer's top products with the best one to
    publish.recommendations, with an HTML report and artifacts.

    Args:
        as_of: the point-in-time moment (UTC); default: now.
        home: Bullseye home folder (its warehouse must be built).
    """
    run = start_run(home, as_of)
    settings = run.settings
    require_built(settings)
    with warehouse_lock(settings, f"recommend {run.run_id}"):
        outcome = recommend(settings, run.as_of, run.run_dir)
    if outcome is None:
        return run.close(
            {"run_id": run.run_id, "method": None},
            "No order lines: nothing to recommend.",
            "recommend-summary",
        )
    lifts = ", ".join(f"{m} x{v:.2f}" for m, v in outcome.ndcg_lift_over_popularity.items())
    text = (
        f"Recommending with **{outcome.method}** to {outcome.customers:,} customers "
        f"({outcome.withheld:,} withheld: no channel or suppressed). NDCG@{outcome.k} against "
        f"popularity: {lifts}. Report: {outcome.report_path}"
    )
    return run.close(
        {"run_id": run.run_id} | asdict(outcome), text, "recommend-summary", "Recommendations"
    )


@flow(name="customer-value", flow_run_name=_name("value"), log_prints=True)
def customer_value(as_of: datetime | None = None, home: Path | None = None) -> dict:
    """Fit the lifetime-value model (spend over the next value.horizon_days), judge it against
    the naive last-period forecast, write publish.customer_value and the profiles' clv.

    Args:
        as_of: the point-in-time moment (UTC); default: now.
        home: Bullseye home folder (its warehouse must be built).
    """
    run = start_run(home, as_of)
    settings = run.settings
    require_built(settings)
    with warehouse_lock(settings, f"value {run.run_id}"):
        outcome = value(settings, run.as_of, run.run_dir)
    if outcome is None:
        return run.close(
            {"run_id": run.run_id, "method": None}, "Too little history for CLV.", "value-summary"
        )
    result = {"run_id": run.run_id, "text": outcome.describe()} | asdict(outcome)
    return run.close(result, outcome.describe(), "value-summary", "Customer value")
