import pandas as pd
import pytest

from ml.audience import (
    AudienceFilterError,
    AudiencePolicy,
    apply_filters,
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
