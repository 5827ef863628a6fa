from ml.modelling.train import TrainingConfig, train_response_model
from ml.registry import store as registry
from tests.unit.ml.conftest import promote_if_better


def test_register_load_and_promote(tmp_path, training_frame):
    model = train_response_model(training_frame, TrainingConfig(n_trials=3, seed=1))
    first = registry.register(model, tmp_path, None, "run1")
    test_rows = training_frame[training_frame["period_id"].isin(model.test_periods)]
    decision = promote_if_better(tmp_path, first, test_rows)
    assert decision.is_promoted
    assert registry.aliases(tmp_path, "campaign_response")["champion"] == first.version

    loaded = registry.resolve(tmp_path, "campaign_response")
    assert loaded.version == first.version
    reloaded = test_rows.assign(score=loaded.scorer().predict(test_rows))
    both = reloaded.merge(model.test_scores, on="customer_id", suffixes=("", "_trained"))
    assert len(both) == len(test_rows)
    assert (both["score"] == both["score_trained"]).all()

    # The same model again does not beat the champion by a positive margin: challenger.
    second = registry.register(model, tmp_path, None, "run2")
    decision = promote_if_better(tmp_path, second, test_rows, margin=0.01)
    assert not decision.is_promoted
    assert decision.alias == "challenger"
    assert decision.champion_value == decision.candidate_value
    assert registry.aliases(tmp_path, "campaign_response") == {
        "champion": first.version,
        "challenger": second.version,
    }


def test_registered_model_scores_calibrated_probabilities(tmp_path, training_frame):
    from ml.activation.score import score_customers

    model = train_response_model(training_frame, TrainingConfig(n_trials=3, seed=1))
    version = registry.register(model, tmp_path, None, "run1")
    assert version.calibrator is not None
    assert version.meta.calibration["method"] in {"isotonic", "platt"}
    rows = training_frame[training_frame["period_id"] == "c3"]
    scored = score_customers(version, rows)
    raw = version.scorer().predict(rows)
    assert scored["score"].between(0, 1).all()
    # calibration is monotone: it never reorders customers
    order_raw = raw.argsort(kind="stable")
    assert (
        scored["score"].to_numpy()[order_raw][1:]
        >= scored["score"].to_numpy()[order_raw][:-1] - 1e-12
    ).all()
