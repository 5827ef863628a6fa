import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.activation.arbitration import arbitrate
from ml.activation.eligibility import (
    AudienceFilterError,
    Eligibility,
    apply_eligibility,
    apply_filters,
)
from ml.activation.policy import (
    AudiencePolicy,
    PolicyError,
    audience_economics,
    control_draw,
    select_audience,
)


def _scores(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "campaign_id": "c",
            "customer_key": [f"k{i:05d}" for i in range(n)],
            "score": [i / n for i in range(n)],
        }
    )


def test_top_k_takes_the_highest_scores():
    audience = select_audience(_scores(100), AudiencePolicy("c", top_k=10))
    assert len(audience) == 10
    assert audience["score"].min() == pytest.approx(0.90)
    assert audience["rank"].tolist() == list(range(1, 11))


def test_control_share_is_near_the_policy_and_stable():
    policy = AudiencePolicy("spring", top_k=None, control_share=0.10)
    first = select_audience(_scores(20_000), policy)
    again = select_audience(_scores(20_000).sample(frac=1, random_state=3), policy)
    assert (first["group"] == "control").mean() == pytest.approx(0.10, abs=0.01)
    merged = first.merge(again, on="customer_key")
    assert (merged["group_x"] == merged["group_y"]).all()


def test_control_depends_on_campaign():
    keys = pd.Series([f"k{i}" for i in range(5_000)])
    a, b = control_draw("a", keys, "s"), control_draw("b", keys, "s")
    assert ((a < 0.1) != (b < 0.1)).any()


def test_filters_keep_only_matching_profiles():
    scores = _scores(6)
    profiles = pd.DataFrame(
        {
            "customer_key": [f"k{i:05d}" for i in range(6)],
            "rfm_segment": ["champions", "loyal", "lost", "champions", "new", "loyal"],
            "region": ["north", "north", "north", "south", "north", "north"],
        }
    )
    filters = (("region", ("north",)), ("rfm_segment", ("champions", "loyal")))
    kept = apply_filters(scores, filters, profiles)
    assert kept["customer_key"].tolist() == ["k00000", "k00001", "k00005"]
    assert apply_filters(scores, (), profiles) is scores


def test_unknown_filter_field_is_named():
    profiles = pd.DataFrame({"customer_key": ["k00000"], "region": ["north"]})
    with pytest.raises(AudienceFilterError, match="colour"):
        apply_filters(_scores(1), (("colour", ("red",)),), profiles)


def _valued(n: int) -> pd.DataFrame:
    scores = _scores(n)
    scores["value_per_response"] = [50.0 if i % 2 else 5.0 for i in range(n)]
    return scores


def test_threshold_keeps_scores_at_or_above():
    audience = select_audience(_scores(100), AudiencePolicy("c", kind="threshold", threshold=0.95))
    assert audience["score"].min() >= 0.95
    assert len(audience) == 5


def test_budget_pays_for_targets_only():
    policy = AudiencePolicy("c", kind="budget", budget=10.0, cost_per_contact=0.5)
    audience = select_audience(_scores(1_000), policy)
    assert (audience["group"] == "target").sum() == 20  # 10 / 0.5
    assert audience_economics(audience, policy)["cost"] == pytest.approx(10.0)


def test_expected_profit_contacts_only_positive_value_and_ranks_by_it():
    policy = AudiencePolicy(
        "c", kind="expected_profit", cost_per_contact=2.0, value_per_response=10.0
    )
    audience = select_audience(_valued(100), policy)
    assert (audience["expected_value"] > 0).all()
    # p x 50 - 2 > 0 from p > 0.04; p x 5 - 2 > 0 only from p > 0.4
    assert audience["expected_value"].is_monotonic_decreasing
    assert len(audience) == 48 + 29  # odd i >= 5; even i >= 42
    economics = audience_economics(audience, policy)
    assert economics["expected_profit"] == pytest.approx(
        economics["expected_revenue"] - economics["cost"]
    )


