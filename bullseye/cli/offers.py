"""`bullseye recommend` and `bullseye value`: what to offer each customer and what each is
worth, from a built warehouse (the flows of flows/recommend.py)."""

from __future__ import annotations

import typer

from bullseye.cli.errors import quiet_flow_failures, user_errors
from bullseye.cli.options import AsOfOption, HomeOption, check_inputs, settings


def _on_built_warehouse(flow, as_of, home) -> dict:
    from bullseye.core.warehouse import require_built

    check_inputs(None, as_of, home)
    require_built(settings(home))
    with quiet_flow_failures():
        return flow(as_of=as_of, home=home)


@user_errors
def recommend(as_of: AsOfOption = None, home: HomeOption = None) -> None:
    """Judge the product recommenders (popularity, co-purchase rules, content-based, ALS, BPR)
    on the latest purchases and write every reachable customer's top products with the best
    (publish.recommendations; audiences then carry offer_1..3). The warehouse must be built."""
    from flows.recommend import recommend_products  # Prefect and the flows: after the checks

    result = _on_built_warehouse(recommend_products, as_of, home)
    for row in result.get("evaluation", []):
        typer.echo(
            f"{row['method']:<12} precision@{result['k']} {row['precision']:.4f}  "
            f"recall {row['recall']:.4f}  MAP {row['map']:.4f}  NDCG {row['ndcg']:.4f}  "
            f"coverage {row['coverage']:.3f}  novelty {row['novelty']:.2f}"
        )
    typer.echo(result["text"] if result["method"] else "No order lines: nothing to recommend.")
    if result["method"]:
        typer.echo(f"Report: {result['report_path']}")


@user_errors
def value(as_of: AsOfOption = None, home: HomeOption = None) -> None:
    """Fit the customer-lifetime-value model, judge it against the naive last-period forecast,
    write publish.customer_value and the profiles' clv. The warehouse must be built."""
    from flows.recommend import customer_value

    result = _on_built_warehouse(customer_value, as_of, home)
    typer.echo(result.get("text") or "Too little purchase history for CLV (see the log).")
