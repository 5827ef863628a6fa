from ml.modelling.reasons import phrase, reason_codes
from ml.modelling.train import TrainingConfig, train_response_model


def test_phrases_read_like_marketing():
    assert phrase("orders_90d", 4) == "bought 4 times in the last 90 days"
    assert phrase("recency_days", 12.0) == "last bought 12 days ago"
    assert phrase("spend_365d_toys", 120.0) == "spent 120 on toys last year"
    assert phrase("region", "north") == "region: north"


def test_recent_buyer_is_explained_by_recency(training_frame):
    model = train_response_model(training_frame, TrainingConfig(n_trials=3, seed=2))
    rows = training_frame.head(2).copy()
    rows["recency_days"] = [3.0, 3.0]
    reasons = reason_codes(model.scorer, rows)
    assert list(reasons.columns) == ["reason_1", "reason_2", "reason_3"]
    assert reasons["reason_1"].tolist() == ["last bought 3 days ago"] * 2
