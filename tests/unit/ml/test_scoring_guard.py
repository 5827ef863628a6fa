"""Scores that would rank an audience by nothing are refused before publication (real data
once published one score for 8,238 customers: the model leaned on contact-time context that is
null before the contact)."""

from ml.activation.score import empty_features, raw_scores, scoring_problems
from ml.modelling.train import TrainingConfig, train_response_model
from ml.registry import store


def _model(tmp_path, training_frame):
    model = train_response_model(training_frame, TrainingConfig(n_trials=2, seed=1))
    return store.register(model, tmp_path, None, "run"), model


def test_ordinary_scoring_rows_pass(tmp_path, training_frame):
    version, model = _model(tmp_path, training_frame)
    rows = training_frame[training_frame["period_id"].isin(model.test_periods)]
    raw = raw_scores(version, rows)
    empty = empty_features(version, rows)
    assert scoring_problems(version, empty, raw, min_distinct_scores=10, max_score_shift=1.0) == []


def test_scores_far_from_the_test_scores_are_refused(tmp_path, training_frame):
    """A feed gone wrong (every customer 'bought today', 40 orders): the scores leave the range
    the model was judged on."""
    version, model = _model(tmp_path, training_frame)
    rows = training_frame[training_frame["period_id"].isin(model.test_periods)]
    broken = rows.assign(recency_days=0.0, orders_total=40)
    problems = scoring_problems(
        version, empty_features(version, broken), raw_scores(version, broken), 1, 1.0
    )
    assert len(problems) == 1
    assert "standard deviations (Wasserstein)" in problems[0]


def test_an_important_feature_null_at_scoring_is_named_with_the_fix(tmp_path, training_frame):
    version, model = _model(tmp_path, training_frame)
    top = model.importance.index[0]  # the feature carrying the model
    rows = training_frame[training_frame["period_id"].isin(model.test_periods)]
    emptied = rows.assign(**{top: None})
    problems = scoring_problems(
        version, empty_features(version, emptied), raw_scores(version, emptied), 1
    )
    assert len(problems) == 1
    assert repr(top) in problems[0]
    assert "null for every scoring row" in problems[0]
    assert "campaigns.attr_*" in problems[0]


def test_constant_scores_are_refused(tmp_path, training_frame):
    version, _ = _model(tmp_path, training_frame)
    one_customer = training_frame.iloc[[0] * 500].reset_index(drop=True)
    problems = scoring_problems(
        version, empty_features(version, one_customer), raw_scores(version, one_customer), 10
    )
    assert problems == [
        "only 1 distinct score(s) among 500 customers (at least 10 expected): the ranking "
        "would be arbitrary; check which features are empty in the scoring mart"
    ]
