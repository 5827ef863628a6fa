"""Failures met on real data from outside, reproduced on generated data, then fixed (issue 13):
a month-sized latest period as the whole test set, a model worse than its own baseline."""

import numpy as np
import pandas as pd
import pytest

from ml.modelling.blend import choose_weight
from ml.modelling.data import HoldoutSize, split_by_time
from ml.modelling.intervals import auc_interval, paired_auc_difference, rank_auc
from ml.modelling.train import TrainingConfig, train_response_model
from ml.registry import promotion
from ml.registry import store as registry


def monthly_frame(sizes: list[int], rate: float = 0.1, seed: int = 0, k: int = 3) -> pd.DataFrame:
    """One campaign a month with ``sizes[i]`` contacts; a weak linear signal over ``k``
    features (trees find nothing a logistic regression does not)."""
    rng = np.random.default_rng(seed)
    frames = []
    for i, n in enumerate(sizes):
        x = rng.normal(size=(n, k))
        logit = np.log(rate / (1 - rate)) + x @ np.full(k, 0.12)
        at = pd.Timestamp("2026-01-01") + pd.Timedelta(days=30 * i)
        frames.append(
            pd.DataFrame(x, columns=[f"attr_{j}" for j in range(k)]).assign(
                campaign_id=f"m{i:02d}",
                period_id=f"m{i:02d}",
                period_at=at,
                customer_id=[f"c{i}-{j}" for j in range(n)],
                customer_key=[f"k{i}-{j}" for j in range(n)],
                as_of_at=at,
                label=(rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int),
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_a_small_latest_month_is_not_the_whole_test_set():
    # 12 months of ~3,400 contacts, then a month of 128: the old split tested on 128 rows.
    frame = monthly_frame([3_400] * 12 + [128])
    split = split_by_time(frame, seed=0)
    assert len(split.test) >= 2_000
    assert split.test["label"].sum() >= 100
    assert len(split.valid) >= 2_000
    assert split.valid["label"].sum() >= 100
    assert split.test_periods == ("m11", "m12")  # whole months, the latest ones
    assert set(split.valid["period_id"]) == {"m10"}
    assert split.test["period_at"].min() > split.valid["period_at"].max()
    assert split.valid["period_at"].min() > split.train["period_at"].max()
    assert split.warnings == ()


def test_small_data_keeps_a_quarter_per_holdout_and_says_so():
    frame = monthly_frame([500] * 8)
    split = split_by_time(frame, seed=0, size=HoldoutSize(min_rows=2_000, min_positives=100))
    assert len(split.test) == len(split.valid) == 1_000  # capped at a quarter of 4,000 rows
    assert len(split.train) == 2_000
    assert len(split.warnings) == 2
    assert "The test set holds 1,000 rows" in split.warnings[0]


def test_rank_auc_equals_scikit_learn_with_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(3)
    y = (rng.random(5_000) < 0.2).astype(int)
    scores = np.round(rng.random(5_000) + 0.2 * y, 1)  # many ties
    assert rank_auc(y, scores) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)
    interval = auc_interval(y, scores, seed=0)
    assert interval.low < interval.estimate < interval.high
    same = paired_auc_difference(y, scores, scores)
    assert (same.estimate, same.low, same.high) == (0.0, 0.0, 0.0)


def test_selection_prefers_xgboost_on_ties_and_the_baseline_when_it_ranks_better():
    y = np.array([0, 0, 1, 1])
    assert choose_weight(y, np.array([0, 1, 2, 3.0]), np.array([0, 1, 2, 3.0]))[0] == 1.0
    weight, table = choose_weight(y, np.array([3, 2, 1, 0.0]), np.array([0, 1, 2, 3.0]))
    assert weight < 1.0
    assert table[0]["valid_roc_auc"] == 0.0
    assert max(row["valid_roc_auc"] for row in table) == 1.0


def test_a_model_worse_than_its_baseline_is_never_registered_as_such(tmp_path):
    """Weak linear signal, little data: tuned trees alone lose to the logistic baseline on
    test (the failure), the registered model is chosen on validation and does not."""
    frame = monthly_frame([700] * 8, seed=0, k=30)
    model = train_response_model(frame, TrainingConfig(n_trials=2, seed=1))
    assert model.xgboost_metrics.roc_auc < model.baseline_metrics.roc_auc - 0.01  # the failure
    assert model.selection["xgboost_weight"] < 1.0
    assert "logistic" in model.selection["chosen"]
    assert not model.is_worse_than_baseline
    assert model.metrics.roc_auc > model.xgboost_metrics.roc_auc + 0.005
    version = registry.register(model, tmp_path, None, "run")
    # the registered scorer reproduces the test scores, baseline included
    test_rows = frame[frame["period_id"].isin(model.test_periods)].sort_values(
        ["period_id", "customer_id"]
    )
    assert np.allclose(version.scorer().predict(test_rows), model.test_scores["score"])
    reasons_page = (version.path / "model.json").read_text()
    assert '"blend_weight"' in reasons_page
    assert '"gain_over_baseline"' in reasons_page


def test_promotion_refuses_a_candidate_significantly_worse_than_its_baseline(
    tmp_path, training_frame
):
    """Refused on a test set of the asked-for size; on a smaller one the verdict is a warning
    (the interval of 33 positives cannot decide either way), and the candidate is promoted."""
    model = train_response_model(training_frame, TrainingConfig(n_trials=2, seed=1))
    version = registry.register(model, tmp_path, None, "run")
    assert not model.is_test_large_enough  # 1,500 test rows: fewer than the 2,000 asked for
    gain = {"gain_over_baseline": {"estimate": -0.1, "low": -0.12, "high": -0.08}}

    def candidate(large_enough: bool):
        split = version.meta.split.model_copy(update={"is_test_large_enough": large_enough})
        meta = version.meta.model_copy(update={"intervals": gain, "split": split})
        return registry.ModelVersion(version.target, version.version, version.path, meta)

    refused = promotion.decide(candidate(True), None, training_frame)
    assert not refused.is_promoted
    assert refused.alias == "challenger"
    assert "below the logistic baseline" in refused.reason
    assert promotion.decide(candidate(False), None, training_frame).is_promoted


def test_each_bootstrap_resample_is_scored_like_scikit_learn_on_its_drawn_rows():
    """The intervals weigh sorted rows by how often a resample drew them; each resample's AUC
    must equal roc_auc_score on the rows it drew, ties included."""
    from sklearn.metrics import roc_auc_score

    from ml.modelling.intervals import _resample_weights, _weighted_auc

    rng = np.random.default_rng(5)
    y = (rng.random(2_000) < 0.3).astype(int)
    scores = np.round(rng.random(2_000) + 0.3 * y, 2)
    weights = next(_resample_weights(len(y), seed=1))[:5]
    for w, auc in zip(weights, _weighted_auc(y, scores)(weights), strict=True):
        drawn = np.repeat(np.arange(len(y)), w)
        assert auc == pytest.approx(roc_auc_score(y[drawn], scores[drawn]), abs=1e-12)
