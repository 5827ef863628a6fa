"""Judging recommenders on a time split: fit on purchases before a cut-off, rank k products for
every customer who bought both before and after it, and count what they bought in the
following ``horizon_days``.

Ranking metrics at k with binary relevance (a product bought in the window is relevant):
precision, recall, MAP (average precision normalised by min(relevant, k)) and NDCG; then
catalogue coverage (share of products recommended to anyone) and novelty (mean
-log2 of the share of customers who bought a recommended product: higher = less obvious).
Written here because scikit-learn's ndcg_score wants dense scores over the whole catalogue
and implicit's evaluation only takes implicit's own models; these take any top-k list.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

from ml.recommend import data as rd
from ml.recommend.methods import METHODS, Popularity, make, top_k

RULES_SHOWN = 15


@dataclass(frozen=True)
class RecommendConfig:
    k: int = 10
    horizon_days: int = 60  # the evaluation window after the cut-off
    recent_days: int = 30  # a product bought this recently is not offered again...
    min_repeat_share: float = 0.2  # ...unless its category repeats this often
    methods: tuple[str, ...] = METHODS
    seed: int = 0


def ranking_metrics(
    recommended: np.ndarray, relevant: list[np.ndarray], k: int
) -> dict[str, float]:
    """Mean precision, recall, MAP and NDCG at k over customers (rows of ``recommended``)."""
    discounts = 1 / np.log2(np.arange(2, k + 2))
    totals = np.zeros(4)
    for row, truth in zip(recommended[:, :k], relevant, strict=True):
        hits = np.isin(row, truth)
        n_rel = len(truth)
        if not n_rel:
            continue
        precision_at = np.cumsum(hits) / np.arange(1, k + 1)
        ideal = discounts[: min(n_rel, k)].sum()
        totals += (
            hits.sum() / k,
            hits.sum() / n_rel,
            (precision_at * hits).sum() / min(n_rel, k),
            (discounts * hits).sum() / ideal,
        )
    n = max(len(relevant), 1)
    return dict(zip(("precision", "recall", "map", "ndcg"), totals / n, strict=True))


def diversity(recommended: np.ndarray, buyer_share: np.ndarray) -> dict[str, float]:
    """Catalogue coverage and mean novelty of the recommended products."""
    share = np.maximum(buyer_share[recommended], 1 / max(len(buyer_share), 1) / 1e3)
    return {
        "coverage": len(np.unique(recommended)) / len(buyer_share),
        "novelty": float(np.mean(-np.log2(share))) if recommended.size else 0.0,
    }


@dataclass(frozen=True)
class Evaluation:
    cutoff: datetime
    customers: int  # evaluated: bought before and after the cut-off
    table: pd.DataFrame  # one row per method: metrics at k, coverage, novelty, fit seconds
    repeat_categories: frozenset[str]
    best: str  # the method with the highest NDCG at k
    rules: pd.DataFrame  # the strongest co-purchase rules by lift (empty without co_purchase)

    def lift_over_popularity(self, method: str, metric: str = "ndcg") -> float:
        rows = self.table.set_index("method")[metric]
        return float(rows[method] / rows["popularity"]) if rows["popularity"] else float("inf")


def evaluate(
    lines: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.Series,
    config: RecommendConfig,
    cutoff: datetime | None = None,
) -> Evaluation:
    """Every method of ``config`` (popularity always) on one time split. ``groups``: the
    popularity group (region) per customer_key."""
    cutoff = cutoff or rd.holdout_cutoff(lines, config.horizon_days)
    train = rd.interactions(lines, catalogue, cutoff, config.recent_days)
    repeat = rd.repeat_categories(train, config.min_repeat_share)
    exclude = rd.exclusions(train, repeat)
    future = rd.future_purchases(lines, cutoff, config.horizon_days, train.products)
    future = future[future.index.isin(train.customers)]
    rows = train.rows_of(future.index)
    group_of = groups.reindex(train.customers).fillna("").to_numpy()
    asked = groups.reindex(future.index).fillna("").to_numpy()
    relevant = list(future.to_numpy())
    buyer_share = np.asarray((train.bought > 0).sum(axis=0)).ravel() / max(len(train.customers), 1)
    fallback = Popularity().fit(train, catalogue, group_of)
    records, rules = [], pd.DataFrame()
    for name in dict.fromkeys(("popularity", *config.methods)):
        started = time.perf_counter()
        method = fallback if name == "popularity" else make(name, config.seed)
        if name != "popularity":
            method.fit(train, catalogue, group_of)
        items, _, _ = top_k(method, fallback, rows, asked, config.k, exclude)
        if name == "co_purchase":
            rules = method.rules.nlargest(RULES_SHOWN, ["lift", "support"])
        records.append(
            {"method": name}
            | ranking_metrics(items, relevant, config.k)
            | diversity(items, buyer_share)
            | {"seconds": round(time.perf_counter() - started, 2)}
        )
    table = pd.DataFrame(records)
    best = str(table.sort_values(["ndcg", "method"], ascending=[False, True]).iloc[0]["method"])
    return Evaluation(cutoff, len(relevant), table, repeat, best, rules)
