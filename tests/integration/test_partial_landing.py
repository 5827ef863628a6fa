"""A landing without orders and events (a bank's or an insurer's customer file: customers,
consents, campaigns, contacts and responses, no order history) builds with real dbt: the marts
carry no order or event feature (not columns of zeros and nulls), the profiles and segments say
what they could not compute, and nothing fails. One build, many assertions; the whole pipeline
on such a landing is tests/e2e/test_partial_landing_pipeline.py (slow)."""

from __future__ import annotations

import shutil

import pytest

from bullseye.core.warehouse import read_relation
from bullseye.services.profiling import SEGMENTS, profile_customers, profile_gaps
from ml.modelling.data import FeatureSpec
from ml.modelling.segments import segment_customers
from tests.conftest import AS_OF, build_warehouse

ORDER_FEATURES = {
    "recency_days",
    "days_since_first_order",
    "orders_total",
    "orders_30d",
    "orders_90d",
    "orders_365d",
    "spend_total",
    "spend_90d",
    "spend_365d",
    "avg_order_value",
    "returns_365d",
    "app_order_share_365d",
    "categories_365d",
    "source_max_ordered_at",
}
EVENT_FEATURES = {
    "events_7d",
    "events_30d",
    "events_90d",
    "sessions_30d",
    "product_views_30d",
    "add_to_carts_30d",
    "searches_30d",
    "email_opens_90d",
    "email_clicks_90d",
    "source_max_occurred_at",
}
CAMPAIGN_ORDER_FEATURES = {"campaign_category_spend_share_365d"}
CAMPAIGN_EVENT_FEATURES = {"campaign_category_views_90d"}
FEATURE_MARTS = (
    "customer_features",
    "training_campaign_response",
    "training_campaign_contacts",
    "scoring_campaign",
)


def _order_or_event(columns) -> set[str]:
    absent = ORDER_FEATURES | EVENT_FEATURES | CAMPAIGN_ORDER_FEATURES | CAMPAIGN_EVENT_FEATURES
    return {c for c in columns if c in absent or c.startswith("spend_365d_")}


@pytest.fixture(scope="module")
def no_orders(small_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("no-orders")
    landing = root / "landing"
    shutil.copytree(small_data.landing_dir, landing)
    shutil.rmtree(landing / "orders")
    shutil.rmtree(landing / "events")
    return build_warehouse(landing, root / "home")  # dbt build with its unit and data tests


@pytest.mark.parametrize("mart", FEATURE_MARTS)
def test_marts_have_no_order_or_event_features(no_orders, warehouse, mart):
    full = read_relation(warehouse, f"marts.{mart}").columns
    expected_gone = ORDER_FEATURES | EVENT_FEATURES
    if mart != "customer_features":
        expected_gone |= CAMPAIGN_ORDER_FEATURES | CAMPAIGN_EVENT_FEATURES
    assert expected_gone <= set(full)  # what the full landing has, so the check means something
    rows = read_relation(no_orders, f"marts.{mart}")
    assert len(rows) > 0
    assert _order_or_event(rows.columns) == set()
    assert set(full) - set(rows.columns) == _order_or_event(full)  # nothing else went


def test_a_model_can_train_and_score_on_what_is_left(no_orders):
    training = read_relation(no_orders, "marts.training_campaign_response")
    spec = FeatureSpec.from_frame(training)
    assert {"tenure_days", "past_contacts", "campaign_channel"} <= set(spec.names)
    scoring = read_relation(no_orders, "marts.scoring_campaign")
    assert spec.matrix(scoring).shape == (len(scoring), len(spec.names))


def test_behaviour_targets_have_no_examples_without_orders(no_orders):
    """purchase_within and churn labels come from orders: no orders, no examples."""
    assert read_relation(no_orders, "marts.training_purchase_within").empty
    assert read_relation(no_orders, "marts.training_churn").empty


def test_profiles_say_what_was_not_computed(no_orders, tmp_path):
    profiles = read_relation(no_orders, "marts.customer_profiles")
    customers = read_relation(no_orders, "marts.customer_features")
    assert set(profiles["customer_id"]) == set(customers["customer_id"])
    assert set(profiles["rfm_segment"]) == {"not_computed"}
    for column in ("r_score", "lifecycle_stage", "value_tier", "orders_365d", "engagement_level"):
        assert profiles[column].isna().all(), column
    outcome = profile_customers(no_orders, AS_OF, tmp_path)
    assert outcome.k == 0
    assert outcome.by_cluster.empty
    assert set(outcome.by_rfm["rfm_segment"]) == {"not_computed"}
    assert outcome.not_computed[SEGMENTS].startswith("no orders and no events in the landing")
    rfm = next(what for what in outcome.not_computed if what.startswith("RFM"))
    assert outcome.not_computed[rfm] == "no orders in the landing"
    assert outcome.not_computed["engagement level"] == "no events in the landing"
    page = outcome.report_path.read_text()
    assert "<h2>Not computed</h2>" in page
    assert "no orders in the landing" in page
    assert "Behavioural clusters" not in page
    segments = read_relation(no_orders, "marts.customer_segments")
    assert set(segments["customer_id"]) == set(customers["customer_id"])
    assert segments["segment_label"].isna().all()  # a filter on segments matches nobody


def test_without_orders_only_segments_use_engagement(warehouse):
    """With events but no orders, the clusters are drawn on engagement alone, and the profile
    gaps say so."""
    features = read_relation(warehouse, "marts.customer_features")
    engagement_only = features.drop(columns=sorted(_order_or_event(features) - EVENT_FEATURES))
    segmentation = segment_customers(engagement_only, seed=3, k_range=range(3, 5))
    assert segmentation.segmenter.columns == ("events_30d", "email_clicks_90d")
    assigned = segmentation.segmenter.assign(engagement_only)
    assert (assigned == segmentation.assignments["segment_label"].to_numpy()).mean() > 0.999
    gaps = profile_gaps(engagement_only)
    assert "orders behaviour in the behavioural segments" in gaps
    assert "engagement level" not in gaps
