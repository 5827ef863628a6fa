"""Engine spark: a local Spark session (the `spark` extra, installed by the README's test
command). One session per test process; it is stopped when the tests are done."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session", autouse=True)
def _stop_spark_at_the_end():
    yield
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        active.stop()
