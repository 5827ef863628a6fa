"""Customer lifetime value: each customer's spend over the next ``horizon_days``, predicted by an
XGBoost regression on point-in-time purchase features, judged against the naive forecast
"the last period repeats" on the last complete period of the history.

Cut-offs step back from the as-of moment by the horizon: the newest (as_of - horizon) is the
holdout (features before it, label = spend in the horizon after it, every day of it
observed); the earlier ones train the judged model. The model that predicts for today is
refitted on every cut-off, the holdout's included. Features at a cut-off come only from orders
before it (tests/unit/ml/test_clv.py proves a later order changes nothing).

Why XGBoost and not BG/NBD + Gamma-Gamma: the maintained implementation (pymc-marketing)
installs about 850 MB (PyMC, PyTensor) for two small models, and the tree model uses the same
features the response models use; the comparison that matters, against the naive forecast,
is reported on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.stats import spearmanr

CUSTOMER, AT, AMOUNT = "customer_key", "ordered_at", "amount"
WINDOWS = (30, 90, 180, 365)
PARAMS = {
    "objective": "reg:tweedie",  # many customers spend nothing in a period: a point mass at 0
    "tweedie_variance_power": 1.3,
    "eta": 0.05,
    "max_depth": 4,
    "min_child_weight": 5,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "tree_method": "hist",
    "nthread": 2,
}
ROUNDS = 300
# Training cut-offs: a month apart, the newest one horizon before the holdout's (its label
# window ends where the holdout's features do), as many as the history allows up to a year of
# them: every season of the year is a starting point.
TRAIN_CUTOFFS = 12
STEP = pd.Timedelta(days=30)


class ValueModelError(ValueError):
    """Too little history for a lifetime-value model; the message says what is missing."""


def features_at(orders: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int) -> pd.DataFrame:
    """One row per customer who bought before ``cutoff``: recency, tenure, orders and spend in
    windows, average order, mean days between orders; indexed by customer_key."""
    past = orders[orders[AT] < cutoff]
    age = (cutoff - past[AT]).dt.total_seconds() / 86_400
    grouped = past.assign(_age=age).groupby(CUSTOMER)
    out = pd.DataFrame(
        {
            "recency_days": grouped["_age"].min(),
            "tenure_days": grouped["_age"].max(),
            "orders_total": grouped.size(),
            "spend_total": grouped[AMOUNT].sum(),
        }
    )
    for days in sorted({*WINDOWS, horizon_days}):
        recent = past[age < days].groupby(CUSTOMER)[AMOUNT]
        out[f"orders_{days}d"] = recent.size().reindex(out.index, fill_value=0)
        out[f"spend_{days}d"] = recent.sum().reindex(out.index, fill_value=0.0)
    # the coming horizon one year earlier: seasonal shops sell in the same months every year
    year_ago = past[(age <= 365) & (age > 365 - horizon_days)].groupby(CUSTOMER)[AMOUNT]
    out["spend_next_horizon_last_year"] = year_ago.sum().reindex(out.index, fill_value=0.0)
    out["avg_order_value"] = out["spend_total"] / out["orders_total"]
    out["days_between_orders"] = (out["tenure_days"] - out["recency_days"]) / np.maximum(
        out["orders_total"] - 1, 1
    )
    return out


def spend_between(orders: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    inside = orders[(orders[AT] >= start) & (orders[AT] < end)]
    return inside.groupby(CUSTOMER)[AMOUNT].sum()


def examples(orders: pd.DataFrame, cutoff: pd.Timestamp, horizon: pd.Timedelta):
    """Features at ``cutoff`` and the spend of the following horizon (0 when none)."""
    x = features_at(orders, cutoff, horizon.days)
    y = spend_between(orders, cutoff, cutoff + horizon).reindex(x.index, fill_value=0.0)
    return x, y


def naive_forecast(x: pd.DataFrame, horizon_days: int) -> np.ndarray:
    """The last period repeats: spend in the ``horizon_days`` before the cut-off."""
    return x[f"spend_{horizon_days}d"].to_numpy()


def _fit(frames: list[tuple[pd.DataFrame, pd.Series]], seed: int) -> xgb.Booster:
    x = pd.concat([f for f, _ in frames])
    y = pd.concat([t for _, t in frames])
    return xgb.train(
        PARAMS | {"seed": seed}, xgb.DMatrix(x, label=y.to_numpy()), num_boost_round=ROUNDS
    )


def judge(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """MAE, Spearman rank correlation and the share of actual spend captured by the top
    predicted decile."""
    top = np.argsort(-predicted, kind="stable")[: max(len(predicted) // 10, 1)]
    total = actual.sum()
    rho = spearmanr(actual, predicted).statistic if np.ptp(predicted) > 0 else 0.0
    return {
        "mae": float(np.mean(np.abs(actual - predicted))),
        "spearman": float(0.0 if np.isnan(rho) else rho),
        "top_decile_capture": float(actual[top].sum() / total) if total > 0 else 0.0,
    }


@dataclass(frozen=True)
class ValueModel:
    horizon_days: int
    holdout_from: datetime
    holdout_customers: int
    train_examples: int
    model: dict[str, float]  # judge() of the model on the holdout
    naive: dict[str, float]  # judge() of the naive forecast
    method: str  # "xgboost" when it beats the naive forecast on MAE and Spearman, else "naive"
    predictions: pd.DataFrame  # customer_key, clv (spend predicted over the next horizon)


def fit_value_model(
    orders: pd.DataFrame, as_of: datetime, horizon_days: int, min_customers: int, seed: int = 0
) -> ValueModel:
    horizon = pd.Timedelta(days=horizon_days)
    now = pd.Timestamp(as_of)
    now = now.tz_convert(None) if now.tzinfo else now
    at = pd.to_datetime(orders[AT], utc=True).dt.tz_convert(None)  # naive UTC, as the marts
    orders = orders.assign(**{AT: at, AMOUNT: orders[AMOUNT].astype(float)})
    holdout = now - horizon
    first = orders[AT].min()
    train_cutoffs = [holdout - horizon - STEP * i for i in range(TRAIN_CUTOFFS)]
    train_cutoffs = [c for c in train_cutoffs if c > first + pd.Timedelta(days=30)]
    x_test, y_test = examples(orders, holdout, horizon)
    if not train_cutoffs or len(x_test) < min_customers:
        raise ValueModelError(
            f"Lifetime value needs purchases before {holdout:%Y-%m-%d} - {horizon_days} days "
            f"and at least {min_customers} customers who bought before {holdout:%Y-%m-%d} "
            f"(found history from {first:%Y-%m-%d}, {len(x_test)} customers)."
        )
    train = [examples(orders, c, horizon) for c in train_cutoffs]
    booster = _fit(train, seed)
    predicted = booster.predict(xgb.DMatrix(x_test))
    model_score = judge(y_test.to_numpy(), predicted)
    naive_score = judge(y_test.to_numpy(), naive_forecast(x_test, horizon_days))
    beats = (
        model_score["mae"] < naive_score["mae"]
        and model_score["spearman"] > naive_score["spearman"]
    )
    x_now = features_at(orders, now, horizon_days)
    if beats:
        final = _fit([*train, (x_test, y_test)], seed)
        values = final.predict(xgb.DMatrix(x_now))
    else:
        values = naive_forecast(x_now, horizon_days)
    return ValueModel(
        horizon_days,
        holdout.to_pydatetime(),
        len(x_test),
        sum(len(x) for x, _ in train),
        model_score,
        naive_score,
        "xgboost" if beats else "naive",
        pd.DataFrame({CUSTOMER: x_now.index.to_numpy(), "clv": np.round(values, 2)}),
    )
