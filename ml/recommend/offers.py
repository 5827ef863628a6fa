"""The recommendations a campaign can use: the chosen method fitted on every purchase before
the as-of moment, k products ranked for each customer asked about (customers who never bought
get their group's most popular products), in long form, best first."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from ml.recommend import data as rd
from ml.recommend.evaluate import RecommendConfig
from ml.recommend.methods import Popularity, make, top_k

OFFER_COLUMNS = ("offer_1", "offer_2", "offer_3")


def recommend(
    lines: pd.DataFrame,
    catalogue: pd.DataFrame,
    groups: pd.Series,
    keys: pd.Series,
    method_name: str,
    config: RecommendConfig,
    as_of: datetime,
) -> pd.DataFrame:
    """customer_key, rank, product_id, category, score, method for every key."""
    data = rd.interactions(lines, catalogue, as_of, config.recent_days)
    exclude = rd.exclusions(data, rd.repeat_categories(data, config.min_repeat_share))
    group_of = groups.reindex(data.customers).fillna("").to_numpy()
    fallback = Popularity().fit(data, catalogue, group_of)
    method = fallback if method_name == "popularity" else make(method_name, config.seed)
    if method is not fallback:
        method.fit(data, catalogue, group_of)
    keys = pd.Index(keys.drop_duplicates())
    asked = groups.reindex(keys).fillna("").to_numpy()
    items, scores, warm = top_k(method, fallback, data.rows_of(keys), asked, config.k, exclude)
    k = items.shape[1]
    return pd.DataFrame(
        {
            rd.CUSTOMER: np.repeat(keys.to_numpy(), k),
            "rank": np.tile(np.arange(1, k + 1), len(keys)),
            rd.PRODUCT: data.products.to_numpy()[items.ravel()],
            "category": data.categories[items.ravel()],
            "score": scores.ravel().astype("float64"),
            "method": np.repeat(np.where(warm, method_name, "popularity"), k),
        }
    )


def offers(recommendations: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    """offer_1..3 (product ids, best first) for each key, aligned with ``keys``; empty where a
    customer has no recommendation."""
    top = recommendations[recommendations["rank"] <= len(OFFER_COLUMNS)]
    wide = top.pivot(index=rd.CUSTOMER, columns="rank", values=rd.PRODUCT)
    wide.columns = [f"offer_{rank}" for rank in wide.columns]
    wide = wide.reindex(columns=list(OFFER_COLUMNS))
    return wide.reindex(pd.Index(keys)).reset_index(drop=True).fillna("")
