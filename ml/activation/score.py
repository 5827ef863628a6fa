"""Score a scoring mart with a registered model."""

from __future__ import annotations

import pandas as pd

from bullseye.core.catalog import CAMPAIGN_ID, CUSTOMER_KEY
from ml.modelling.evaluate import assign_deciles
from ml.modelling.uplift import predict_uplift
from ml.registry.store import ModelVersion


def score_customers(model: ModelVersion, scoring: pd.DataFrame) -> pd.DataFrame:
    """One row per eligible customer, in the scoring mart's order: pseudonymous key, score
    (the model's calibrated probability) and decile (1 = best)."""
    scores = model.probability(scoring)  # calibrated: same ranking as the raw score
    out = pd.DataFrame(
        {
            CAMPAIGN_ID: scoring[CAMPAIGN_ID].to_numpy(),
            CUSTOMER_KEY: scoring[CUSTOMER_KEY].to_numpy(),
            "score": pd.Series(scores, dtype="float64").to_numpy(),
        }
    )
    out["decile"] = assign_deciles(out["score"].to_numpy())
    return out


def add_uplift(scores: pd.DataFrame, uplift_model: ModelVersion, scoring: pd.DataFrame):
    """The scores with an ``uplift`` column: P(respond | sent) - P(respond | not sent)."""
    uplift, _ = predict_uplift(uplift_model.load_uplift_arms(), uplift_model.spec, scoring)
    return scores.assign(uplift=uplift)
