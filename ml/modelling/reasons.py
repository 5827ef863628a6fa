"""Per-customer reason codes from the model's own contributions (XGBoost's ``pred_contribs``).

The three features that push a customer's score up the most become short phrases a marketer
can read ("bought 4 times in the last 90 days"). The phrase templates are written by hand:
they are this project's feature vocabulary, which no library knows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.modelling.blend import ResponseScorer

TEMPLATES = {
    "recency_days": "last bought {v:.0f} days ago",
    "orders_30d": "bought {v:.0f} times in the last 30 days",
    "orders_90d": "bought {v:.0f} times in the last 90 days",
    "orders_365d": "bought {v:.0f} times in the last year",
    "orders_total": "{v:.0f} orders in total",
    "spend_90d": "spent {v:,.0f} in the last 90 days",
    "spend_365d": "spent {v:,.0f} in the last year",
    "spend_total": "spent {v:,.0f} in total",
    "avg_order_value": "average order of {v:,.0f}",
    "tenure_days": "customer for {v:.0f} days",
    "age": "aged {v:.0f}",
    "events_7d": "{v:.0f} site/app interactions in the last 7 days",
    "events_30d": "{v:.0f} site/app interactions in the last 30 days",
    "events_90d": "{v:.0f} site/app interactions in the last 90 days",
    "sessions_30d": "{v:.0f} visits in the last 30 days",
    "product_views_30d": "viewed {v:.0f} products in the last 30 days",
    "add_to_carts_30d": "added to cart {v:.0f} times in the last 30 days",
    "email_opens_90d": "opened {v:.0f} e-mails in the last 90 days",
    "email_clicks_90d": "clicked {v:.0f} e-mails in the last 90 days",
    "past_response_rate": "responded to {v:.0%} of past campaigns",
    "past_responses": "responded to {v:.0f} past campaigns",
    "campaign_category_spend_share_365d": "{v:.0%} of last year's spend in the campaign's category",
    "campaign_category_views_90d": "{v:.0f} views of the campaign's category in 90 days",
    "days_since_last_contact": "last contacted {v:.0f} days ago",
    "app_order_share_365d": "{v:.0%} of orders in the app",
    "categories_365d": "bought in {v:.0f} categories last year",
}


def phrase(feature: str, value) -> str:
    if pd.isna(value):
        return f"no {feature.replace('_', ' ')} yet"
    if feature in TEMPLATES and not isinstance(value, str):
        return TEMPLATES[feature].format(v=float(value))
    if feature.startswith("spend_365d_") and not isinstance(value, str):
        return f"spent {float(value):,.0f} on {feature.removeprefix('spend_365d_')} last year"
    return f"{feature.replace('_', ' ')}: {value}"


def reason_codes(
    scorer: ResponseScorer, frame: pd.DataFrame, top_n: int = 3, approximate: bool = False
) -> pd.DataFrame:
    """``reason_1`` … ``reason_<top_n>`` per row: the features with the largest positive
    contribution to the log-odds (XGBoost's SHAP, blended with the baseline's linear terms when
    the model is a blend; XGBoost's faster path attribution when ``approximate``), as phrases
    (empty when fewer features raised the score)."""
    matrix = scorer.spec.matrix(frame)
    contributions = scorer.contributions(matrix, approximate)
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :top_n]
    rows = np.arange(len(matrix))
    reasons = {}
    for rank in range(order.shape[1]):
        column_of_row = order[:, rank]
        positive = contributions[rows, column_of_row] > 0
        texts = np.full(len(matrix), "", dtype=object)
        # Phrases column by column, each distinct value phrased once: an audience of a million
        # rows has a few thousand distinct (feature, value) pairs among its top reasons.
        for column in np.unique(column_of_row[positive]):
            chosen = positive & (column_of_row == column)
            texts[chosen] = _phrases(matrix.columns[column], matrix.iloc[chosen, column])
        reasons[f"reason_{rank + 1}"] = texts
    return pd.DataFrame(reasons, index=frame.index)


def _phrases(feature: str, values: pd.Series) -> np.ndarray:
    """``phrase`` of each value, computed once per distinct value (missing ones included)."""
    codes, distinct = pd.factorize(values)  # missing values get code -1: the last phrase
    phrases = [phrase(feature, value) for value in distinct] + [phrase(feature, None)]
    return np.array(phrases, dtype=object)[codes]
