"""Recommendation stage: judge every method on a time split, recommend with the best for
every customer who may be contacted, write ``publish.recommendations`` and the report.

Customers who may not be contacted on any channel, or who are on the suppression list, get
no recommendation (nothing would reach them, and the table is an audience of its own for a
campaign tool).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from bullseye.core.catalog import (
    CUSTOMER_KEY,
    ORDER_LINES_RELATION,
    PRODUCTS_RELATION,
    PROFILES_RELATION,
    RECOMMENDATIONS_RELATION,
)
from bullseye.core.jsonio import write_json_atomic
from bullseye.core.settings import Settings
from bullseye.core.warehouse import has_relation, read_query, read_relation, write_table
from bullseye.reports.recommend import render_recommendations
from bullseye.services.scoring import eligibility_rules
from ml.recommend.evaluate import RecommendConfig, evaluate
from ml.recommend.offers import OFFER_COLUMNS, offers, recommend

log = logging.getLogger("bullseye.recommend")
GROUP = "region"  # popularity is counted per region


@dataclass(frozen=True)
class RecommendationRun:
    method: str  # the method that recommended (best NDCG@k on the holdout)
    k: int
    cutoff: str
    evaluated_customers: int
    evaluation: list[dict]  # one row per method
    repeat_categories: list[str]
    customers: int  # customers given recommendations
    withheld: int  # customers without a channel to reach them, or suppressed
    report_path: str
    ndcg_lift_over_popularity: dict[str, float] = field(default_factory=dict)

    def describe(self) -> str:
        lifts = ", ".join(f"{m} x{v:.2f}" for m, v in self.ndcg_lift_over_popularity.items())
        return (
            f"Recommendations: {self.method} for {self.customers:,} customers ({self.withheld:,} "
            f"withheld: opted in on no channel, or suppressed); NDCG@{self.k} against popularity: "
            f"{lifts}"
        )


def config_of(settings: Settings) -> RecommendConfig:
    r = settings.recommend
    return RecommendConfig(
        r.k, r.horizon_days, r.recent_days, r.min_repeat_share, tuple(r.methods), settings.seed
    )


def reachable_customers(settings: Settings, profiles: pd.DataFrame) -> pd.Series:
    """Customer keys opted in on at least one channel and not suppressed."""
    consent = [c for c in profiles.columns if c.startswith("is_opted_in_")]
    opted_in = profiles[consent].fillna(False).astype(bool).any(axis=1)
    suppressed = profiles[CUSTOMER_KEY].isin(eligibility_rules(settings).suppressed_keys)
    return profiles.loc[opted_in & ~suppressed, CUSTOMER_KEY]


def recommend_products(
    settings: Settings, as_of: datetime, run_dir: Path
) -> RecommendationRun | None:
    """None when the warehouse has no order lines (the landing has no order_items)."""
    lines = read_relation(settings, ORDER_LINES_RELATION)
    if lines.empty:
        log.info("No order lines in the warehouse: no product recommendations")
        return None
    catalogue = read_relation(settings, PRODUCTS_RELATION)
    profiles = read_relation(settings, PROFILES_RELATION)
    groups = profiles.set_index(CUSTOMER_KEY)[GROUP].astype(str)
    config = config_of(settings)
    evaluation = evaluate(lines, catalogue, groups, config)
    reachable = reachable_customers(settings, profiles)
    frame = recommend(lines, catalogue, groups, reachable, evaluation.best, config, as_of)
    names = catalogue.set_index("product_id")["product_name"]
    frame.insert(3, "product_name", frame["product_id"].map(names))
    frame = frame.assign(
        as_of=pd.Timestamp(as_of).tz_localize(None), method_cutoff=evaluation.cutoff
    )
    write_table(settings, RECOMMENDATIONS_RELATION, frame)
    lifts = {
        m: round(evaluation.lift_over_popularity(m), 4)
        for m in evaluation.table["method"]
        if m != "popularity"
    }
    report = run_dir / "recommendations.html"
    run_dir.mkdir(parents=True, exist_ok=True)
    reached = int(reachable.nunique())
    facts = [
        ("method used", f"{evaluation.best} (best NDCG@{config.k})"),
        ("holdout", f"purchases from {evaluation.cutoff:%Y-%m-%d}, {config.horizon_days} days"),
        ("customers evaluated", f"{evaluation.customers:,}"),
        ("customers recommended", f"{reached:,}"),
        ("withheld (no channel or suppressed)", f"{len(profiles) - reached:,}"),
        (
            "categories offered again soon (repeat)",
            ", ".join(sorted(evaluation.repeat_categories)) or "none",
        ),
    ]
    report.write_text(render_recommendations(evaluation.table, facts, evaluation.rules, config.k))
    result = RecommendationRun(
        evaluation.best,
        config.k,
        evaluation.cutoff.isoformat(),
        evaluation.customers,
        json.loads(evaluation.table.to_json(orient="records")),
        sorted(evaluation.repeat_categories),
        reached,
        len(profiles) - reached,
        str(report),
        lifts,
    )
    write_json_atomic(run_dir / "recommendations.json", asdict(result))
    return result


def top_offers(settings: Settings, audience: pd.DataFrame, n: int = 5) -> list[dict]:
    """The products most often first offer in the audience's target group, with names."""
    if "offer_1" not in audience or "group" not in audience:
        return []
    first = audience.loc[(audience["group"] == "target") & (audience["offer_1"] != ""), "offer_1"]
    counts = first.value_counts().head(n)
    catalogue = read_relation(settings, PRODUCTS_RELATION).set_index("product_id")
    names = catalogue["product_name"].astype(object).where(catalogue["product_name"].notna(), None)
    return [
        {
            "product_id": product,
            "product_name": names.get(product),
            "category": catalogue["category"].get(product),
            "customers": int(count),
        }
        for product, count in counts.items()
    ]


def audience_offers(settings: Settings, keys: pd.Series) -> pd.DataFrame | None:
    """offer_1..3 for an audience's keys, from the latest recommendations (None: none yet)."""
    if not has_relation(settings, RECOMMENDATIONS_RELATION):
        return None
    top = read_query(
        settings,
        f"select {CUSTOMER_KEY}, rank, product_id from {RECOMMENDATIONS_RELATION} where rank <= ?",
        [len(OFFER_COLUMNS)],
    )
    return offers(top, keys)
