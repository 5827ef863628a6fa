"""Training data: the time split and the feature matrix both XGBoost and the baseline use."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from bullseye.core.catalog import CATEGORICAL_FEATURES, LABEL, PERIOD_AT, PERIOD_ID, feature_columns
from ml.modelling.segments import SEGMENT_FEATURE, Segmenter


class TrainingDataError(ValueError):
    """The training set cannot give a trustworthy model; the message says why."""


@dataclass(frozen=True)
class FeatureSpec:
    """The model's inputs: numeric names, and categorical names with their training levels."""

    numeric: tuple[str, ...]
    categorical: dict[str, tuple[str, ...]]
    segmenter: Segmenter | None = None  # adds the behavioural segment as a feature

    @property
    def names(self) -> list[str]:
        return [*self.numeric, *self.categorical]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, segmenter: Segmenter | None = None) -> FeatureSpec:
        empty = set(empty_features(frame))
        names = [c for c in feature_columns(frame) if c not in empty]
        categorical = {
            c: frame[c].dropna().astype(str).unique()
            for c in names
            if c in CATEGORICAL_FEATURES or frame[c].dtype == object
        }
        return cls.from_levels(names, categorical, segmenter)

    @classmethod
    def from_levels(
        cls, names: list[str], levels: dict[str, Iterable[str]], segmenter: Segmenter | None
    ) -> FeatureSpec:
        """The features ``names`` (in mart order), those in ``levels`` categorical with the
        levels seen in training (wherever they were counted: pandas or the warehouse)."""
        categorical = {c: tuple(sorted(set(levels[c]))) for c in names if c in levels}
        if segmenter is not None:
            categorical[SEGMENT_FEATURE] = tuple(sorted(segmenter.labels))
        return cls(tuple(c for c in names if c not in categorical), categorical, segmenter)

    def matrix(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Features in model order; categoricals use the training levels (unseen -> missing).
        With a segmenter, each row's segment is assigned from its own (point-in-time)
        features."""
        if self.segmenter is not None and SEGMENT_FEATURE not in frame:
            frame = frame.assign(**{SEGMENT_FEATURE: self.segmenter.assign(frame)})
        missing = [c for c in self.names if c not in frame.columns]
        if missing:
            raise TrainingDataError(f"Columns missing from the data to score: {', '.join(missing)}")
        out = frame[list(self.numeric)].astype("float64")
        for name, levels in self.categorical.items():
            out[name] = pd.Categorical(frame[name].astype("string"), categories=list(levels))
        return out


def seeded_sample(x: pd.DataFrame, y: pd.Series, cap: int, seed: int) -> tuple:
    """At most ``cap`` rows of (x, y), a seeded random sample kept in their order: large
    training sets are tuned, and their baseline fitted, on such samples."""
    if len(x) <= cap:
        return x, y
    chosen = np.sort(np.random.default_rng(seed).choice(len(x), size=cap, replace=False))
    return x.iloc[chosen], y.iloc[chosen]


def empty_features(frame: pd.DataFrame) -> list[str]:
    """Feature columns with no value at all (a landing table the data does not have, an
    attribute nobody filled in): left out of the model rather than learnt as a constant."""
    return [c for c in feature_columns(frame) if frame[c].isna().all()]


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    kind: str  # how the split was made, for the report
    test_periods: tuple[str, ...]
    warnings: tuple[str, ...] = ()  # holdouts smaller than asked for
    is_test_large_enough: bool = True  # the test set holds the rows and positives asked for


@dataclass(frozen=True)
class HoldoutSize:
    """How large the test and validation sets must be: the latest periods are taken until each
    holds ``min_rows`` examples and ``min_positives`` positives, but never more than
    ``max_share`` of all rows (training keeps at least half; small data gets a warning)."""

    min_rows: int = 2_000
    min_positives: int = 100
    max_share: float = 0.25


def _take_latest(
    sizes: pd.DataFrame, dates: list, size: HoldoutSize, total: int
) -> tuple[list, bool]:
    """Dates from the latest back until the minimums are met (True) or the cap is reached."""
    chosen, rows, positives = [], 0, 0
    for date in reversed(dates):
        if chosen and rows + sizes.at[date, "rows"] > size.max_share * total:
            break
        chosen.append(date)
        rows, positives = rows + sizes.at[date, "rows"], positives + sizes.at[date, "positives"]
        if rows >= size.min_rows and positives >= size.min_positives:
            return chosen, True
    return chosen, False


def holdout_dates(sizes: pd.DataFrame, size: HoldoutSize) -> tuple[list, list, str]:
    """Test and validation dates of a time split, from the examples' ``rows`` and ``positives``
    per date (three dates or more, sorted index): counts are all it needs, so a warehouse can
    count them and the rows stay where they are. Returns (test, validation, kind)."""
    dates, total = list(sizes.index), int(sizes["rows"].sum())
    test_dates, _ = _take_latest(sizes, dates[2:], size, total)
    rest = dates[: len(dates) - len(test_dates)]
    valid_dates, _ = _take_latest(sizes, rest[1:], size, total)
    kind = (
        f"time: the latest {len(test_dates)} date(s) test, the {len(valid_dates)} before "
        "validate, older ones train"
    )
    return test_dates, valid_dates, kind


def split_by_time(frame: pd.DataFrame, seed: int, size: HoldoutSize | None = None) -> Split:
    """Periods (campaigns or snapshots) ordered by date: the latest dates test, the dates before
    them validate, older ones train. Test and validation each take whole dates, from the latest
    back, until they hold ``size.min_rows`` rows and ``size.min_positives`` positives (so a
    month with 128 contacts is never the whole test set); a holdout that cannot reach that
    without taking more than ``size.max_share`` of the data is kept smaller, with a warning.

    Periods that share a date (two campaigns sent the same day) stay together. With two dates
    only, validation is a seeded random 20% of the older one; with one date, everything is a
    seeded random 60/20/20 split; ``kind`` says which.
    """
    size = size or HoldoutSize()
    period_dates = frame.groupby(PERIOD_ID)[PERIOD_AT].min()
    dates = sorted(period_dates.unique())
    rng = np.random.default_rng(seed)
    date_of_row = frame[PERIOD_ID].map(period_dates)

    def periods_on(chosen) -> tuple[str, ...]:
        return tuple(sorted(period_dates[period_dates.isin(chosen)].index))

    if len(dates) >= 3:
        sizes = frame.groupby(date_of_row)[LABEL].agg(rows="size", positives="sum").sort_index()
        test_dates, valid_dates, kind = holdout_dates(sizes, size)
        is_test, is_valid = date_of_row.isin(test_dates), date_of_row.isin(valid_dates)
        split = Split(
            frame[~is_test & ~is_valid],
            frame[is_valid],
            frame[is_test],
            kind,
            periods_on(test_dates),
        )
    elif len(dates) == 2:
        rest = frame[date_of_row != dates[-1]]
        is_valid = rng.random(len(rest)) < 0.2
        split = Split(
            rest[~is_valid],
            rest[is_valid],
            frame[date_of_row == dates[-1]],
            "time for test (latest period); validation is a random 20% of older periods",
            periods_on(dates[-1:]),
        )
    else:
        part = rng.random(len(frame))
        split = Split(
            frame[part < 0.6],
            frame[(part >= 0.6) & (part < 0.8)],
            frame[part >= 0.8],
            "random 60/20/20: every example shares one date, so no time split exists",
            periods_on(dates),
        )
    return sized(split, size)


def sized(split: Split, size: HoldoutSize) -> Split:
    """The split with its small-holdout warnings and whether its test set can decide."""
    large_enough = (
        len(split.test) >= size.min_rows and split.test[LABEL].sum() >= size.min_positives
    )
    return replace(
        split, warnings=_size_warnings(split, size), is_test_large_enough=bool(large_enough)
    )


def _size_warnings(split: Split, size: HoldoutSize) -> tuple[str, ...]:
    warnings = []
    for name, part in (("test", split.test), ("validation", split.valid)):
        rows, positives = len(part), int(part[LABEL].sum())
        if rows < size.min_rows or positives < size.min_positives:
            warnings.append(
                f"The {name} set holds {rows:,} rows and {positives:,} positives, fewer than "
                f"the {size.min_rows:,} rows and {size.min_positives:,} positives asked for "
                "(the data is small): its figures are uncertain; read them with their intervals."
            )
    return tuple(warnings)


def describe_split(split: Split, spec: FeatureSpec, train_part: dict | None = None) -> dict:
    """What the model was trained and judged on: rows, positives and periods per split, and per
    feature its missing share and typical value on the training rows. ``train_part``: the
    training rows' counts when ``split.train`` is a sample of them (counted in a warehouse)."""
    parts = {}
    for name, part in (("train", split.train), ("validation", split.valid), ("test", split.test)):
        parts[name] = describe_part(
            len(part), int(part[LABEL].sum()), part[PERIOD_ID].astype(str), part[PERIOD_AT]
        )
    if train_part is not None:
        parts["train"] = train_part
    matrix = spec.matrix(split.train)
    features = []
    for column in matrix.columns:
        values = matrix[column]
        typical = (
            values.mean()
            if column in spec.numeric
            else (values.mode().iloc[0] if values.notna().any() else None)
        )
        features.append(
            {
                "feature": column,
                "type": "numeric" if column in spec.numeric else "categorical",
                "missing_share": float(values.isna().mean()),
                "typical": None
                if pd.isna(typical)
                else (round(float(typical), 4) if column in spec.numeric else str(typical)),
            }
        )
    return {"splits": parts, "features": features}


def describe_part(rows: int, positives: int, periods: pd.Series, dates: pd.Series) -> dict:
    dates = pd.to_datetime(dates)
    return {
        "rows": rows,
        "positives": positives,
        "base_rate": positives / rows if rows else float("nan"),
        "periods": sorted(periods.unique()),
        "from": dates.min().isoformat(),
        "to": dates.max().isoformat(),
    }


def check_trainable(frame: pd.DataFrame, min_positives: int, where: str) -> None:
    check_counts(len(frame), int(frame[LABEL].sum()), min_positives, where)


def check_counts(rows: int, positives: int, min_positives: int, where: str) -> None:
    if positives in (0, rows) or positives < min_positives:
        raise TrainingDataError(
            f"{where}: {rows} examples with {positives} positive(s); at least "
            f"{min_positives} positives and both classes are needed to train and judge a model. "
            "Add older campaigns with responses, or lower min_positives."
        )


def fingerprint(frame: pd.DataFrame) -> str:
    """A stable hash of the training data (row order independent)."""
    row_hashes = pd.util.hash_pandas_object(frame, index=False).to_numpy()
    digest = hashlib.sha256(np.sort(row_hashes).tobytes())
    digest.update(",".join(frame.columns).encode())
    return digest.hexdigest()
