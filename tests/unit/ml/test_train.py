from dataclasses import replace

import numpy as np

from ml.modelling.train import TrainingConfig, predict, train_response_model

CONFIG = TrainingConfig(n_trials=4, timeout_s=60, seed=3)


def test_model_learns_the_signal_and_beats_chance(training_frame):
    model = train_response_model(training_frame, CONFIG)
    assert model.metrics.roc_auc > 0.6
    assert model.rows["test"] == 1_500
    assert model.deciles["responders"].iloc[0] > model.deciles["responders"].iloc[-1]


def test_same_seed_same_model(training_frame):
    a = train_response_model(training_frame, CONFIG)
    b = train_response_model(training_frame, CONFIG)
    assert a.params == b.params
    np.testing.assert_allclose(a.test_scores["score"], b.test_scores["score"])


def test_row_order_does_not_change_the_model(training_frame):
    a = train_response_model(training_frame, CONFIG)
    b = train_response_model(training_frame.sample(frac=1.0, random_state=5), CONFIG)
    np.testing.assert_allclose(
        a.test_scores.sort_values("customer_id")["score"],
        b.test_scores.sort_values("customer_id")["score"],
    )


def test_recent_buyer_scores_higher_than_lapsed_twin(training_frame):
    model = train_response_model(training_frame, CONFIG)
    twin = training_frame.head(2).copy()
    twin["orders_total"] = 4
    twin["region"] = "north"
    twin["recency_days"] = [5.0, 400.0]
    recent, lapsed = predict(model.booster, model.spec, twin)
    assert recent > lapsed


def test_a_large_training_set_is_tuned_on_a_sample_and_fitted_on_every_row(training_frame):
    # 3,000 training and 1,500 validation rows; tuning sees 1,000 of each
    model = train_response_model(training_frame, replace(CONFIG, tuning_sample_rows=1_000))
    assert model.tuning.rows == {"train": 1_000, "validation": 1_000}
    assert model.rows["train"] == 3_000
    assert model.metrics.roc_auc > 0.6
    # the round count is found again on every row, then scaled to train + validation
    assert model.num_boost_round >= 1


def test_a_training_set_within_the_cap_is_tuned_on_every_row(training_frame):
    model = train_response_model(training_frame, CONFIG)
    assert model.tuning.rows == {
        "train": model.rows["train"],
        "validation": model.rows["validation"],
    }
