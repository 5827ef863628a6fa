"""A real dbt build on a small generated data set (fixture `warehouse` in tests/conftest.py)."""

from __future__ import annotations

import json
import os
import shutil

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bullseye.core.contract import CONTRACT
from bullseye.core.hashing import pseudonymise
from bullseye.core.params import AudiencePolicyParams
from bullseye.core.quality import find_breaches
from bullseye.core.settings import Settings
from bullseye.core.targets import load_targets
from bullseye.core.warehouse import (
    DbtInvocation,
    dbt_args,
    dbt_env,
    generate_dbt_docs,
    read_relation,
    release_dbt_connection,
)
from bullseye.services.profiling import profile_customers
from bullseye.services.publishing import score_and_publish
from bullseye.services.scoring import resolve_campaigns
from bullseye.services.training import load_training_frame
from ml.modelling.segments import segment_customers
from ml.modelling.train import TrainingConfig, train_response_model
from ml.registry import store as registry
from tests.conftest import AS_OF, build_warehouse, table_fingerprint

# generator defect -> the warehouse's outcome for those rows
EXPECTED_OUTCOME = {
    "duplicate": "exact_duplicate",
    "null_region": "missing_region",
    "null_signup_at": "missing_signup_at",
    "negative_amount": "negative_amount",
    "unknown_customer": "unknown_customer",
    "future_timestamp": "future_timestamp",
    "null_category": "missing_category",
    "null_event_type": "missing_event_type",
    "unknown_channel": "unknown_channel",
    "unknown_contact": "unknown_contact",
    "unknown_order": "unknown_order",
    "null_quantity": "missing_quantity",
}


def _outcomes(settings: Settings) -> pd.DataFrame:
    return read_relation(settings, "audit.dq_row_reconciliation")


def test_quarantine_counts_match_injected_dirty_rows(small_data, warehouse):
    outcomes = _outcomes(warehouse).set_index(["table_name", "outcome"])["row_count"]
    for table, defects in small_data.dirty_rows.items():
        for defect, injected in defects.items():
            got = int(outcomes.get((table, EXPECTED_OUTCOME[defect]), 0))
            assert got == injected, f"{table}.{defect}: injected {injected}, warehouse says {got}"


def test_every_landing_row_is_accounted_for(small_data, warehouse):
    outcomes = _outcomes(warehouse)
    for table, rows in outcomes.groupby("table_name"):
        assert rows["row_count"].sum() == rows["rows_in"].iloc[0] == small_data.rows[table]
    staged = outcomes[outcomes["outcome"] == "staged"].set_index("table_name")["row_count"]
    clean = {
        t: small_data.rows[t] - sum(small_data.dirty_rows.get(t, {}).values()) for t in staged.index
    }
    assert staged.to_dict() == clean


