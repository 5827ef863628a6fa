"""Benchmark: product recommendations at 200,000 customers x 5,000 products.

Run: ``.venv/bin/python bench/recommend.py [--customers 200000] [--products 5000]``. Prints a
table and writes ``bench/results/recommend.json``.

Data: the generator's world at that size (a catalogue drawn from known tastes, the lines of
every order). For each method: training time (fit on the purchases before the evaluation
cut-off), scoring time (the top 10 products of every customer who bought before it, exclusion
rules applied, through ``ml.recommend.methods.top_k`` as the flows run it), the peak memory of
each, and NDCG@10 on the 60 days after the cut-off. The peer for scoring is implicit's own
batch ``recommend`` on the same fitted ALS model (its native top-N, without Bullseye's
exclusions): the ratio says what Bullseye's chunked scoring costs over the library's.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from scale import PeakRss  # noqa: E402

from bullseye.datagen.generate import GeneratorConfig, generate  # noqa: E402
from ml.recommend import data as rd  # noqa: E402
from ml.recommend.evaluate import RecommendConfig, ranking_metrics  # noqa: E402
from ml.recommend.methods import METHODS, Popularity, make, top_k  # noqa: E402


def landing_frames(landing: Path):
    """Order lines, catalogue and regions as the order_lines / product_catalogue marts give
    them (joined here: the benchmark times the recommender, not dbt)."""
    orders = pd.read_parquet(
        landing / "orders", columns=["order_id", "customer_id", "ordered_at", "status"]
    )
    orders = orders[orders["status"] == "completed"].drop_duplicates("order_id")
    items = pd.read_parquet(landing / "order_items", columns=["order_id", "product_id"])
    lines = items.drop_duplicates().merge(orders.drop(columns="status"), on="order_id")
    lines["ordered_at"] = lines["ordered_at"].dt.tz_convert(None)
    catalogue = pd.read_parquet(landing / "products").rename(columns={"name": "product_name"})
    lines = lines.merge(catalogue[["product_id", "category"]], on="product_id")
    lines = lines.rename(columns={"customer_id": rd.CUSTOMER})
    customers = pd.read_parquet(landing / "customers", columns=["customer_id", "region"])
    groups = customers.drop_duplicates("customer_id").set_index("customer_id")["region"]
    return lines, catalogue, groups.dropna().astype(str)


def timed(block):
    peak = PeakRss()
    with peak:
        started = time.perf_counter()
        out = block()
        seconds = time.perf_counter() - started
    return out, round(seconds, 2), round(peak.peak, 2)


def run(customers: int, products: int, seed: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        landing = generate(
            Path(tmp), GeneratorConfig(customers=customers, products=products, seed=seed)
        ).landing_dir
        generated_s = time.perf_counter() - started
        lines, catalogue, groups = landing_frames(landing)
    config = RecommendConfig()
    cutoff = rd.holdout_cutoff(lines, config.horizon_days)
    train = rd.interactions(lines, catalogue, cutoff, config.recent_days)
    exclude = rd.exclusions(train, rd.repeat_categories(train, config.min_repeat_share))
    future = rd.future_purchases(lines, cutoff, config.horizon_days, train.products)
    future = future[future.index.isin(train.customers)]
    everyone = np.arange(len(train.customers))
    group_of = groups.reindex(train.customers).fillna("").to_numpy()
    fallback = Popularity().fit(train, catalogue, group_of)
    judged = train.rows_of(future.index)
    rows = []
    for name in METHODS:
        method = make(name, seed)
        _, fit_s, fit_gib = timed(lambda m=method: m.fit(train, catalogue, group_of))
        (items, _, _), score_s, score_gib = timed(
            lambda m=method: top_k(m, fallback, everyone, group_of, config.k, exclude)
        )
        ndcg = ranking_metrics(items[judged], list(future.to_numpy()), config.k)["ndcg"]
        rows.append(
            {"method": name, "fit_s": fit_s, "fit_peak_gib": fit_gib, "score_s": score_s,
             "score_peak_gib": score_gib, "ndcg_at_10": round(ndcg, 4)}
        )  # fmt: skip
        if name == "als":
            peer = _implicit_recommend(method, train, config.k)
            rows[-1] |= {
                "implicit_recommend_s": peer,
                "score_ratio_to_implicit": round(score_s / peer, 2),
            }
    return {
        "generated_s": round(generated_s, 1),
        "order_lines": len(lines),
        "customers_with_purchases": len(train.customers),
        "products": len(train.products),
        "evaluated_customers": len(future),
        "methods": rows,
    }


def _implicit_recommend(method, train: rd.Interactions, k: int) -> float:
    """implicit's own batch top-N on the fitted ALS factors (every customer, no exclusions)."""
    from implicit.cpu.als import AlternatingLeastSquares

    model = AlternatingLeastSquares(factors=method.users.shape[1])
    model.user_factors, model.item_factors = method.users, method.items
    users = np.arange(len(train.customers))
    started = time.perf_counter()
    model.recommend(users, train.bought[users], N=k, filter_already_liked_items=False)
    return round(time.perf_counter() - started, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--products", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=BENCH / "results" / "recommend.json")
    args = parser.parse_args()
    result = run(args.customers, args.products, args.seed)
    print(
        f"{args.customers:,} customers x {args.products:,} products: {result['order_lines']:,} "
        f"order lines, {result['customers_with_purchases']:,} customers with purchases before "
        f"the cut-off, {result['evaluated_customers']:,} evaluated"
    )
    print(f"{'method':<12}{'fit s':>8}{'fit GiB':>9}{'score s':>9}{'score GiB':>11}{'NDCG@10':>9}")
    for r in result["methods"]:
        print(
            f"{r['method']:<12}{r['fit_s']:>8}{r['fit_peak_gib']:>9}{r['score_s']:>9}"
            f"{r['score_peak_gib']:>11}{r['ndcg_at_10']:>9}"
        )
        if "implicit_recommend_s" in r:
            print(
                f"  peer: implicit's recommend {r['implicit_recommend_s']} s for the same "
                f"customers (ratio {r['score_ratio_to_implicit']})"
            )
    result |= {
        "args": {k: str(v) for k, v in vars(args).items()},
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
