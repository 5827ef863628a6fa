"""Acceptance for engine spark (slow): the whole dbt project built in a local Spark session from
a 20,000-customer landing matches the DuckDB build model for model, and the pipeline on Spark
trains, scores and publishes like the pipeline on DuckDB."""

from __future__ import annotations

import os
import time

import numpy as np
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
    assert spark["audience_size"] == duckdb["audience_size"] == 2_000
    # Spark's final fit (SparkXGBClassifier, early-stopped on validation) is not DuckDB's
    # (refit on train + validation), so the top 2,000 differ at the margin; the control draw
    # is per customer: everyone in both audiences is in the same group on both.
    audiences = {
        engine: pd.read_parquet(s["audience_files"]["parquet"]).set_index("customer_key")["group"]
        for engine, s in summaries.items()
    }
    both = audiences["spark"].index.intersection(audiences["duckdb"].index)
    assert len(both) > 0.8 * 2_000
    assert (audiences["spark"][both] == audiences["duckdb"][both]).all()
    assert 0.07 < spark["audience_by_group"]["control"] / 2_000 < 0.13


def test_a_campaign_measured_on_spark_matches_duckdb_and_replaces_its_row(landing, tmp_path):
    """The measurement history table on Spark (rewritten whole, no transactions there)."""
    from bullseye.core.catalog import MEASUREMENTS_RELATION
    from bullseye.core.warehouse import read_relation
    from bullseye.services.measurement import evaluate_campaign

    measured = {}
    for engine in ("duckdb", "spark"):
        settings = build_warehouse(
            landing.landing_dir,
            tmp_path / engine,
            engine=engine,
            selection=[
                "--select",
                "+campaign_contact_outcomes",
                "+campaigns",
                "--indirect-selection",
                "buildable",
            ],
        )
        for campaign in ("summer-sports", "summer-sports", "autumn-newsletter"):
            evaluate_campaign(settings, campaign, None, tmp_path / "run" / engine)
        measured[engine] = read_relation(settings, MEASUREMENTS_RELATION)
    duckdb, spark = (measured[e].sort_values("campaign_id") for e in ("duckdb", "spark"))
    assert list(spark["campaign_id"]) == ["autumn-newsletter", "summer-sports"]
    for column in ("contacts_target", "contacts_control", "absolute_lift"):
        assert spark[column].tolist() == pytest.approx(duckdb[column].tolist(), rel=1e-9)


def test_the_bad_landing_is_quarantined_alike_on_spark(small_data, tmp_path):
    """The bad-input catalogue's landing (tests/reliability/bad_landing.py: a typed and an
    all-text Parquet part per table, semicolon CSV, duplicate versions of a key in one load)
    on both engines: every model's row count, the marts' and audit tables' values, and the
    quarantined rows per reason, the same."""
    from bullseye.core.warehouse import read_query
    from tests.reliability.bad_landing import write_bad_landing
    from tests.reliability.test_bad_landing import HOSTILE_REQUEST

    landing = tmp_path / "landing"
    write_bad_landing(small_data.landing_dir, landing)
    builds = {
        engine: build_warehouse(landing, tmp_path / engine, [HOSTILE_REQUEST], engine=engine)
        for engine in ("duckdb", "spark")
    }
    assert compare_builds(builds["duckdb"], builds["spark"], sample=300, seed=7) == {}
    for table in ("customers", "orders", "events", "consents", "contacts", "responses"):
        reasons = {
            engine: read_query(
                settings,
                f"select reject_reason, count(*) as n from quarantine.quarantine_{table} "
                "group by reject_reason",
            )
            .sort_values("reject_reason", ignore_index=True)
            .assign(n=lambda f: f["n"].astype(int))
            for engine, settings in builds.items()
        }
        pd.testing.assert_frame_equal(reasons["duckdb"], reasons["spark"], obj=table)


@pytest.fixture
def connect_server(tmp_path):
    """A Spark Connect server as a cluster runs one (pyspark's own start script, `local[2]`
    behind it) on a free port; yields its sc:// URL."""
    import socket
    import subprocess
    from pathlib import Path

    import pyspark

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spark_home = Path(pyspark.__file__).parent
    env = os.environ | {
        "SPARK_HOME": str(spark_home),
        "SPARK_PID_DIR": str(tmp_path),
        "SPARK_LOG_DIR": str(tmp_path / "logs"),
        # the cluster's Python has Bullseye installed: its executors run the scorer
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    start = [
        "bash",
        str(spark_home / "sbin" / "start-connect-server.sh"),
        "--master",
        "local[2]",
        "--conf",
        f"spark.connect.grpc.binding.port={port}",
        "--conf",
        f"spark.sql.warehouse.dir={tmp_path / 'cluster-warehouse'}",
    ]
    subprocess.run(start, env=env, check=True, capture_output=True, timeout=120)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(1)
        yield f"sc://localhost:{port}"
    finally:
        stop = [str(spark_home / "sbin" / "stop-connect-server.sh")]
        subprocess.run(["bash", *stop], env=env, capture_output=True, timeout=120)


def _score_over(settings, warehouse, tmp_path):
    """A model trained on the DuckDB warehouse scores the same rows on Spark's executors (through
    ``settings``' session) and in this process."""
    from bullseye.core.catalog import CUSTOMER_KEY
    from bullseye.core.spark import session
    from bullseye.core.targets import load_targets
    from bullseye.services.training import load_training_frame
    from ml.activation.score import raw_scores
    from ml.activation.spark_score import RAW_SCORE, score_on_executors
    from ml.modelling.train import TrainingConfig, train_response_model
    from ml.registry import store

    frame = load_training_frame(warehouse, load_targets()["campaign_response"])
    model = train_response_model(frame, TrainingConfig(n_trials=2, seed=1))
    version = store.register(model, tmp_path / "models", None, "run")
    rows = frame.drop_duplicates(CUSTOMER_KEY).sort_values(CUSTOMER_KEY, ignore_index=True)
    scored = score_on_executors(session(settings).createDataFrame(rows), version.scorer(), None)
    return scored[RAW_SCORE].to_numpy(), raw_scores(version, rows)


def test_a_spark_connect_session_builds_like_a_local_one(
    small_data, warehouse, connect_server, tmp_path
):
    """spark.remote, the cluster setting: a Spark Connect server; dbt-spark's session method
    and Bullseye's reads and writes go through the client. Last in the module: once a process
    has been a Spark Connect client it stays one."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:  # a classic session from an earlier test
        active.stop()
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BULLSEYE_SPARK__REMOTE", connect_server)
        env.setenv("SPARK_REMOTE", connect_server)  # restored afterwards
        on_connect = build_warehouse(
            small_data.landing_dir,
            tmp_path / "connect",
            engine="spark",
            selection=["--select", "+customer_features", "--indirect-selection", "buildable"],
        )
        assert on_connect.spark.remote == connect_server
        problems = compare_builds(warehouse, on_connect, sample=200, seed=5)
        # scoring on the executors goes through Connect too (mapInPandas)
        scored, expected = _score_over(on_connect, warehouse, tmp_path)
        np.testing.assert_allclose(scored, expected, rtol=1e-12, atol=1e-12)
    # only the models this build ran are compared; every one of them must match
    assert set(problems) == {"not built"}
