"""Benchmark: does the expected-profit policy earn more than top-k at the same audience size?

Run: ``.venv/bin/python bench/policy_profit.py [--customers 20000]``. Prints a table and writes
``bench/results/policy_profit.json``.

On generated data, the pipeline trains and calibrates the response model; then, on the test
campaign's sent contacts (never seen in training), each policy picks its audience:
expected_profit contacts everyone whose ``p x value - cost`` is positive (value = the customer's
average order value), top-k takes the same number of customers by score. The realised profit of
each uses the generator's ground truth: ``sum(p_true x expected revenue_true) - k x cost``. The
comparison is repeated for several costs per contact.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
COSTS = (0.5, 1.0, 2.0, 4.0)


def run(customers: int, work: Path) -> dict:
    from bullseye.core.params import AudiencePolicyParams
    from bullseye.core.settings import Settings
    from bullseye.core.warehouse import read_relation
    from bullseye.datagen import GeneratorConfig, generate
    from flows.pipeline import pipeline
    from ml.activation.policy import (
        VALUE_COLUMN,
        AudiencePolicy,
        audience_economics,
        select_audience,
    )
    from ml.registry import store as registry

    config = GeneratorConfig(customers=customers)
    data = generate(work / "data", config)
    pipeline(
        landing_dir=data.landing_dir,
        as_of=config.end_at.replace(tzinfo=None),
        policy=AudiencePolicyParams(top_k=100),
        home=work / "home",
    )
    settings = Settings(home=work / "home")
    model = registry.resolve(settings.models_dir, "campaign_response")
    test = read_relation(settings, "marts.training_campaign_response")
    test = test[test["period_id"].isin(model.test_periods)].reset_index(drop=True)
    scores = model.probability(test)
    truth = pd.read_parquet(data.truth_dir / "contacts.parquet").rename(
        columns={"campaign_id": "period_id"}
    )
    frame = test[["period_id", "customer_id", "customer_key", "avg_order_value"]].merge(
        truth[["period_id", "customer_id", "p_treated", "expected_revenue"]],
        on=["period_id", "customer_id"],
    )
    frame["campaign_id"] = frame["period_id"]
    frame["score"] = scores
    frame[VALUE_COLUMN] = frame["avg_order_value"]
    fallback = float(frame["avg_order_value"].median())

    def realised(chosen: pd.DataFrame, cost: float) -> float:
        picked = frame.set_index("customer_key").loc[chosen["customer_key"]]
        return float((picked["p_treated"] * picked["expected_revenue"]).sum() - cost * len(picked))

    rows = []
    for cost in COSTS:
        common = {"control_share": 0.0, "cost_per_contact": cost, "value_per_response": fallback}
        profit_policy = AudiencePolicy("test", kind="expected_profit", **common)
        by_profit = select_audience(frame, profit_policy)
        k = len(by_profit)
        by_score = select_audience(frame, AudiencePolicy("test", top_k=k, **common))
        rows.append(
            {
                "cost_per_contact": cost,
                "audience_size": k,
                "eligible": len(frame),
                "expected_profit_policy": audience_economics(by_profit, profit_policy)[
                    "expected_profit"
                ],
                "realised_profit_expected_profit": round(realised(by_profit, cost), 2),
                "realised_profit_top_k": round(realised(by_score, cost), 2),
            }
        )
        last = rows[-1]
        last["ratio"] = round(
            last["realised_profit_expected_profit"] / last["realised_profit_top_k"], 4
        )
    return {
        "customers": customers,
        "test_periods": model.test_periods,
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.customers, Path(tmp))
    result |= {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
    }
    print(
        f"\nExpected-profit vs top-k at the same size ({args.customers:,} customers, test "
        f"campaign {', '.join(result['test_periods'])}, realised with the generator's truth)"
    )
    print(f"{'cost':>6}{'size':>8}{'of':>8}{'profit (EP)':>14}{'profit (top-k)':>16}{'ratio':>8}")
    for r in result["rows"]:
        print(
            f"{r['cost_per_contact']:>6.2f}{r['audience_size']:>8}{r['eligible']:>8}"
            f"{r['realised_profit_expected_profit']:>14,.0f}{r['realised_profit_top_k']:>16,.0f}"
            f"{r['ratio']:>8.3f}"
        )
    out = ROOT / "bench" / "results" / "policy_profit.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\nWritten to {out}")


if __name__ == "__main__":
    main()
