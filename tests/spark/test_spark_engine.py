"""Acceptance for engine spark (slow): the whole dbt project built in a local Spark session from
a 20,000-customer landing matches the DuckDB build model for model, and the pipeline on Spark
trains, scores and publishes like the pipeline on DuckDB."""

from __future__ import annotations

import pandas as pd
import pytest
from prefect.testing.utilities import prefect_test_harness

from bullseye.datagen import GeneratorConfig, generate
from flows.pipeline import pipeline
from tests.conftest import AS_OF, build_warehouse
from tests.engines import built_models, compare_builds

pytestmark = pytest.mark.slow
CUSTOMERS = 20_000


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("data20k"), GeneratorConfig(customers=CUSTOMERS))


def test_every_model_matches_the_duckdb_build(landing, tmp_path):
    on_duckdb = build_warehouse(landing.landing_dir, tmp_path / "duckdb")
    on_spark = build_warehouse(landing.landing_dir, tmp_path / "spark", engine="spark")
    models = built_models(on_duckdb)
    assert len(models) >= 40
    assert built_models(on_spark) == models
    # row counts of every model; values of every mart and audit table for 300 seeded
    # customers (numbers within 1e-9 relative, everything else equal)
    assert compare_builds(on_duckdb, on_spark, sample=300, seed=11) == {}


def test_the_pipeline_on_spark_publishes_what_it_does_on_duckdb(landing, tmp_path):
    suppressions = tmp_path / "suppressed.csv"
    suppressed = [f"C{i:08d}" for i in range(1, CUSTOMERS, 11)]
    pd.DataFrame({"customer_id": suppressed}).to_csv(suppressions, index=False)
    summaries = {}
    with prefect_test_harness(server_startup_timeout=120), pytest.MonkeyPatch.context() as env:
        env.setenv("BULLSEYE_SUPPRESSION_FILE", str(suppressions))
        for engine in ("duckdb", "spark"):
            env.setenv("BULLSEYE_ENGINE", engine)
            summaries[engine] = pipeline(
                landing_dir=landing.landing_dir,
                as_of=AS_OF,
                policy={"kind": "top_k", "top_k": 2_000},
                truth_dir=landing.truth_dir,
                home=tmp_path / engine,
                n_trials=10,
            )
    duckdb, spark = summaries["duckdb"], summaries["spark"]
    assert abs(spark["test_roc_auc"] - duckdb["test_roc_auc"]) <= 0.01
    # consent, suppression, frequency cap, global holdout: the same customers left out
    assert spark["eligibility"] == duckdb["eligibility"]
    assert spark["eligibility"]["suppressed"] > 0
    assert spark["audience_by_group"] == duckdb["audience_by_group"]
    assert spark["audience_size"] == 2_000


def test_a_spark_connect_session_builds_like_a_local_one(small_data, warehouse, tmp_path):
    """spark.remote, the cluster setting: pyspark starts a local Spark Connect server for
    ``local[2]``; dbt-spark's session method and Bullseye then work through the client."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:  # a classic session from an earlier test
        active.stop()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BULLSEYE_SPARK__REMOTE", "local[2]")
        on_connect = build_warehouse(
            small_data.landing_dir,
            tmp_path / "connect",
            engine="spark",
            selection=["--select", "+customer_features", "--indirect-selection", "buildable"],
        )
        assert on_connect.spark.remote == "local[2]"
        problems = compare_builds(warehouse, on_connect, sample=200, seed=5)
    # only the models this build ran are compared; every one of them must match
    assert set(problems) == {"not built"}
