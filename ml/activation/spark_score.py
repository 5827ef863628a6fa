"""Scoring on Spark's executors (engine spark): the scoring mart stays in Spark.

Each partition is scored by the registered scorer (and the uplift arms) shipped to the
executors with the task; only what ranking needs comes back to the driver: campaign,
pseudonymous key, raw score, uplift and the value column. The features of the customers
finally selected are read back for their reason codes, and a seeded sample for drift.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import xgboost as xgb
from pyspark.sql import DataFrame
from pyspark.sql import functions as sf
from pyspark.sql.types import DoubleType, StringType, StructField, StructType

from bullseye.core.catalog import CAMPAIGN_ID, CUSTOMER_KEY
from bullseye.core.spark import hashed_sample, to_pandas
from ml.modelling.blend import ResponseScorer
from ml.modelling.data import FeatureSpec
from ml.modelling.uplift import predict_uplift

RAW_SCORE = "raw_score"
UPLIFT = "uplift"


def score_on_executors(
    rows: DataFrame,
    scorer: ResponseScorer,
    uplift: tuple[dict[str, xgb.Booster], FeatureSpec] | None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Campaign, key, raw score (and uplift, and the ``keep`` columns as numbers) of every row,
    scored partition by partition on the executors, in key order (as the in-process path
    reads them)."""
    schema = StructType(
        [
            StructField(CAMPAIGN_ID, StringType()),
            StructField(CUSTOMER_KEY, StringType()),
            StructField(RAW_SCORE, DoubleType()),
            *([StructField(UPLIFT, DoubleType())] if uplift else []),
            *[StructField(c, DoubleType()) for c in keep],
        ]
    )

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if batch.empty:
                continue
            out = pd.DataFrame(
                {
                    CAMPAIGN_ID: batch[CAMPAIGN_ID].astype(str).to_numpy(),
                    CUSTOMER_KEY: batch[CUSTOMER_KEY].astype(str).to_numpy(),
                    RAW_SCORE: scorer.predict(batch),
                }
            )
            if uplift:
                out[UPLIFT] = predict_uplift(*uplift, batch)[0]
            for column in keep:
                out[column] = pd.to_numeric(batch[column]).astype("float64").to_numpy()
            yield out

    scored = to_pandas(rows.mapInPandas(score, schema))
    return scored.sort_values(CUSTOMER_KEY, ignore_index=True)


def empty_columns(rows: DataFrame, columns: Sequence[str]) -> set[str]:
    """Those of ``columns`` null on every row, counted in one pass."""
    columns = [c for c in columns if c in rows.columns]
    if not columns:
        return set()
    counts = rows.agg(*[sf.count(sf.col(c)).alias(f"n{i}") for i, c in enumerate(columns)]).first()
    return {c for i, c in enumerate(columns) if not counts[f"n{i}"]}


def sample_rows(rows: DataFrame, total: int, cap: int, seed: int) -> pd.DataFrame:
    """About ``cap`` of the ``total`` rows (all when fewer), chosen by a hash of the key and
    the seed: the same rows however Spark partitions them."""
    sample = hashed_sample(rows, cap / max(total, 1), seed, CUSTOMER_KEY)
    return to_pandas(sample).sort_values(CUSTOMER_KEY, ignore_index=True)


def rows_of(rows: DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The rows of ``keys`` (each once), in the order of ``keys``."""
    spark = rows.sparkSession
    wanted = spark.createDataFrame(pd.DataFrame({CUSTOMER_KEY: np.asarray(keys, dtype=str)}))
    found = to_pandas(rows.join(sf.broadcast(wanted), on=CUSTOMER_KEY, how="inner"))
    return found.set_index(CUSTOMER_KEY).loc[list(keys)].reset_index()
