"""What training and every tuning worker derive from a training frame the same way: the time
split, the features, the matrices, and the seeded tuning sample with its study name (a worker
in another process joins the study only when it derives the same name from the same data)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd
import xgboost as xgb

from bullseye.core.catalog import CUSTOMER_ID, LABEL, PERIOD_ID
from ml.modelling.data import (
    FeatureSpec,
    Split,
    check_trainable,
    fingerprint,
    seeded_sample,
    split_by_time,
)
from ml.modelling.segments import segment_customers
from ml.modelling.tune import to_dmatrix

if TYPE_CHECKING:
    from ml.modelling.train import TrainingConfig


@dataclass(frozen=True)
class Prepared:
    target: str
    split: Split
    spec: FeatureSpec
    x: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]  # train, validation, test matrices
    y: tuple[pd.Series, pd.Series, pd.Series]
    data_fingerprint: str
    # Training on a cluster (ml/modelling/spark_train.py): the training rows stay there and
    # ``split.train`` is a sample of them; ``train_part`` gives their counts and periods, and
    # ``final_fit`` fits the tuned parameters on all of them (early-stopped on validation) and
    # refits them on training and validation rows: (train-only, final) boosters.
    train_part: dict | None = None
    final_fit: Callable[[dict], tuple[xgb.Booster, xgb.Booster]] | None = field(
        default=None, repr=False
    )

    @property
    def rows(self) -> dict[str, int]:
        train = self.train_part["rows"] if self.train_part else len(self.x[0])
        return {"train": train, "validation": len(self.x[1]), "test": len(self.x[2])}

    @property
    def train(self) -> tuple[pd.DataFrame, pd.Series]:
        return self.x[0], self.y[0]

    @property
    def valid(self) -> tuple[pd.DataFrame, pd.Series]:
        return self.x[1], self.y[1]

    @property
    def study_name(self) -> str:
        """The Optuna study of this target on this data."""
        return f"{self.target}-{self.data_fingerprint[:16]}"


def prepare(frame: pd.DataFrame, config: TrainingConfig) -> Prepared:
    # Row order changes XGBoost's row subsampling; warehouses return rows in no set order.
    frame = frame.sort_values([PERIOD_ID, CUSTOMER_ID], ignore_index=True)
    check_trainable(frame, config.min_positives, f"training set for '{config.target}'")
    split = split_by_time(frame, config.seed, config.holdout)
    for name, part in (("train", split.train), ("validation", split.valid), ("test", split.test)):
        check_trainable(part, 1, f"{name} split for '{config.target}'")
    segmenter = (
        segment_customers(split.train, config.seed).segmenter if config.use_segments else None
    )
    spec = FeatureSpec.from_frame(split.train, segmenter)
    return matrices(config.target, split, spec, fingerprint(frame))


def matrices(target: str, split: Split, spec: FeatureSpec, data_fingerprint: str, **cluster):
    parts = (split.train, split.valid, split.test)
    x = tuple(spec.matrix(p) for p in parts)
    y = tuple(p[LABEL].astype(int) for p in parts)
    return Prepared(target, split, spec, x, y, data_fingerprint, **cluster)


def tuning_sample(
    train: tuple[pd.DataFrame, pd.Series],
    valid: tuple[pd.DataFrame, pd.Series],
    config: TrainingConfig,
) -> tuple[xgb.DMatrix, xgb.DMatrix]:
    """The seeded samples Optuna tunes on: at most ``config.tuning_sample_rows`` training and
    as many validation rows."""
    cap = config.tuning_sample_rows
    return (
        to_dmatrix(*seeded_sample(*train, cap, config.seed)),
        to_dmatrix(*seeded_sample(*valid, cap, config.seed)),
    )
