"""A team's own attr_* columns become features; odd columns warn; bad values are quarantined."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from bullseye.core.contract import check_landing
from bullseye.core.warehouse import read_relation
from ml.modelling.data import FeatureSpec
from tests.conftest import build_warehouse


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
    for name, frame in (("customers", customers), ("contacts", contacts), ("orders", orders)):
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
    assert set(spec.categorical["attr_offer"]) == {"10pct", "free_shipping"}
    assert "legacy_flag" not in training.columns
    scoring = read_relation(settings, "marts.scoring_campaign")
    scoring = scoring[scoring["campaign_id"] == "winter-sale"]
    assert len(scoring) > 0
    assert scoring["attr_offer"].isna().all()  # no contact yet
    assert scoring["attr_loyalty_tier"].notna().all()
    spec.matrix(scoring)  # the model's columns are all there


def test_value_that_cannot_be_cast_is_quarantined(tolerant):
    _, settings = tolerant
    quarantine = read_relation(settings, "quarantine.quarantine_customers")
    invalid = quarantine[quarantine["reject_reason"] == "invalid_birth_year"]
    assert len(invalid) == 7
    assert set(invalid["birth_year__raw"]) == {"nineteen-eighty"}
