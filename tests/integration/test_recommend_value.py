"""Recommendations and lifetime value on a dbt-built warehouse (the small generated world):
the services the flows call, their tables, and the rules a campaign tool relies on."""

import shutil

import pandas as pd
import pytest

from bullseye.core.catalog import (
    CUSTOMER_ID,
    CUSTOMER_KEY,
    CUSTOMER_VALUE_RELATION,
    PROFILES_RELATION,
    RECOMMENDATIONS_RELATION,
)
from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_relation
from bullseye.services.customer_value import value_customers
from bullseye.services.recommendations import audience_offers, recommend_products
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def home(warehouse, tmp_path_factory):
    """A copy of the session's warehouse: these tests write publish tables and profiles."""
    to = tmp_path_factory.mktemp("offers") / "home"
    shutil.copytree(warehouse.home, to)
    return to


def test_recommendations_reach_only_customers_who_may_be_contacted(home, tmp_path):
    profiles = read_relation(Settings(home=home), PROFILES_RELATION)
    consent = [c for c in profiles.columns if c.startswith("is_opted_in_")]
    reachable = profiles[profiles[consent].any(axis=1)]
    unreachable = profiles.loc[~profiles[consent].any(axis=1), CUSTOMER_KEY]
    suppressed = reachable.sample(25, random_state=0)
    path = tmp_path / "suppression.csv"
    suppressed[[CUSTOMER_ID]].to_csv(path, index=False)
    settings = Settings(home=home, suppression_file=path)

    outcome = recommend_products(settings, AS_OF, tmp_path / "run")

    got = read_relation(settings, RECOMMENDATIONS_RELATION)
    assert len(unreachable)
    assert not got[CUSTOMER_KEY].isin(unreachable).any()
    assert not got[CUSTOMER_KEY].isin(suppressed[CUSTOMER_KEY]).any()
    assert got[CUSTOMER_KEY].nunique() == outcome.customers == len(reachable) - 25
    assert outcome.withheld == len(profiles) - outcome.customers
    assert (got.groupby(CUSTOMER_KEY)["rank"].max() == settings.recommend.k).all()
    assert not got.duplicated([CUSTOMER_KEY, "product_id"]).any()
    assert set(got["method"]) <= {outcome.method, "popularity"}
    assert outcome.evaluated_customers > 0
    assert len(outcome.evaluation) == 5
    page = (tmp_path / "run" / "recommendations.html").read_text()
    assert "Strongest co-purchase rules" in page
    assert outcome.method in page
    keys = pd.Series([suppressed[CUSTOMER_KEY].iloc[0], got[CUSTOMER_KEY].iloc[0]])
    offers = audience_offers(settings, keys)
    assert (offers.iloc[0] == "").all()
    assert (offers.iloc[1] != "").all()


def test_lifetime_value_is_judged_against_the_naive_forecast_and_reaches_profiles(home, tmp_path):
    settings = Settings(home=home)
    assert read_relation(settings, PROFILES_RELATION)["clv"].isna().all()  # before any run

    outcome = value_customers(settings, AS_OF, tmp_path)

    assert outcome.holdout_customers >= settings.value.min_customers
    for judged in (outcome.model, outcome.naive):
        assert set(judged) == {"mae", "spearman", "top_decile_capture"}
    values = read_relation(settings, CUSTOMER_VALUE_RELATION)
    assert len(values) == outcome.customers
    assert (values["clv"] >= 0).all()
    profiles = read_relation(settings, PROFILES_RELATION).set_index(CUSTOMER_KEY)
    clv = values.set_index(CUSTOMER_KEY)["clv"]
    assert profiles.loc[clv.index, "clv"].to_numpy() == pytest.approx(clv.to_numpy())
    assert profiles.drop(clv.index)["clv"].isna().all()  # never bought: no value
