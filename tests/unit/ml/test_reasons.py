import numpy as np
import pytest

from ml.modelling.reasons import phrase, reason_codes
from ml.modelling.train import TrainingConfig, train_response_model
from tests.unit.ml.conftest import synthetic_training_frame


@pytest.fixture(scope="module")
def model():
    """One model for the module's tests (training is the slow part)."""
    return train_response_model(synthetic_training_frame(), TrainingConfig(n_trials=3, seed=2))


def test_phrases_read_like_marketing():
    assert phrase("orders_90d", 4) == "bought 4 times in the last 90 days"
    assert phrase("recency_days", 12.0) == "last bought 12 days ago"
    assert phrase("spend_365d_toys", 120.0) == "spent 120 on toys last year"
    assert phrase("region", "north") == "region: north"


def test_recent_buyer_is_explained_by_recency(training_frame, model):
    rows = training_frame.head(2).copy()
    rows["recency_days"] = [3.0, 3.0]
    reasons = reason_codes(model.scorer, rows)
    assert list(reasons.columns) == ["reason_1", "reason_2", "reason_3"]
    assert reasons["reason_1"].tolist() == ["last bought 3 days ago"] * 2


def test_reasons_match_row_by_row_phrasing_with_missing_and_categorical_values(
    training_frame, model
):
    """Each row's reasons are the phrases of its own top contributions, missing values and
    categories included (phrases are computed once per distinct value)."""
    rows = training_frame.head(300).copy()
    rows.loc[rows.index[::3], "recency_days"] = None
    reasons = reason_codes(model.scorer, rows)
    matrix = model.scorer.spec.matrix(rows)
    contributions = model.scorer.contributions(matrix)
    for i in range(len(rows)):
        top = sorted(range(matrix.shape[1]), key=lambda c: -contributions[i, c])[:3]
        expected = [
            phrase(matrix.columns[c], matrix.iat[i, c]) if contributions[i, c] > 0 else ""
            for c in top
        ]
        assert reasons.iloc[i].tolist() == expected


def test_approximate_contributions_add_up_to_the_log_odds_like_tree_shap(training_frame, model):
    rows = training_frame.head(200)
    matrix = model.scorer.spec.matrix(rows)
    margin = model.scorer.margin(matrix)
    for approximate in (False, True):
        contributions = model.scorer.contributions(matrix, approximate)
        bias = margin - contributions.sum(axis=1)  # the same expected value for every row
        assert np.ptp(bias) < 1e-4
    approximate = reason_codes(model.scorer, rows, approximate=True)["reason_1"]
    exact = reason_codes(model.scorer, rows)["reason_1"]
    assert (approximate == exact).mean() > 0.6  # mostly the same first reason
