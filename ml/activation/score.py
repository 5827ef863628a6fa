"""Score a scoring mart with a registered model, and refuse scores that rank nobody."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bullseye.core.catalog import CAMPAIGN_ID, CUSTOMER_KEY
from ml.modelling.evaluate import assign_deciles
from ml.modelling.uplift import predict_uplift
from ml.registry.store import ModelVersion


def raw_scores(model: ModelVersion, scoring: pd.DataFrame) -> np.ndarray:
    """The model's uncalibrated scores of a scoring mart's rows."""
    if scoring.empty:
        return np.array([], dtype=float)
    return model.scorer().predict(scoring)


def score_customers(
    model: ModelVersion, scoring: pd.DataFrame, raw: np.ndarray | None = None
) -> pd.DataFrame:
    """One row per eligible customer, in the scoring mart's order: pseudonymous key, score
    (the model's calibrated probability of ``raw``, computed when not given) and decile."""
    raw = raw_scores(model, scoring) if raw is None else raw
    scores = model.calibrate(raw)  # calibrated: same ranking as the raw score
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


class ScoringGuardError(ValueError):
    """The scores would rank the audience by nothing: publication is refused."""


IMPORTANT_SHARE = 0.05  # a feature with this share of the mean |SHAP| total carries the model
MIN_ROWS_FOR_DISTINCT_CHECK = 100


def scoring_problems(
    model: ModelVersion, scoring: pd.DataFrame, raw: np.ndarray, min_distinct_scores: int
) -> list[str]:
    """Why these scores must not be published (empty when they may):

    - a feature that carried the model in training is null for every scoring row (typically
      contact-time context that does not exist before the contact): every customer would get
      the same contribution from it;
    - fewer than ``min_distinct_scores`` distinct raw scores among many rows: the audience would
      be ranked by nothing (hand-written: no library checks a score vector for this).
    """
    problems = []
    importance = pd.Series(model.meta.importance, dtype="float64")
    total = float(importance.sum())
    for feature, value in importance.items():
        share = value / total if total > 0 else 0.0
        if share >= IMPORTANT_SHARE and feature in scoring and scoring[feature].isna().all():
            problems.append(
                f"feature {feature!r} carried {share:.0%} of the model's importance in training "
                "but is null for every scoring row; supply it for the campaign being scored "
                "(campaign context belongs in campaigns.attr_* columns, which the upcoming "
                "campaign states in advance) or retrain without it"
            )
    if len(scoring) >= MIN_ROWS_FOR_DISTINCT_CHECK:
        distinct = len(np.unique(raw))
        if distinct < min_distinct_scores:
            problems.append(
                f"only {distinct} distinct score(s) among {len(scoring):,} customers (at least "
                f"{min_distinct_scores} expected): the ranking would be arbitrary; check which "
                "features are empty in the scoring mart"
            )
    return problems
