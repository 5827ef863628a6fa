"""A team's own attr_* columns become features (customers', and campaigns' as campaign_attr_*;
contacts' are kept out: they do not exist before a send); odd columns warn; bad values are
quarantined. One landing, one real dbt build, many assertions."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from bullseye.cli.main import app
from bullseye.core.catalog import is_drift_checked
from bullseye.core.contract import check_landing
from bullseye.core.warehouse import read_relation
from ml.modelling.data import FeatureSpec
from tests.conftest import build_warehouse

# The campaigns' own context, one numeric and one categorical (mixed-case name on purpose).
SEASONS = ("spring", "summer", "autumn", "winter")


@pytest.fixture(scope="module")
def tolerant(small_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("tolerant")
    landing = root / "landing"
    shutil.copytree(small_data.landing_dir, landing)
    rng = np.random.default_rng(0)

    customers = pd.read_parquet(landing / "customers")
    customers["attr_loyalty_tier"] = rng.choice(["gold", "silver", "bronze"], len(customers))
    customers["attr_clv_score"] = rng.gamma(2.0, 50.0, len(customers))
    customers["birth_year"] = customers["birth_year"].astype("string")
    customers.loc[customers.index[:7], "birth_year"] = "nineteen-eighty"
    contacts = pd.read_parquet(landing / "contacts")
    contacts["attr_offer"] = rng.choice(["10pct", "free_shipping"], len(contacts))
    orders = pd.read_parquet(landing / "orders")
    orders["legacy_flag"] = 1
    campaigns = pd.read_parquet(landing / "campaigns").sort_values("starts_at")
    campaigns["attr_season"] = [SEASONS[i % 4] for i in range(len(campaigns))]
    campaigns["attr_Market_Index"] = 100.0 + 2.5 * np.arange(len(campaigns))
    tables = (("customers", customers), ("contacts", contacts), ("orders", orders))
    for name, frame in (*tables, ("campaigns", campaigns)):
        shutil.rmtree(landing / name)
        (landing / name).mkdir()
        frame.to_parquet(landing / name / "part-00000.parquet", index=False)
    return landing, build_warehouse(landing, root / "home")


def test_unknown_column_warns_not_fails(tolerant):
    landing, _ = tolerant
    warnings = check_landing(landing).warnings
    assert len(warnings) == 1
    assert "'legacy_flag' of table 'orders'" in warnings[0]


def test_attr_columns_become_features(tolerant):
    _, settings = tolerant
    training = read_relation(settings, "marts.training_campaign_response")
    spec = FeatureSpec.from_frame(training)
    assert "attr_clv_score" in spec.numeric
    assert set(spec.categorical["attr_loyalty_tier"]) == {"bronze", "gold", "silver"}
    assert "campaign_attr_market_index" in spec.numeric
    assert set(spec.categorical["campaign_attr_season"]) <= set(SEASONS)
    assert "legacy_flag" not in training.columns
    scoring = read_relation(settings, "marts.scoring_campaign")
    scoring = scoring[scoring["campaign_id"] == "winter-sale"]
    assert len(scoring) > 0
    assert scoring["attr_loyalty_tier"].notna().all()
    matrix = spec.matrix(scoring)  # the model's columns are all there, and filled
    assert matrix["campaign_attr_market_index"].notna().all()
    assert matrix["campaign_attr_season"].notna().all()


@pytest.fixture(scope="module")
def landing_campaigns(tolerant):
    landing, _ = tolerant
    return pd.read_parquet(landing / "campaigns").set_index("campaign_id")


@pytest.mark.parametrize(
    "mart", ["training_campaign_response", "training_campaign_contacts", "scoring_campaign"]
)
def test_each_row_carries_its_own_campaigns_attributes(tolerant, landing_campaigns, mart):
    """Training rows carry the values of the campaign they were contacted in; scoring rows those
    of the campaign being scored (the upcoming one states them in advance)."""
    _, settings = tolerant
    rows = read_relation(settings, f"marts.{mart}")
    expected = landing_campaigns.loc[rows["campaign_id"]]
    assert rows["campaign_id"].nunique() >= (1 if mart == "scoring_campaign" else 5)
    assert (rows["campaign_attr_season"].to_numpy() == expected["attr_season"].to_numpy()).all()
    assert np.allclose(rows["campaign_attr_market_index"], expected["attr_Market_Index"])


def test_scoring_rows_carry_the_upcoming_campaigns_values(tolerant, landing_campaigns):
    _, settings = tolerant
    scoring = read_relation(settings, "marts.scoring_campaign")
    assert set(scoring["campaign_id"]) == {"winter-sale"}
    upcoming = landing_campaigns.loc["winter-sale"]
    assert set(scoring["campaign_attr_season"]) == {upcoming["attr_season"]}
    assert set(scoring["campaign_attr_market_index"]) == {upcoming["attr_Market_Index"]}


def test_contact_attributes_are_not_features(tolerant):
    """A contact's attributes do not exist before the send (null at scoring): a model leaning on
    them would score every customer alike, so they stay out of training and scoring marts and
    are kept for measurement."""
    _, settings = tolerant
    for mart in ("training_campaign_response", "training_campaign_contacts", "scoring_campaign"):
        assert "attr_offer" not in read_relation(settings, f"marts.{mart}").columns, mart
    outcomes = read_relation(settings, "marts.campaign_contact_outcomes")
    assert set(outcomes["attr_offer"]) == {"10pct", "free_shipping"}


def test_campaign_attributes_are_campaign_context_for_drift():
    assert not is_drift_checked("campaign_attr_season")
    assert is_drift_checked("attr_loyalty_tier")


def test_check_lists_attributes_apart_from_ignored_columns(tolerant):
    landing, _ = tolerant
    inventory = check_landing(landing)
    assert inventory.tables["campaigns"].attribute_columns == ("attr_season", "attr_Market_Index")
    assert inventory.tables["campaigns"].unknown_columns == ()
    assert inventory.tables["orders"].unknown_columns == ("legacy_flag",)
    result = CliRunner().invoke(app, ["check", "--landing", str(landing)])
    assert result.exit_code == 0, result.output
    campaigns_row = next(line for line in result.output.splitlines() if "campaigns" in line)
    assert "attr_season, attr_Market_Index" in campaigns_row
    assert "ignored columns" in result.output
    assert "legacy_flag" in next(line for line in result.output.splitlines() if "orders" in line)
    assert "Note: attr_offer of table 'contacts' are staged and kept for measurement" in (
        result.output
    )


def test_value_that_cannot_be_cast_is_quarantined(tolerant):
    _, settings = tolerant
    quarantine = read_relation(settings, "quarantine.quarantine_customers")
    invalid = quarantine[quarantine["reject_reason"] == "invalid_birth_year"]
    assert len(invalid) == 7
    assert set(invalid["birth_year__raw"]) == {"nineteen-eighty"}
