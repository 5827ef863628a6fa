"""Uplift for campaigns with control groups: who is *persuaded* by a contact, not who responds.

A two-model (T-learner) estimate: one XGBoost model of response among sent contacts, one among
held-out controls, both tuned by the same Optuna search as the response model; uplift =
P(respond | sent) - P(respond | not sent). Judged on the untouched test campaign by the Qini
curve, the area under the uplift curve (AUUC) and observed uplift by decile, beside the ranking
a response-propensity model would give.

The Qini/AUUC arithmetic is written here: the maintained uplift libraries either pull a second
XGBoost build with GPU libraries, LightGBM and numba (causalml) or have had no release since
2022 (scikit-uplift); the formulas are a few lines of cumulative sums.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xgboost as xgb

from bullseye.core.catalog import CUSTOMER_ID, CUSTOMER_KEY, LABEL, PERIOD_ID, TREATMENT
from ml.modelling.data import FeatureSpec, Split, check_trainable, fingerprint, split_by_time
from ml.modelling.evaluate import assign_deciles
from ml.modelling.train import FittedBooster, TrainingConfig, fit_tuned_booster
from ml.modelling.tune import to_dmatrix

UPLIFT_TARGET = "campaign_uplift"
ARMS = {"treated": 1, "control": 0}


def qini_curve(y, treatment, ranking, points: int = 100) -> pd.DataFrame:
    """Qini curve: incremental responders among the top share by ``ranking``.

    At each cut, ``incremental = R_t - R_c * N_t / N_c`` (treated responders minus control
    responders scaled to the treated count), as a share of all treated customers; and the
    uplift curve ``(R_t/N_t - R_c/N_c) * (N_t + N_c) / N``, incremental responses per customer.
    """
    y, t = np.asarray(y, dtype=float), np.asarray(treatment, dtype=int)
    order = np.argsort(-np.asarray(ranking, dtype=float), kind="stable")
    y, t = y[order], t[order]
    n_t, n_c = np.cumsum(t), np.cumsum(1 - t)
    r_t, r_c = np.cumsum(y * t), np.cumsum(y * (1 - t))
    scaled_control = np.divide(r_c * n_t, n_c, out=np.zeros(len(y)), where=n_c > 0)
    rate_t = np.divide(r_t, n_t, out=np.zeros(len(y)), where=n_t > 0)
    rate_c = np.divide(r_c, n_c, out=np.zeros(len(y)), where=n_c > 0)
    share = np.linspace(0, 1, points + 1)
    idx = np.clip((share * len(y)).astype(int) - 1, 0, len(y) - 1)
    qini = (r_t - scaled_control) / max(int(t.sum()), 1)
    uplift = (rate_t - rate_c) * (n_t + n_c) / len(y)
    return pd.DataFrame(
        {
            "targeted": share,
            "qini": np.where(share == 0, 0.0, qini[idx]),
            "uplift_curve": np.where(share == 0, 0.0, uplift[idx]),
        }
    )


def _area_over_random(curve: pd.Series, share: pd.Series) -> float:
    """Area between a curve and the straight line from 0 to its end (random targeting)."""
    random_line = share * curve.iloc[-1]
    return float(np.trapezoid(curve - random_line, share))


def uplift_metrics(y, treatment, ranking) -> dict[str, float]:
    """Qini coefficient and AUUC (both as area above random targeting; higher = better), and
    the uplift observed in the top 10% and 30%."""
    curve = qini_curve(y, treatment, ranking)
    deciles = uplift_by_decile(y, treatment, ranking)
    top30 = deciles[deciles["decile"] <= 3]
    return {
        "qini_coefficient": _area_over_random(curve["qini"], curve["targeted"]),
        "auuc": _area_over_random(curve["uplift_curve"], curve["targeted"]),
        "observed_uplift_top10": float(deciles["observed_uplift"].iloc[0]),
        "observed_uplift_top30": _observed(top30),
        "observed_uplift_all": _observed(deciles),
    }


def _observed(rows: pd.DataFrame) -> float:
    treated = rows["treated_responders"].sum() / max(rows["treated"].sum(), 1)
    control = rows["control_responders"].sum() / max(rows["control"].sum(), 1)
    return float(treated - control)


def uplift_by_decile(y, treatment, ranking) -> pd.DataFrame:
    """Per decile of the ranking: treated and control counts, their response rates and the
    observed uplift (treated rate - control rate)."""
    frame = pd.DataFrame(
        {
            "y": np.asarray(y, dtype=int),
            "t": np.asarray(treatment, dtype=int),
            "decile": assign_deciles(np.asarray(ranking, dtype=float)),
            "ranking": np.asarray(ranking, dtype=float),
        }
    )
    frame["yt"], frame["yc"] = frame["y"] * frame["t"], frame["y"] * (1 - frame["t"])
    table = frame.groupby("decile").agg(
        customers=("y", "size"),
        treated=("t", "sum"),
        treated_responders=("yt", "sum"),
        control_responders=("yc", "sum"),
        mean_ranking=("ranking", "mean"),
    )
    table["control"] = table["customers"] - table["treated"]
    table["treated_rate"] = table["treated_responders"] / table["treated"].where(
        table["treated"] > 0
    )
    table["control_rate"] = table["control_responders"] / table["control"].where(
        table["control"] > 0
    )
    table["observed_uplift"] = table["treated_rate"] - table["control_rate"]
    return table.reset_index()


@dataclass(frozen=True)
class UpliftModel:
    spec: FeatureSpec
    arms: dict[str, FittedBooster]  # "treated" and "control"
    metrics: dict[str, float]  # uplift model on test
    propensity_metrics: dict[str, float]  # ranking by P(respond | sent) on the same test rows
    deciles: pd.DataFrame
    test_periods: tuple[str, ...]
    rows: dict[str, int]
    data_fingerprint: str
    test_scores: pd.DataFrame  # ids, treatment, label, uplift and propensity per test contact


def predict_uplift(
    boosters: dict[str, xgb.Booster], spec: FeatureSpec, frame: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """(uplift, propensity): P(respond | sent) - P(respond | not sent), and P(respond | sent)."""
    matrix = to_dmatrix(spec.matrix(frame))
    treated = boosters["treated"].predict(matrix)
    return treated - boosters["control"].predict(matrix), treated


def train_uplift_model(frame: pd.DataFrame, config: TrainingConfig) -> UpliftModel:
    """T-learner on campaign contacts with both arms (``treatment`` 1 = sent, 0 = control)."""
    frame = frame.sort_values([PERIOD_ID, CUSTOMER_ID], ignore_index=True)
    split: Split = split_by_time(frame, config.seed, config.holdout)
    spec = FeatureSpec.from_frame(split.train)
    data_fingerprint = fingerprint(frame)
    # The two arms share the trial and time budget.
    budget = replace(config, n_trials=max(config.n_trials // 2, 2), timeout_s=config.timeout_s / 2)
    arms = {}
    for arm, value in ARMS.items():
        parts = [p[p[TREATMENT] == value] for p in (split.train, split.valid, split.test)]
        for name, part in zip(("train", "validation", "test"), parts, strict=True):
            minimum = config.min_positives if name == "train" else 1
            check_trainable(part, minimum, f"{arm} {name} split for the uplift model")
        train, valid = ((spec.matrix(p), p[LABEL].astype(int)) for p in parts[:2])
        arms[arm] = fit_tuned_booster(
            train, valid, budget, f"{UPLIFT_TARGET}-{arm}-{data_fingerprint[:16]}"
        )
    test = split.test
    uplift, propensity = predict_uplift({k: v.booster for k, v in arms.items()}, spec, test)
    y, t = test[LABEL].to_numpy(), test[TREATMENT].to_numpy()
    test_scores = test[[PERIOD_ID, CUSTOMER_ID, CUSTOMER_KEY, TREATMENT, LABEL]].copy()
    test_scores["uplift"], test_scores["propensity"] = uplift, propensity
    return UpliftModel(
        spec=spec,
        arms=arms,
        metrics=uplift_metrics(y, t, uplift),
        propensity_metrics=uplift_metrics(y, t, propensity),
        deciles=uplift_by_decile(y, t, uplift),
        test_periods=split.test_periods,
        rows={
            f"{name}_{arm}": int((part[TREATMENT] == value).sum())
            for name, part in (("train", split.train), ("validation", split.valid), ("test", test))
            for arm, value in ARMS.items()
        },
        data_fingerprint=data_fingerprint,
        test_scores=test_scores,
    )


def true_uplift_capture(
    test_scores: pd.DataFrame, truth: pd.DataFrame, shares=(0.1, 0.2, 0.3, 0.5)
) -> pd.DataFrame:
    """With the generator's true p_treated and p_control: the mean true uplift of the customers
    each ranking would target at each share (higher = finds more persuadable customers)."""
    joined = test_scores.merge(truth, on=[PERIOD_ID, CUSTOMER_ID], how="inner")
    true_uplift = (joined["p_treated"] - joined["p_control"]).to_numpy()
    rows = []
    for share in shares:
        k = max(round(share * len(joined)), 1)
        row = {"targeted_share": share, "customers": k}
        for ranking in ("uplift", "propensity"):
            top = np.argsort(-joined[ranking].to_numpy(), kind="stable")[:k]
            row[f"true_uplift_by_{ranking}"] = float(true_uplift[top].mean())
        row["true_uplift_random"] = float(true_uplift.mean())
        rows.append(row)
    return pd.DataFrame(rows)