def test_bad_policies_are_refused_with_a_reason():
    with pytest.raises(PolicyError, match="threshold"):
        AudiencePolicy("c", kind="threshold")
    with pytest.raises(PolicyError, match="budget"):
        AudiencePolicy("c", kind="budget", budget=100)
    with pytest.raises(PolicyError, match="value per response"):
        AudiencePolicy("c", kind="expected_profit")
    with pytest.raises(PolicyError, match="Unknown policy"):
        AudiencePolicy("c", kind="everyone")


def test_global_holdout_is_stable_and_campaign_independent():
    keys = _scores(20_000)
    rules = Eligibility(global_holdout_share=0.05, salt="s")
    kept = apply_eligibility(keys, rules)
    assert kept.excluded["global_holdout"] == pytest.approx(1_000, rel=0.1)
    shuffled = apply_eligibility(keys.sample(frac=1, random_state=1), rules)
    assert set(kept.eligible["customer_key"]) == set(shuffled.eligible["customer_key"])


KEYS = [f"k{i:05d}" for i in range(400)]


@settings(max_examples=40, deadline=None)
@given(
    suppressed=st.sets(st.sampled_from(KEYS), max_size=120),
    holdout=st.floats(0, 0.3),
    control=st.floats(0, 0.5),
    kind=st.sampled_from(["top_k", "threshold", "budget", "expected_profit"]),
    size=st.integers(1, 400),
    seed=st.integers(0, 10_000),
)
def test_no_ineligible_customer_is_ever_selected(suppressed, holdout, control, kind, size, seed):
    rng = np.random.default_rng(seed)
    scores = pd.DataFrame(
        {
            "campaign_id": "c",
            "customer_key": KEYS,
            "score": rng.random(len(KEYS)),
            "value_per_response": rng.gamma(2, 20, len(KEYS)),
        }
    )
    rules = Eligibility(frozenset(suppressed), holdout, salt=str(seed))
    eligible = apply_eligibility(scores, rules)
    policy = AudiencePolicy(
        "c",
        top_k=size if kind == "top_k" else None,
        control_share=control,
        kind=kind,
        threshold=0.5 if kind == "threshold" else None,
        budget=float(size) if kind == "budget" else None,
        cost_per_contact=1.0,
        value_per_response=10.0,
    )
    audience = select_audience(eligible.eligible, policy)
    held_out = set(scores["customer_key"]) - set(eligible.eligible["customer_key"])
    assert not set(audience["customer_key"]) & set(suppressed)
    assert not set(audience["customer_key"]) & held_out
    assert audience["customer_key"].is_unique
    assert eligible.excluded["suppressed"] == len(suppressed)
    if kind == "budget":
        assert (audience["group"] == "target").sum() <= size


@settings(max_examples=15, deadline=None)
@given(control=st.floats(0.02, 0.5), campaign=st.text(min_size=1, max_size=12))
def test_control_share_stays_within_tolerance(control, campaign):
    audience = select_audience(
        _scores(10_000), AudiencePolicy(campaign, control_share=control, salt="s")
    )
    # binomial: 4 standard deviations on 10,000 draws
    tolerance = 4 * (control * (1 - control) / 10_000) ** 0.5
    assert (audience["group"] == "control").mean() == pytest.approx(control, abs=tolerance)


def test_arbitration_gives_each_customer_to_the_most_valuable_campaign():
    a = pd.DataFrame({"customer_key": ["x", "y", "z"], "expected_value": [1.0, 5.0, 2.0]})
    b = pd.DataFrame({"customer_key": ["y", "z", "w"], "expected_value": [3.0, 2.0, 0.5]})
    allocated, report = arbitrate({"a": a, "b": b})
    assert allocated == {"a": {"x", "y", "z"}, "b": {"w"}}  # z: a tie goes to "a"
    assert report.set_index("campaign_id")["lost_to_other_campaigns"].to_dict() == {"a": 0, "b": 2}
