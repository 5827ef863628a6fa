"""The default suite's Spark test: staging and customer_features built by dbt-spark in a local
session from the small landing, checked against the DuckDB build of the same landing."""

from __future__ import annotations

from bullseye.core.warehouse import read_relation
from tests.conftest import build_warehouse
from tests.engines import built_models, compare_values

FEATURES = "marts.customer_features"


def test_staging_and_customer_features_match_duckdb(small_data, warehouse, tmp_path):
    on_spark = build_warehouse(
        small_data.landing_dir,
        tmp_path / "home",
        engine="spark",
        selection=["--select", "+customer_features", "--indirect-selection", "buildable"],
    )
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
