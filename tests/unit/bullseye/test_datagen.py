import pandas as pd
import pyarrow.parquet as pq
import pytest

from bullseye.datagen import GeneratorConfig, generate
from bullseye.datagen.dirty import DEFECTS


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("gen"), GeneratorConfig(customers=3_000, seed=7))


def test_same_seed_gives_identical_tables(data, tmp_path):
    again = generate(tmp_path, GeneratorConfig(customers=3_000, seed=7))
    for table in ("customers", "orders", "events", "contacts", "responses", "consents"):
        assert pq.read_table(data.landing_dir / table).equals(
            pq.read_table(again.landing_dir / table)
        )


def test_every_contract_table_is_written(data):
    for table in (
        "customers",
        "consents",
        "orders",
        "events",
        "campaigns",
        "contacts",
        "responses",
    ):
        assert data.rows[table] > 0


def test_truth_sits_outside_the_landing_folder(data):
    assert not data.truth_dir.is_relative_to(data.landing_dir)
    truth = pd.read_parquet(data.truth_dir / "contacts.parquet")
    assert truth["p_response"].between(0, 1).all()
    # A contact helps most customers; it slightly hurts a few who just bought ("sleeping dogs").
    helped = (truth["p_treated"] >= truth["p_control"]).mean()
    assert 0.8 < helped < 1.0


def test_campaign_design_is_realistic(data):
    truth = pd.read_parquet(data.truth_dir / "contacts.parquet")
    control_share = truth["is_control"].mean()
    assert 0.08 < control_share < 0.12
    treated_rate = truth[~truth["is_control"]].groupby("campaign_id")["has_responded"].mean()
    assert treated_rate.between(0.01, 0.10).all(), treated_rate
    consents = pd.read_parquet(data.landing_dir / "consents")
    email = consents[consents["channel"] == "email"].sort_values("updated_at")
    latest = email.drop_duplicates("customer_id", keep="last")
    assert 0.83 < latest["is_opted_in"].mean() < 0.92


def test_spend_is_heavy_tailed(data):
    orders = pd.read_parquet(data.landing_dir / "orders")
    spend = orders[orders["amount"] > 0].groupby("customer_id")["amount"].sum()
    assert spend.mean() > 1.3 * spend.median()
    assert orders["category"].nunique() >= 5
    assert orders["channel"].nunique() == 3


def test_dirty_rows_are_a_few_percent_and_counted(data):
    for table, _defects in DEFECTS.items():
        injected = sum(data.dirty_rows[table].values())
        assert 0.005 < injected / data.rows[table] < 0.05, table


def test_drift_moves_recent_spend_and_channel(tmp_path):
    plain = generate(tmp_path / "a", GeneratorConfig(customers=3_000, seed=1))
    drifted = generate(tmp_path / "b", GeneratorConfig(customers=3_000, seed=1, has_drift=True))
    end = GeneratorConfig().end_at

    def recent(result):
        orders = pd.read_parquet(result.landing_dir / "orders")
        cutoff = pd.Timestamp(end) - pd.Timedelta(days=60)
        return orders[(orders["ordered_at"] >= cutoff) & (orders["ordered_at"] < pd.Timestamp(end))]

    before, after = recent(plain), recent(drifted)
    assert after["amount"].median() > 1.4 * before["amount"].median()
    assert (after["channel"] == "app").mean() > (before["channel"] == "app").mean() + 0.2
