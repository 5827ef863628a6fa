"""Score a scoring mart with a registered model, and refuse scores that rank nobody."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd
from scipy.stats import wasserstein_distance

from bullseye.core.catalog import CAMPAIGN_ID, CUSTOMER_KEY
from ml.modelling.evaluate import assign_deciles
from ml.registry.store import TEST_SCORES_FILE, ModelVersion


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


def empty_features(model: ModelVersion, scoring: pd.DataFrame) -> set[str]:
    """The model's features null on every row of ``scoring``."""
    return {c for c in model.spec.names if c in scoring and scoring[c].isna().all()}


class ScoringGuardError(ValueError):
    """The scores would rank the audience by nothing: publication is refused."""


IMPORTANT_SHARE = 0.05  # a feature with this share of the mean |SHAP| total carries the model
MIN_ROWS_FOR_DISTINCT_CHECK = 100


def score_shift(model: ModelVersion, raw: np.ndarray) -> float | None:
    """Wasserstein distance between these raw scores and the model's raw test scores, in
    units of the test scores' standard deviation (the measure the prediction-drift alert uses);
    None when either side has too little to compare."""
    test_scores = model.path / TEST_SCORES_FILE
    if len(raw) < MIN_ROWS_FOR_DISTINCT_CHECK or not test_scores.is_file():
        return None
    reference = pd.read_parquet(test_scores, columns=["score"])["score"].to_numpy()
    spread = float(np.std(reference))
    return float(wasserstein_distance(raw, reference)) / spread if spread > 0 else None


def scoring_problems(
    model: ModelVersion,
    empty_features: Collection[str],
    raw: np.ndarray,
    min_distinct_scores: int,
    max_score_shift: float = float("inf"),
) -> list[str]:
    """Why the raw scores ``raw`` of a scoring mart's rows, whose ``empty_features`` are null on
    every row, must not be published (empty when they may):

    - a feature that carried the model in training is null for every scoring row (typically
      contact-time context that does not exist before the contact): every customer would get
      the same contribution from it;
    - fewer than ``min_distinct_scores`` distinct raw scores among many rows: the audience would
      be ranked by nothing (hand-written: no library checks a score vector for this);
    - scores whose distribution lies more than ``max_score_shift`` test standard deviations
      (Wasserstein) from the model's test scores: the inputs are not what the model was judged
      on (a broken feed, a unit change), so its figures say nothing about this audience.
    """
    problems = []
    importance = pd.Series(model.meta.importance, dtype="float64")
    total = float(importance.sum())
    for feature, value in importance.items():
        share = value / total if total > 0 else 0.0
        if share >= IMPORTANT_SHARE and feature in empty_features:
            problems.append(
                f"feature {feature!r} carried {share:.0%} of the model's importance in training "
                "but is null for every scoring row; supply it for the campaign being scored "
                "(campaign context belongs in campaigns.attr_* columns, which the upcoming "
                "campaign states in advance) or retrain without it"
            )
    if len(raw) >= MIN_ROWS_FOR_DISTINCT_CHECK:
        distinct = len(np.unique(raw))
        if distinct < min_distinct_scores:
            problems.append(
                f"only {distinct} distinct score(s) among {len(raw):,} customers (at least "
                f"{min_distinct_scores} expected): the ranking would be arbitrary; check which "
                "features are empty in the scoring mart"
            )
    shift = score_shift(model, raw)
    if shift is not None and shift > max_score_shift:
        problems.append(
            f"the scores moved {shift:.2f} standard deviations (Wasserstein) from the model's "
            f"test scores (at most {max_score_shift} allowed): compare the scoring mart's "
            "features with the model report's training summary (a broken feed, a changed unit) "
            "before raising BULLSEYE_MAX_SCORE_SHIFT"
        )
    return problems
