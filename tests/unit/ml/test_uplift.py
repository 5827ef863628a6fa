"""Uplift: Qini arithmetic, the T-learner on data where responders and persuadables differ,
ranking an audience by uplift, and promotion by Qini."""

import numpy as np
import pandas as pd
import pytest

from bullseye.reports import write_version_report
from ml.activation.policy import AudiencePolicy, PolicyError, select_audience
from ml.modelling.train import TrainingConfig
from ml.modelling.uplift import qini_curve, train_uplift_model, uplift_by_decile, uplift_metrics
from ml.registry import store as registry
from tests.unit.ml.conftest import promote_if_better


def uplift_frame(n_per_campaign: int = 4_000, campaigns: int = 4, seed: int = 0):
    """Recent buyers respond a lot whether contacted or not ("sure things"); lapsed buyers
    respond rarely unless contacted ("persuadables"). Half the contacts are controls."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(campaigns):
        n = n_per_campaign
        recency = rng.exponential(120, n)
        orders = rng.poisson(3, n)
        treatment = (rng.random(n) < 0.5).astype(int)
        fresh = np.exp(-recency / 40)
        base = -3.0 + 2.5 * fresh + 0.2 * np.log1p(orders)
        effect = 2.0 * (1 - fresh) * (orders >= 2)
        p = 1 / (1 + np.exp(-(base + treatment * effect)))
        at = pd.Timestamp("2026-01-01") + pd.Timedelta(days=30 * i)
        frames.append(
            pd.DataFrame(
                {
                    "campaign_id": f"c{i}",
                    "period_id": f"c{i}",
                    "period_at": at,
                    "customer_id": [f"cust{i}-{j}" for j in range(n)],
                    "customer_key": [f"key{i}-{j}" for j in range(n)],
                    "as_of_at": at,
                    "recency_days": recency,
                    "orders_total": orders,
                    "treatment": treatment,
                    "label": (rng.random(n) < p).astype(int),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_qini_of_a_perfect_ranking_beats_random():
    y = np.array([1, 0, 0, 0, 1, 0, 0, 0])
    t = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    # treated responder first, control responder last: the ideal uplift order
    perfect = np.array([8, 7, 6, 5, 1, 4, 3, 2])
    curve = qini_curve(y, t, perfect, points=8)
    # with everyone targeted: 1 treated responder - 1 control responder * 4/4 = 0
    assert curve["qini"].iloc[-1] == pytest.approx(0.0)
    assert curve["qini"].max() == pytest.approx(0.25)  # 1 of 4 treated, no control yet
    assert (
        uplift_metrics(y, t, perfect)["qini_coefficient"]
        > uplift_metrics(y, t, -perfect)["qini_coefficient"]
    )


def test_uplift_by_decile_counts_both_arms():
    rng = np.random.default_rng(1)
    y, t, r = rng.integers(0, 2, 1_000), rng.integers(0, 2, 1_000), rng.random(1_000)
    table = uplift_by_decile(y, t, r)
    assert table["customers"].sum() == 1_000
    assert (table["treated"] + table["control"] == table["customers"]).all()
    assert table["treated_responders"].sum() == (y * t).sum()


def test_t_learner_finds_persuadables_better_than_propensity():
    model = train_uplift_model(uplift_frame(), TrainingConfig(n_trials=4, seed=1))
    assert model.metrics["qini_coefficient"] > model.propensity_metrics["qini_coefficient"]
    assert (
        model.metrics["observed_uplift_top10"] > model.propensity_metrics["observed_uplift_top10"]
    )
    # the top uplift decile is lapsed (persuadable), the top propensity customers recent
    test = model.test_scores.merge(
        uplift_frame()[["customer_id", "recency_days"]], on="customer_id"
    )
    top_uplift = test.nlargest(len(test) // 10, "uplift")["recency_days"].median()
    top_propensity = test.nlargest(len(test) // 10, "propensity")["recency_days"].median()
    assert top_uplift > top_propensity


def test_audience_ranked_by_uplift_and_refused_without_it():
    scores = pd.DataFrame(
        {
            "customer_key": ["a", "b", "c"],
            "score": [0.9, 0.5, 0.1],
            "uplift": [0.0, 0.1, 0.3],
        }
    )
    chosen = select_audience(scores, AudiencePolicy("camp", 2, 0.0, kind="uplift"))
    assert list(chosen["customer_key"]) == ["c", "b"]
    with pytest.raises(PolicyError, match="uplift model"):
        select_audience(scores.drop(columns="uplift"), AudiencePolicy("c", 2, kind="uplift"))


def test_uplift_model_is_registered_and_promoted_by_qini(tmp_path):
    frame = uplift_frame()
    model = train_uplift_model(frame, TrainingConfig(n_trials=2, seed=1))
    version = registry.register_uplift(model, tmp_path, None, "run1")
    test_rows = frame[frame["period_id"].isin(model.test_periods)]
    first = promote_if_better(tmp_path, version, test_rows)
    assert (first.alias, first.metric) == ("champion", "qini_coefficient")
    again = registry.register_uplift(model, tmp_path, None, "run2")
    decision = promote_if_better(tmp_path, again, test_rows, margin=0.01)
    assert decision.alias == "challenger"
    assert decision.champion_value == pytest.approx(decision.candidate_value)
    page = write_version_report(again, decision.reason).read_text()
    assert "Qini curve" in page
    assert "Uplift by decile" in page
