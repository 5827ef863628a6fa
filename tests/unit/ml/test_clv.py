"""Customer lifetime value on generated orders: point-in-time features, the naive baseline,
and the fallback when the model does not beat it."""

import numpy as np
import pandas as pd
import pytest

from bullseye.datagen.generate import GeneratorConfig, generate
from ml.value.clv import ValueModelError, features_at, fit_value_model, judge


@pytest.fixture(scope="module")
def orders(tmp_path_factory):
    out = generate(tmp_path_factory.mktemp("clv"), GeneratorConfig(customers=4_000, products=0))
    frame = pd.read_parquet(out.landing_dir / "orders").drop_duplicates("order_id")
    frame = frame[(frame["status"] == "completed") & (frame["amount"] >= 0)]
    frame["ordered_at"] = frame["ordered_at"].dt.tz_convert(None)
    return frame.rename(columns={"customer_id": "customer_key"})[
        ["customer_key", "ordered_at", "amount"]
    ]


def test_features_use_only_orders_before_the_cutoff(orders):
    cutoff = pd.Timestamp("2026-03-01")
    later = orders.assign(ordered_at=cutoff + pd.Timedelta(days=1), amount=1e6)
    pd.testing.assert_frame_equal(
        features_at(orders, cutoff, 180), features_at(pd.concat([orders, later]), cutoff, 180)
    )


def test_the_model_beats_last_period_repeats_on_the_holdout(orders):
    fitted = fit_value_model(orders, GeneratorConfig().end_at, 180, 200)
    assert fitted.method == "xgboost"
    assert fitted.model["mae"] < fitted.naive["mae"]
    assert fitted.model["spearman"] > fitted.naive["spearman"]
    assert fitted.predictions["clv"].nunique() > 100  # not a constant
    assert fitted.holdout_from == pd.Timestamp(GeneratorConfig().end_at).tz_convert(
        None
    ) - pd.Timedelta(days=180)


def test_judge_counts_what_the_top_decile_captures():
    actual = np.array([100.0] + [0.0] * 9 + [10.0] * 10)
    predicted = np.array([5.0] + [0.0] * 19)
    got = judge(actual, predicted)
    assert got["top_decile_capture"] == pytest.approx(100 / 200)  # the top 2 of 20
    assert got["mae"] == pytest.approx(np.mean(np.abs(actual - predicted)))


def test_too_short_a_history_is_refused_with_the_reason(orders):
    recent = orders[orders["ordered_at"] > orders["ordered_at"].max() - pd.Timedelta(days=200)]
    with pytest.raises(ValueModelError, match=r"at least 200 customers|needs purchases"):
        fit_value_model(recent, GeneratorConfig().end_at, 180, 200)
