"""The default suite's Spark training and scoring (engine spark): the training mart of the small
landing as a Spark DataFrame, split from per-period counts, sampled to the driver and fitted
on the executors by SparkXGBClassifier; a scoring mart scored partition by partition."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from bullseye.core.catalog import CUSTOMER_KEY
from bullseye.core.settings import Settings
from bullseye.core.spark import session
from bullseye.core.targets import load_targets
from bullseye.services.training import load_training_frame, training_config
from ml.activation.score import empty_features, raw_scores
from ml.activation.spark_score import RAW_SCORE, empty_columns, rows_of, score_on_executors
from ml.modelling.prepare import prepare
from ml.modelling.spark_train import prepare_on_spark
from ml.modelling.train import train_prepared
from ml.modelling.tune import MAX_ROUNDS
from ml.registry import store

DRIVER_ROWS = 400


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    return session(Settings(home=tmp_path_factory.mktemp("spark-ml"), engine="spark"))


@pytest.fixture(scope="module")
def frames(warehouse, spark):
    target = load_targets()["campaign_response"]
    frame = load_training_frame(warehouse, target)
    config = replace(training_config(warehouse, target), n_trials=3)
    return frame, spark.createDataFrame(frame), config


def test_training_on_spark_splits_like_duckdb_and_fits_on_the_executors(frames, tmp_path):
    frame, rows, config = frames
    local = prepare(frame, config)
    remote = prepare_on_spark(rows, config, num_workers=2, driver_rows=DRIVER_ROWS)
    # the split decided from per-period counts: the same holdouts, row for row
    assert remote.split.test_periods == local.split.test_periods
    assert remote.split.kind == local.split.kind
    for mine, theirs in zip(remote.x[1:], local.x[1:], strict=True):
        assert mine.reset_index(drop=True).equals(theirs.reset_index(drop=True))
    # levels and empty features counted over every training row, as pandas counts them
    assert remote.spec == local.spec
    # only a sample of the training rows reached the driver; the counts are of all of them
    assert len(remote.x[0]) < 0.6 * len(local.x[0])
    assert remote.rows == local.rows
    assert remote.study_name != local.study_name  # a fingerprint summed in Spark

    model = train_prepared(remote, config)
    # the final fit ran on every training row (SparkXGBClassifier, early-stopped)
    assert model.rows["train"] == len(local.x[0])
    assert model.data_summary["splits"]["train"]["rows"] == len(local.x[0])
    assert 1 < model.num_boost_round < MAX_ROUNDS
    assert model.booster.feature_names == remote.spec.names
    assert model.tuning.rows["train"] <= len(remote.x[0])
    assert model.metrics.roc_auc > 0.6
    version = store.register(model, tmp_path, None, "spark-run")
    assert version.scorer().predict(frame.head(50)).std() > 0


def test_scoring_on_the_executors_equals_scoring_in_process(frames, spark, tmp_path):
    frame, _, config = frames
    model = train_prepared(prepare(frame, config), config)
    version = store.register(model, tmp_path, None, "run")
    scoring = frame.drop_duplicates(CUSTOMER_KEY).reset_index(drop=True)
    scoring = scoring.assign(recency_days=np.where(scoring.index % 3 == 0, None, 1.0))
    scoring["campaign_id"] = "next"
    rows = spark.createDataFrame(scoring).repartition(3)
    scored = score_on_executors(rows, version.scorer(), None, keep=["avg_order_value"])
    in_process = scoring.sort_values(CUSTOMER_KEY, ignore_index=True)
    assert list(scored[CUSTOMER_KEY]) == list(in_process[CUSTOMER_KEY])
    np.testing.assert_allclose(
        scored[RAW_SCORE], raw_scores(version, in_process), rtol=1e-12, atol=1e-12
    )
    np.testing.assert_allclose(scored["avg_order_value"], in_process["avg_order_value"])
    names = version.spec.names
    emptied = rows.withColumn(names[0], rows[names[0]].cast("double") * None)
    assert empty_columns(emptied, names) == {names[0]}
    assert empty_features(version, scoring.assign(**{names[0]: None})) == {names[0]}
    keys = list(in_process[CUSTOMER_KEY].iloc[[5, 1, 9]])
    assert list(rows_of(rows, keys)[CUSTOMER_KEY]) == keys
