"""Training on Spark (engine spark): the training mart stays a Spark DataFrame.

Collected to the driver, by design, only what is small: one row of counts per period (the time
split is decided from them), the validation and test periods (judged on the driver: each is at
most ``HoldoutSize.max_share`` of the rows and usually the latest campaign or two), and a
hashed sample of the training rows (Optuna's tuning sample, the logistic baseline's, the
report's feature summary). Feature levels and empty features are counted over every training
row in Spark. The final fits run on the executors with ``xgboost.spark.SparkXGBClassifier``
(early-stopped on the whole validation set, then refitted on training and validation rows);
each partition is encoded by the same ``FeatureSpec.matrix`` that scores pandas frames, so the
booster reads both alike.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator

import pandas as pd
import xgboost as xgb
from pyspark.sql import DataFrame
from pyspark.sql import functions as sf
from pyspark.sql.types import BooleanType, DoubleType, StructField, StructType

from bullseye.core.catalog import (
    CATEGORICAL_FEATURES,
    CUSTOMER_ID,
    LABEL,
    PERIOD_AT,
    PERIOD_ID,
    feature_columns,
)
from bullseye.core.spark import hashed_sample, to_pandas
from ml.modelling.baseline import MAX_ROWS as BASELINE_ROWS
from ml.modelling.data import (
    FeatureSpec,
    Split,
    check_counts,
    describe_part,
    holdout_dates,
    sized,
)
from ml.modelling.prepare import Prepared, matrices, prepare
from ml.modelling.segments import segment_customers
from ml.modelling.tune import EARLY_STOPPING_ROUNDS, MAX_ROUNDS

log = logging.getLogger("bullseye.training")

IS_VALIDATION = "_is_validation"
# Parameters xgboost.spark sets itself (objective from the estimator, threads from the
# executors' task cores) and refuses when given.
SET_BY_SPARK = ("objective", "nthread", "n_jobs", "eval_metric")


def prepare_on_spark(
    frame: DataFrame, config, num_workers: int, driver_rows: int | None = None
) -> Prepared:
    """The time split, features and driver-side matrices of a Spark training frame, with a
    ``final_fit`` that trains on every training row on the executors. ``driver_rows``: the
    training rows sampled to the driver (default: what tuning and the baseline use)."""
    periods = to_pandas(
        frame.groupBy(PERIOD_ID).agg(
            sf.min(PERIOD_AT).alias(PERIOD_AT),
            sf.count(sf.lit(1)).alias("rows"),
            sf.sum(sf.col(LABEL).cast("long")).alias("positives"),
        )
    )
    periods[PERIOD_AT] = pd.to_datetime(periods[PERIOD_AT])
    sizes = periods.groupby(PERIOD_AT)[["rows", "positives"]].sum().sort_index()
    where = f"training set for '{config.target}'"
    check_counts(
        int(sizes["rows"].sum()), int(sizes["positives"].sum()), config.min_positives, where
    )
    if len(sizes) < 3:
        # One or two dates: validation (and test) are random shares of rows, drawn on the
        # driver exactly as on DuckDB. Such a mart is one or two campaigns' contacts.
        log.info("Training %s: fewer than three dates, collected to the driver", config.target)
        return prepare(to_pandas(frame), config)
    test_dates, valid_dates, kind = holdout_dates(sizes, config.holdout)
    period_of = periods.set_index(PERIOD_ID)[PERIOD_AT]
    test_periods = sorted(period_of[period_of.isin(test_dates)].index)
    valid_periods = sorted(period_of[period_of.isin(valid_dates)].index)
    held_out = sf.col(PERIOD_ID).isin([*test_periods, *valid_periods])
    train_rows = frame.where(~held_out)
    is_train = ~periods[PERIOD_ID].isin([*test_periods, *valid_periods])
    train_part = describe_part(
        int(periods.loc[is_train, "rows"].sum()),
        int(periods.loc[is_train, "positives"].sum()),
        periods.loc[is_train, PERIOD_ID].astype(str),
        periods.loc[is_train, PERIOD_AT],
    )
    check_counts(train_part["rows"], train_part["positives"], 1, "train split")

    holdouts = _sorted(to_pandas(frame.where(held_out)))
    cap = driver_rows or max(config.tuning_sample_rows, BASELINE_ROWS)
    by = (PERIOD_ID, CUSTOMER_ID)  # a training row's identity
    sample = _sorted(
        to_pandas(hashed_sample(train_rows, cap / train_part["rows"], config.seed, *by))
    )
    split = sized(
        Split(
            sample,
            holdouts[holdouts[PERIOD_ID].isin(valid_periods)],
            holdouts[holdouts[PERIOD_ID].isin(test_periods)],
            kind,
            tuple(test_periods),
        ),
        config.holdout,
    )
    for name, part in (("validation", split.valid), ("test", split.test)):
        check_counts(len(part), int(part[LABEL].sum()), 1, f"{name} split for '{config.target}'")
    segmenter = segment_customers(sample, config.seed).segmenter if config.use_segments else None
    spec = FeatureSpec.from_levels(*_feature_levels(train_rows), segmenter)
    log.info(
        "Training %s on Spark: %s training rows stay on the cluster, %s sampled to the driver",
        config.target,
        f"{train_part['rows']:,}",
        f"{len(sample):,}",
    )
    valid_rows = int(periods.loc[periods[PERIOD_ID].isin(valid_periods), "rows"].sum())
    growth = (train_part["rows"] + valid_rows) / train_part["rows"]
    # training and validation rows in one chain of one table (a union is refused by the
    # barrier stage XGBoost's workers run in)
    fit_rows = frame.where(~sf.col(PERIOD_ID).isin(test_periods)).withColumn(
        IS_VALIDATION, sf.col(PERIOD_ID).isin(valid_periods)
    )
    return matrices(
        config.target,
        split,
        spec,
        _fingerprint(frame),
        train_part=train_part,
        final_fit=distributed_fit(fit_rows, spec, num_workers, growth),
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    # Row order changes XGBoost's row subsampling; Spark returns rows in no set order.
    return frame.sort_values([PERIOD_ID, CUSTOMER_ID], ignore_index=True)


def _feature_levels(frame: DataFrame) -> tuple[list[str], dict[str, list[str]]]:
    """Feature names with a value on some training row (mart order) and the levels of the
    categorical ones, counted over every training row in one pass."""
    names = feature_columns(frame)
    types = dict(frame.dtypes)
    categorical = [c for c in names if c in CATEGORICAL_FEATURES or types[c] == "string"]
    row = frame.agg(
        *[sf.count(sf.col(c)).alias(f"n_{i}") for i, c in enumerate(names)],
        *[
            sf.collect_set(sf.col(c).cast("string")).alias(f"l_{i}")
            for i, c in enumerate(categorical)
        ],
    ).first()
    present = [c for i, c in enumerate(names) if row[f"n_{i}"]]
    return present, {c: row[f"l_{i}"] for i, c in enumerate(categorical) if c in present}


def _fingerprint(frame: DataFrame) -> str:
    """A hash of the training data independent of row order (as ``data.fingerprint``, but
    summed in Spark: the rows never meet on the driver)."""
    row = frame.agg(
        sf.count(sf.lit(1)).alias("n"),
        sf.sum(sf.xxhash64(*frame.columns).cast("decimal(38,0)")).alias("h"),
    ).first()
    digest = hashlib.sha256(f"{row['n']}:{row['h']}:{','.join(frame.columns)}".encode())
    return digest.hexdigest()


def _encoded(frame: DataFrame, spec: FeatureSpec) -> DataFrame:
    """Features as XGBoost reads them (categoricals as their codes in ``spec``'s levels), the
    label and the validation flag: per partition, through ``spec.matrix``."""
    names = spec.names
    schema = StructType(
        [StructField(c, DoubleType()) for c in names]
        + [StructField(LABEL, DoubleType()), StructField(IS_VALIDATION, BooleanType())]
    )

    def encode(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            out = spec.matrix(batch)
            for name in spec.categorical:
                codes = out[name].cat.codes.astype("float64")
                out[name] = codes.where(codes >= 0)  # unseen level -> missing
            out[LABEL] = batch[LABEL].astype("float64").to_numpy()
            out[IS_VALIDATION] = batch[IS_VALIDATION].to_numpy()
            yield out

    return frame.mapInPandas(encode, schema)


def distributed_fit(
    rows: DataFrame, spec: FeatureSpec, num_workers: int, growth: float
) -> Callable[[dict], tuple[xgb.Booster, xgb.Booster]]:
    """The final fits of tuned parameters, with SparkXGBClassifier on ``num_workers`` XGBoost
    workers (Spark tasks, the rows shuffled evenly among them), as on one machine's small-data
    path: on the training rows of ``rows``, early-stopped on its validation rows
    (``IS_VALIDATION``; the model the blend is chosen with), then refitted on both with the
    round count scaled by ``growth`` (all rows / training rows). The refit matters on real
    data: on Online Retail's churn the validation months carried what the test month needed
    (test ROC AUC 0.78 without them, 0.84 with)."""
    from xgboost.spark import SparkXGBClassifier  # pyspark.ml: imported only when fitting

    # xgboost.spark logs every parameter at INFO, on the driver and (at its level) in each
    # task; Bullseye's own line says what is fitted
    logging.getLogger("XGBoost-PySpark").setLevel(logging.WARNING)

    def fit(params: dict) -> tuple[xgb.Booster, xgb.Booster]:
        common = {
            "features_col": spec.names,
            "label_col": LABEL,
            "feature_types": ["q"] * len(spec.numeric) + ["c"] * len(spec.categorical),
            "num_workers": num_workers,
            "force_repartition": True,
            "verbose": False,
        } | {k: v for k, v in params.items() if k not in SET_BY_SPARK}
        encoded = _encoded(rows, spec)
        stopped = (
            SparkXGBClassifier(
                validation_indicator_col=IS_VALIDATION,
                n_estimators=MAX_ROUNDS,
                early_stopping_rounds=EARLY_STOPPING_ROUNDS,
                eval_metric="logloss",  # what early stopping watches, as on one machine
                **common,
            )
            .fit(encoded)
            .get_booster()
        )
        rounds = stopped.best_iteration + 1
        refit_rounds = max(round(rounds * growth), 1)
        log.info(
            "Refitting on training and validation rows on the cluster, %d rounds", refit_rounds
        )
        refit = SparkXGBClassifier(n_estimators=refit_rounds, **common).fit(encoded)
        return stopped[:rounds], refit.get_booster()

    return fit