def test_no_raw_pii_outside_landing(warehouse):
    with duckdb.connect(str(warehouse.warehouse_path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where table_schema <> 'landing' and data_type = 'VARCHAR'"
        ).fetchall()
        assert columns
        for schema, table, column in columns:
            leaks = con.execute(
                f"select count(*) from {schema}.{table} where \"{column}\" like '%@example.com' "
                f"or \"{column}\" like '+44 7%'"
            ).fetchone()[0]
            assert leaks == 0, f"raw PII in {schema}.{table}.{column}"


def test_training_labels_match_ground_truth(small_data, warehouse):
    training = read_relation(warehouse, "marts.training_campaign_response")
    truth = pd.read_parquet(small_data.truth_dir / "contacts.parquet")
    joined = training.merge(truth, on=["campaign_id", "customer_id"])
    assert len(joined) == len(training)
    assert (joined["label"] == joined["has_responded"].astype(int)).all()
    assert not joined["is_control"].any()


def _campaign_rows(settings: Settings, relation: str, campaign_id: str) -> pd.DataFrame:
    frame = read_relation(settings, relation)
    return frame[frame["campaign_id"] == campaign_id]


def test_scoring_set_is_opted_in_and_not_recently_contacted(small_data, warehouse):
    scoring = _campaign_rows(warehouse, "marts.scoring_campaign", "winter-sale")
    consents = pd.read_parquet(small_data.landing_dir / "consents")
    email = consents[
        (consents["channel"] == "email") & (consents["updated_at"] <= pd.Timestamp(AS_OF, tz="UTC"))
    ]
    latest = email.sort_values("updated_at").drop_duplicates("customer_id", keep="last")
    opted_out = set(latest.loc[~latest["is_opted_in"], "customer_id"])
    assert len(scoring) > 0
    assert not set(scoring["customer_id"]) & opted_out
    assert set(scoring["customer_id"]) <= set(latest.loc[latest["is_opted_in"], "customer_id"])
    contacts = pd.read_parquet(small_data.landing_dir / "contacts")
    recent = contacts[
        contacts["contacted_at"] >= pd.Timestamp(AS_OF, tz="UTC") - pd.Timedelta(days=14)
    ]
    assert not set(scoring["customer_id"]) & set(recent["customer_id"])


def test_leakage_test_fails_when_a_feature_sees_the_future(warehouse, tmp_path):
    """Tamper with a copy of the warehouse: the singular dbt test must catch it."""
    from dbt.cli.main import dbtRunner

    home = tmp_path / "home"
    shutil.copytree(warehouse.home, home)
    settings = Settings(home=home)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute(
            # training_campaign_response is a view of this table's sent contacts
            "update marts.training_campaign_contacts set orders_total = orders_total + 1 "
            "where treatment = 1 and customer_id = "
            "(select min(customer_id) from marts.training_campaign_response)"
        )
    os.environ.update(dbt_env(settings))
    invocation = DbtInvocation(AS_OF)
    try:
        args = dbt_args("test", invocation, settings)
        result = dbtRunner().invoke(
            [*args, "--select", "assert_campaign_training_point_in_time", "--quiet"]
        )
    finally:
        release_dbt_connection()
        os.environ.update(dbt_env(warehouse))
    assert not result.success
    statuses = [r.status for r in result.result.results]
    assert statuses == ["fail"]


def test_campaign_to_score_defaults_to_the_upcoming_one(warehouse):
    assert resolve_campaigns(warehouse, None) == ["winter-sale"]
    assert resolve_campaigns(warehouse, ["beauty-week"]) == ["beauty-week"]
    with pytest.raises(ValueError, match="'nope' is not in the staged campaigns"):
        resolve_campaigns(warehouse, ["nope"])


def test_csv_landing_with_time_zone_offsets(small_data, tmp_path):
    """The same data as CSV, customers' sign-up times written with a +02:00 offset: the
    warehouse stores them in UTC and stages the same customers as from Parquet."""
    landing = tmp_path / "landing"
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        for table in ("customers", "consents", "orders", "campaigns", "contacts", "responses"):
            (landing / table).mkdir(parents=True)
            source = f"read_parquet('{small_data.landing_dir / table}/*.parquet')"
            query = f"select * from {source}"
            if table == "customers":
                query = (
                    f"select * replace (strftime(signup_at at time zone 'Europe/Paris', "
                    f"'%Y-%m-%d %H:%M:%S') || '+0' || "
                    f"(extract(hour from (signup_at at time zone 'Europe/Paris') - "
                    f"(signup_at at time zone 'UTC'))::int) || ':00' as signup_at) from {source}"
                )
            con.execute(f"copy ({query}) to '{landing / table / 'part-0.csv'}' (header)")
    settings = build_warehouse(landing, tmp_path / "home")
    staged = read_relation(settings, "staging.stg_landing__customers").set_index("customer_id")
    original = pd.read_parquet(small_data.landing_dir / "customers").drop_duplicates("customer_id")
    original = original.dropna(subset=["signup_at", "region"]).set_index("customer_id")
    joined = staged.join(original["signup_at"].dt.tz_convert(None), rsuffix="_parquet", how="inner")
    assert len(joined) == len(staged) > 0
    assert (joined["signup_at"] == joined["signup_at_parquet"]).all()


def test_dq_summary_passes_the_gate_at_default_dirt(warehouse):
    summary = read_relation(warehouse, "audit.dq_summary")
    assert sorted(summary["table_name"]) == sorted(CONTRACT)
    orders = summary.set_index("table_name").loc["orders"]
    assert (
        orders["rows_in"]
        == orders["rows_staged"] + orders["rows_quarantined"] + orders["exact_duplicates"]
    )
    assert "negative_amount" in orders["quarantine_reasons"]
    assert find_breaches(summary, warehouse.quality_thresholds) == []


def test_profiles_and_segments_cover_every_customer(warehouse, tmp_path):
    profiles = read_relation(warehouse, "marts.customer_profiles")
    customers = read_relation(warehouse, "staging.stg_landing__customers")
    assert set(profiles["customer_id"]) == set(customers["customer_id"])
    bought = profiles[profiles["orders_365d"] > 0]
    assert bought["r_score"].between(1, 5).all()
    champions = profiles[profiles["rfm_segment"] == "champions"]
    assert champions["spend_365d"].mean() > bought["spend_365d"].mean()

    outcome = profile_customers(warehouse, AS_OF, tmp_path)
    segments = read_relation(warehouse, "marts.customer_segments")
    assert set(segments["customer_id"]) == set(customers["customer_id"])
    assert segments["segment_label"].nunique() == outcome.k >= 3
    page = outcome.report_path.read_text()
    assert "<h2>RFM segments</h2>" in page
    assert "champions" in page


def test_refresh_twice_gives_identical_marts(small_data, tmp_path):
    """Idempotent refresh: the same landing files, built twice, give the same rows."""

    def checksums(settings: Settings) -> dict[str, tuple[int, int]]:
        with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
            tables = con.execute(
                "select table_schema || '.' || table_name from information_schema.tables "
                "where table_schema in ('staging', 'intermediate', 'marts', 'quarantine', 'audit')"
            ).fetchall()
        # base_* tables record when each file was loaded: compare them without that column
        return {
            relation: table_fingerprint(settings, relation)
            for (relation,) in tables
            if not relation.startswith("staging.base_")
        }

    home = tmp_path / "home"
    first = checksums(build_warehouse(small_data.landing_dir, home))
    second = checksums(build_warehouse(small_data.landing_dir, home))
    assert len(first) > 20
    assert first == second


def test_dbt_docs_generate(warehouse):
    index = generate_dbt_docs(warehouse)
    assert index.is_file()
    catalog = index.parent / "catalog.json"
    assert "customer_profiles" in catalog.read_text()


def test_behavioural_segment_as_a_model_feature(warehouse, tmp_path):
    target = load_targets()["campaign_response"]
    frame = load_training_frame(warehouse, target)
    config = TrainingConfig(n_trials=2, seed=1, use_segments=True)
    model = train_response_model(frame, config)
    assert model.spec.segmenter is not None
    assert "behaviour_segment" in model.spec.categorical
    version = registry.register(model, tmp_path, None, "run")
    loaded = registry.resolve(tmp_path, "campaign_response", version.version)
    scoring = _campaign_rows(warehouse, "marts.scoring_campaign", "winter-sale")
    matrix = loaded.spec.matrix(scoring)
    assert matrix["behaviour_segment"].notna().all()
    assert set(matrix["behaviour_segment"].unique()) <= set(loaded.spec.segmenter.labels)
    scores = loaded.scorer().predict(scoring)
    assert len(scores) == len(scoring)


def test_segmenter_reproduces_the_fitted_clusters(warehouse):
    features = read_relation(warehouse, "marts.customer_features")
    segmentation = segment_customers(features, seed=3)
    assigned = segmentation.segmenter.assign(features)
    assert (assigned == segmentation.assignments["segment_label"].to_numpy()).mean() > 0.999


def test_audience_filtered_by_profile_and_segment(warehouse, tmp_path):
    target = load_targets()["campaign_response"]
    model = train_response_model(
        load_training_frame(warehouse, target), TrainingConfig(n_trials=2, seed=1)
    )
    version = registry.register(model, tmp_path / "models", None, "run")
    profile_customers(warehouse, AS_OF, tmp_path)  # writes marts.customer_segments
    outcome = score_and_publish(
        warehouse,
        version,
        "winter-sale",
        AudiencePolicyParams(filters={"rfm_segment": ["champions", "loyal"]}),
        AS_OF,
        "run-filtered",
    )
    profiles = read_relation(warehouse, "marts.customer_profiles").set_index("customer_key")
    published = pd.read_csv(outcome.publication.csv_path)
    assert len(published) > 0
    assert set(profiles.loc[published["customer_key"], "rfm_segment"]) <= {"champions", "loyal"}
    assert json.loads(outcome.publication.manifest_path.read_text())["reason_codes"] == "exact"
    # above exact_reason_codes_max_rows, XGBoost's faster path attribution, recorded as such
    faster = warehouse.model_copy(update={"exact_reason_codes_max_rows": 0})
    outcome = score_and_publish(faster, version, "winter-sale", AudiencePolicyParams(), AS_OF, "r")
    assert (
        json.loads(outcome.publication.manifest_path.read_text())["reason_codes"] == "approximate"
    )
    assert (pd.read_csv(outcome.publication.csv_path)["reason_1"].fillna("") != "").mean() > 0.5


# --- scoring marts keyed by campaign -----------------------------------------------------------

QUOTED_CAMPAIGN = "O'Brien spring"
INJECTION = "x'; drop table marts.customer_features; --"


@pytest.fixture(scope="module")
def requested(small_data, tmp_path_factory) -> Settings:
    """The test data plus an upcoming campaign whose id has a quote, built asking to score a
    past campaign and an id that tries to inject SQL (ids are bound parameters, never SQL)."""
    root = tmp_path_factory.mktemp("requested")
    landing = root / "landing"
    shutil.copytree(small_data.landing_dir, landing)
    campaigns = pd.read_parquet(landing / "campaigns")
    upcoming = campaigns[campaigns["campaign_id"] == "winter-sale"].assign(
        campaign_id=QUOTED_CAMPAIGN, name="O'Brien's spring"
    )
    upcoming.to_parquet(landing / "campaigns" / "part-quoted.parquet", index=False)
    orders = pa.Table.from_pandas(
        pd.read_parquet(landing / "orders").head(3).assign(order_id=["nan-1", "inf-1", "ninf-1"]),
        preserve_index=False,
    )
    # pyarrow turns a pandas NaN into null: set the float values themselves
    amount = orders.schema.get_field_index("amount")
    nonfinite = pa.array([float("nan"), float("inf"), float("-inf")], pa.float64())
    orders = orders.set_column(amount, "amount", nonfinite)
    pq.write_table(orders, landing / "orders" / "part-nonfinite.parquet")
    return build_warehouse(landing, root / "home", ["autumn-newsletter", INJECTION])


def _by_customer(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("customer_id", ignore_index=True)


def test_scoring_marts_hold_every_due_campaign_keyed_by_campaign(warehouse, requested):
    alone = read_relation(warehouse, "marts.scoring_campaign")
    assert set(alone["campaign_id"]) == {"winter-sale"}
    scoring = read_relation(requested, "marts.scoring_campaign")
    assert set(scoring["campaign_id"]) == {"winter-sale", "autumn-newsletter", QUOTED_CAMPAIGN}
    assert not scoring.duplicated(["campaign_id", "customer_id"]).any()
    # winter-sale: the same customers and feature values as when it was the only one due
    winter = _by_customer(scoring[scoring["campaign_id"] == "winter-sale"])
    pd.testing.assert_frame_equal(winter, _by_customer(alone), check_exact=False)
    autumn = scoring[scoring["campaign_id"] == "autumn-newsletter"]
    assert len(autumn) > 0
    assert (autumn["campaign_category"] == "none").all()  # its category is null in landing

    eligibility = read_relation(requested, "marts.campaign_eligibility")
    customers = read_relation(requested, "staging.stg_landing__customers")
    counts = eligibility.groupby("campaign_id").size().to_dict()
    assert counts == dict.fromkeys(sorted(set(scoring["campaign_id"])), len(customers))
    eligible = eligibility[eligibility["is_eligible"]]
    assert set(zip(eligible["campaign_id"], eligible["customer_id"], strict=True)) == set(
        zip(scoring["campaign_id"], scoring["customer_id"], strict=True)
    )

    campaigns = read_relation(requested, "marts.campaigns").set_index("campaign_id")
    assert set(campaigns.index[campaigns["is_due"]]) == set(scoring["campaign_id"])
    assert not campaigns.loc["winter-sale", "has_contacts"]
    assert campaigns.loc["autumn-newsletter", "has_contacts"]
    assert campaigns.loc["autumn-newsletter", "contacts"] > 0
    assert campaigns.loc[QUOTED_CAMPAIGN, "name"] == "O'Brien's spring"


def test_campaign_ids_with_quotes_are_data_not_sql(warehouse, requested):
    with duckdb.connect(str(requested.warehouse_path), read_only=True) as con:
        requests = con.execute("select campaign_id from landing.scoring_requests").fetchall()
        tables = con.execute("select table_name from information_schema.tables").fetchall()
    assert sorted(requests) == sorted([("autumn-newsletter",), (INJECTION,)])
    assert {"customer_features", "scoring_campaign", "campaigns"} <= {t for (t,) in tables}
    # the injected id names no campaign: it is scored nowhere, and nothing was dropped
    scoring = read_relation(requested, "marts.scoring_campaign")
    assert INJECTION not in set(scoring["campaign_id"])
    assert len(scoring[scoring["campaign_id"] == QUOTED_CAMPAIGN]) > 0
    assert table_fingerprint(requested, "marts.customer_features") == table_fingerprint(
        warehouse, "marts.customer_features"
    )


def test_customer_key_is_the_python_pseudonymisation(warehouse):
    """dbt's customer_key (macro pseudonymize) equals bullseye.core.hashing.pseudonymise, so a
    suppression file hashed in Python matches the warehouse's keys."""
    customers = read_relation(warehouse, "staging.stg_landing__customers").head(5)
    assert len(customers) == 5
    for row in customers.itertuples():
        assert {row.customer_key} == pseudonymise([row.customer_id], warehouse.pii_salt)


def test_salt_with_a_quote_stays_a_literal(warehouse, tmp_path):
    """A salt with a quote compiles to an escaped literal: the keys are still Python's."""
    from dbt.cli.main import dbtRunner

    home = tmp_path / "home"
    shutil.copytree(warehouse.home, home)
    settings = Settings(home=home, pii_salt="it's'; select 1; --")
    os.environ.update(dbt_env(settings))
    try:
        args = dbt_args("compile", DbtInvocation(AS_OF), settings)
        result = dbtRunner().invoke([*args, "--select", "int_customers_checked", "--quiet"])
    finally:
        release_dbt_connection()
        os.environ.update(dbt_env(warehouse))
    assert result.success, result.exception
    sql = result.result.results[0].node.compiled_code
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        keys = con.execute(f"select customer_id, customer_key from ({sql}) limit 5").fetchall()
    assert len(keys) == 5
    for customer_id, key in keys:
        assert {key} == pseudonymise([customer_id], settings.pii_salt)


def test_non_finite_amounts_are_quarantined(requested):
    """NaN and +/-infinity parse as doubles but are no amount: quarantined as invalid_amount,
    so they never reach a feature or a model."""
    quarantined = read_relation(requested, "quarantine.quarantine_orders")
    rows = quarantined[quarantined["order_id"].isin(["nan-1", "inf-1", "ninf-1"])]
    assert sorted(rows["reject_reason"]) == ["invalid_amount"] * 3
    staged = read_relation(requested, "staging.stg_landing__orders")
    assert not staged["order_id"].isin(["nan-1", "inf-1", "ninf-1"]).any()
