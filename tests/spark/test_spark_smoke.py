"""The default suite's Spark tests: staging and customer_features built by dbt-spark in a local
session from the small landing, checked against the DuckDB build of the same landing; and the
landing loader reading awkward CSV as DuckDB does."""

from __future__ import annotations

import pandas as pd
import pytest

from bullseye.core.contract import check_landing
from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_relation, register_landing
from tests.conftest import build_warehouse
from tests.engines import built_models, compare_values

FEATURES = "marts.customer_features"


@pytest.fixture(scope="module")
def on_spark(small_data, tmp_path_factory) -> Settings:
    return build_warehouse(
        small_data.landing_dir,
        tmp_path_factory.mktemp("spark-home"),
        engine="spark",
        selection=["--select", "+customer_features", "--indirect-selection", "buildable"],
    )


def test_staging_and_customer_features_match_duckdb(on_spark, warehouse):
    built = built_models(on_spark)
    assert FEATURES in built
    assert "staging.stg_landing__orders" in built
    for relation in built:
        spark_rows, duckdb_rows = (len(read_relation(s, relation)) for s in (on_spark, warehouse))
        assert spark_rows == duckdb_rows, relation
    features = read_relation(on_spark, FEATURES)
    assert len(features) > 1_000
    problems = compare_values(read_relation(warehouse, FEATURES), features, sample=300, seed=3)
    assert problems == []


def test_csv_landing_files_load_as_on_duckdb(on_spark, tmp_path):
    """Quoted commas, doubled quotes, a line break inside quotes, empty and missing values, an
    attribute column, two files with different columns, a semicolon file, Parquet timestamps
    in nanoseconds: the same rows on both engines."""
    landing = tmp_path / "landing"
    (landing / "customers").mkdir(parents=True)
    (landing / "customers" / "a.csv").write_text(
        "customer_id,signup_at,region,email,attr_tier\n"
        'C1,2025-01-02 10:00:00,north,"a@x.org",gold\n'
        'C2,2025-01-03,"south, east","say ""hi""",\n'
        'C3,2025-01-04T08:00:00+02:00,west,"two\nlines",silver\n',
        encoding="utf-8",
    )
    (landing / "customers" / "b.csv").write_text(
        "customer_id,region,signup_at\nC4,,2025-02-01 00:00:00\n", encoding="utf-8"
    )
    (landing / "contacts.csv").write_text(
        "campaign_id,customer_id,contacted_at,is_control\nk1,C1,2025-03-01 09:00:00,false\n",
        encoding="utf-8",
    )
    # semicolons (DuckDB sniffs the delimiter; Spark is told the header's)
    (landing / "responses.csv").write_text(
        "campaign_id;customer_id;responded_at;revenue\nk1;C1;2025-03-02 10:00:00;12.5\n",
        encoding="utf-8",
    )
    # Parquet written by pandas: timestamps in nanoseconds, which Spark reads only as longs
    pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["C1", "C2"],
            "ordered_at": pd.to_datetime(["2025-03-01 09:00:00.123456789", None]),
            "amount": [10.5, 3.0],
            "category": ["toys", "home"],
            "channel": ["web", "app"],
            "status": ["completed", "returned"],
        }
    ).to_parquet(landing / "orders.parquet")
    inventory = check_landing(landing)
    register_landing(inventory, on_spark)
    duckdb_home = Settings(home=tmp_path / "duckdb")
    register_landing(inventory, duckdb_home)
    for table in ("customers", "contacts", "responses", "orders"):
        spark_rows, duckdb_rows = (
            read_relation(s, f"landing.{table}").sort_values("customer_id", ignore_index=True)
            for s in (on_spark, duckdb_home)
        )
        assert sorted(spark_rows.columns) == sorted(duckdb_rows.columns), table
        for column in duckdb_rows.columns:
            left, right = spark_rows[column], duckdb_rows[column]
            if pd.api.types.is_datetime64_any_dtype(right):  # DuckDB keeps nanoseconds here;
                right = right.dt.floor("us")  # staging reads microseconds on both engines
            assert left.isna().tolist() == right.isna().tolist(), (table, column)
            assert left.dropna().astype(str).tolist() == right.dropna().astype(str).tolist(), (
                table,
                column,
            )
    customers = read_relation(on_spark, "landing.customers").set_index("customer_id")
    assert customers.loc["C2", "region"] == "south, east"
    assert customers.loc["C2", "email"] == 'say "hi"'
    assert customers.loc["C3", "email"] == "two\nlines"
    assert pd.isna(customers.loc["C4", "attr_tier"])
    ordered = read_relation(on_spark, "landing.orders").set_index("order_id")["ordered_at"]
    assert str(ordered["o1"]) == "2025-03-01 09:00:00.123456"


def test_the_audience_table_on_spark_is_replaced_whole_or_not_at_all(on_spark, tmp_path):
    """publish.audience_members written from Spark: a rerun replaces its (campaign, run date)
    partition, a crash after staging leaves the previous rows, an empty audience empties its
    partition, other days stay."""
    from datetime import date

    from bullseye.core.catalog import MEMBERS_RELATION
    from ml.activation.destinations import FilesDestination
    from ml.activation.publish import PublicationRequest, publish
    from ml.activation.spark_table import SparkTableDestination
    from tests.reliability.publications import synthetic_audience

    day1, day2 = date(2026, 11, 1), date(2026, 11, 2)

    def request(audience, day, run):
        return PublicationRequest(audience, "c", day, "v1", run)

    def rows() -> pd.DataFrame:
        return read_relation(on_spark, MEMBERS_RELATION).sort_values(["run_date", "rank"])

    def publish_to_both(req, **kwargs):
        return publish(req, FilesDestination(tmp_path), [SparkTableDestination(on_spark)], **kwargs)

    audience = synthetic_audience(n=300, top_k=200)
    publish_to_both(request(audience, day1, "run1"))
    publish_to_both(request(audience, day1, "run1"))  # a rerun replaces
    publish_to_both(request(audience.head(50), day2, "run2"))
    before = rows()
    assert before.groupby("run_date").size().to_dict() == {"2026-11-01": 200, "2026-11-02": 50}
    with pytest.raises(RuntimeError, match="injected"):
        publish_to_both(request(audience.head(10), day2, "run3"), fail_before_commit=True)
    pd.testing.assert_frame_equal(rows().reset_index(drop=True), before.reset_index(drop=True))
    publish_to_both(request(audience.head(0), day2, "run4"))  # nobody: the day's rows go
    assert set(rows()["run_date"]) == {"2026-11-01"}
    assert set(rows()["run_id"]) == {"run1"}
