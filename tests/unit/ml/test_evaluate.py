import numpy as np
import pytest

from ml.modelling.evaluate import assign_deciles, decile_table, evaluate


def test_deciles_are_even_and_best_first():
    scores = np.linspace(0, 1, 100)
    deciles = assign_deciles(scores)
    assert np.bincount(deciles)[1:].tolist() == [10] * 10
    assert deciles[np.argmax(scores)] == 1
    assert deciles[np.argmin(scores)] == 10


def test_decile_table_gains_and_lift_of_a_perfect_ranking():
    y = np.array([1] * 10 + [0] * 90)
    table = decile_table(y, -np.arange(100.0))
    assert table.loc[0, "responders"] == 10
    assert table.loc[0, "lift"] == pytest.approx(10.0)
    assert table["cumulative_gain"].iloc[0] == pytest.approx(1.0)
    assert table["cumulative_gain"].is_monotonic_increasing


def test_random_scores_have_auc_near_half_and_lift_near_one():
    rng = np.random.default_rng(0)
    y = rng.random(20_000) < 0.1
    metrics = evaluate(y, rng.random(20_000))
    assert metrics.roc_auc == pytest.approx(0.5, abs=0.02)
    assert metrics.top_decile_lift == pytest.approx(1.0, abs=0.15)
    assert metrics.positives == int(y.sum())
