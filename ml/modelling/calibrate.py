"""Probability calibration on validation data: isotonic or Platt, chosen by cross-validated
log loss on the validation split, with reliability tables and Brier scores before and after."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss
from sklearn.model_selection import StratifiedKFold

EPS = 1e-6


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p / (1 - p))


@dataclass(frozen=True)
class Calibrator:
    """A fitted calibration map as plain numbers, so it travels in the model's metadata."""

    method: str  # "isotonic" or "platt"
    x: tuple[float, ...] = ()  # isotonic: knots (raw scores) and their calibrated values
    y: tuple[float, ...] = ()
    slope: float = 1.0  # platt: sigmoid(slope * logit(p) + intercept)
    intercept: float = 0.0

    def apply(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=float)
        if self.method == "isotonic":
            return np.clip(np.interp(scores, self.x, self.y), EPS, 1 - EPS)
        return 1 / (1 + np.exp(-(self.slope * _logit(scores) + self.intercept)))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        return cls(
            data["method"], tuple(data["x"]), tuple(data["y"]), data["slope"], data["intercept"]
        )


def _fit(method: str, scores: np.ndarray, y: np.ndarray) -> Calibrator:
    if method == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=EPS, y_max=1 - EPS).fit(scores, y)
        return Calibrator("isotonic", tuple(iso.X_thresholds_), tuple(iso.y_thresholds_))
    platt = LogisticRegression(C=1e6).fit(_logit(scores).reshape(-1, 1), y)
    return Calibrator("platt", slope=float(platt.coef_[0, 0]), intercept=float(platt.intercept_[0]))


def reliability_table(y: np.ndarray, scores: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Mean predicted probability against the observed rate, in equal-count score bins."""
    frame = pd.DataFrame({"y": y, "p": scores})
    frame["bin"] = pd.qcut(frame["p"].rank(method="first"), bins, labels=False) + 1
    table = frame.groupby("bin").agg(
        customers=("y", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")
    )
    return table.reset_index()


@dataclass(frozen=True)
class Calibration:
    calibrator: Calibrator
    cv_log_loss: dict[str, float]  # method -> cross-validated log loss on validation


def choose_calibrator(scores: np.ndarray, y: np.ndarray, seed: int, folds: int = 5) -> Calibration:
    """Fit isotonic and Platt on folds of the validation data; keep the lower held-out log loss,
    refit on all of it."""
    scores, y = np.asarray(scores, dtype=float), np.asarray(y, dtype=int)
    folds = max(2, min(folds, int(y.sum()), int((1 - y).sum())))
    losses = {}
    for method in ("isotonic", "platt"):
        held_out = np.empty(len(y))
        for fit_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(
            scores, y
        ):
            held_out[test_idx] = _fit(method, scores[fit_idx], y[fit_idx]).apply(scores[test_idx])
        losses[method] = float(log_loss(y, held_out, labels=[0, 1]))
    best = min(losses, key=losses.get)
    return Calibration(_fit(best, scores, y), losses)


def brier(y: np.ndarray, scores: np.ndarray) -> float:
    return float(brier_score_loss(np.asarray(y, dtype=int), np.asarray(scores, dtype=float)))
