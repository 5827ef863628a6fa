import pandas as pd
import pytest

from bullseye.core.catalog import TRAINING_REQUIRED, MartSchemaError, require_columns
from ml.modelling.data import (
    FeatureSpec,
    TrainingDataError,
    check_trainable,
    fingerprint,
    split_by_time,
)


def test_time_split_holds_out_latest_campaign(training_frame):
    split = split_by_time(training_frame, seed=0)
    assert set(split.test["period_id"]) == {"c3"}
    assert set(split.valid["period_id"]) == {"c2"}
    assert set(split.train["period_id"]) == {"c0", "c1"}
    assert split.kind.startswith("time")


def test_single_campaign_falls_back_to_random_split_and_says_so(training_frame):
    one = training_frame[training_frame["period_id"] == "c0"]
    split = split_by_time(one, seed=0)
    assert split.kind.startswith("random")
    assert len(split.train) + len(split.valid) + len(split.test) == len(one)


def test_feature_spec_excludes_ids_label_and_audit_columns(training_frame):
    spec = FeatureSpec.from_frame(training_frame)
    assert spec.numeric == ("recency_days", "orders_total")
    assert spec.categorical == {"region": ("east", "north", "south")}


def test_unseen_category_becomes_missing(training_frame):
    spec = FeatureSpec.from_frame(training_frame)
    matrix = spec.matrix(training_frame.assign(region="mars"))
    assert matrix["region"].isna().all()


def test_single_class_is_refused_with_a_clear_message(training_frame):
    with pytest.raises(TrainingDataError, match="0 positive"):
        check_trainable(training_frame.assign(label=0), 10, "training set")


def test_too_few_positives_is_refused(training_frame):
    few = training_frame.assign(label=0)
    few.loc[few.index[:3], "label"] = 1
    with pytest.raises(TrainingDataError, match="3 positive"):
        check_trainable(few, 10, "training set")


def test_fingerprint_ignores_row_order_but_not_values(training_frame):
    shuffled = training_frame.sample(frac=1.0, random_state=1)
    assert fingerprint(shuffled) == fingerprint(training_frame)
    changed = training_frame.copy()
    changed.loc[0, "recency_days"] += 1
    assert fingerprint(changed) != fingerprint(training_frame)


def test_periods_on_one_date_split_randomly_and_say_so(training_frame):
    same_day = training_frame.assign(period_at=pd.Timestamp("2008-03-01"))
    split = split_by_time(same_day, seed=0)
    assert split.kind.startswith("random")
    assert split.test_periods == ("c0", "c1", "c2", "c3")
    assert 0.15 < len(split.test) / len(same_day) < 0.25


def test_mart_missing_a_column_python_reads_is_named(training_frame):
    with pytest.raises(MartSchemaError, match=r"marts\.x lacks column\(s\) label"):
        require_columns(training_frame.drop(columns="label"), "marts.x", TRAINING_REQUIRED)
