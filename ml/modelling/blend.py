"""The scorer a response model registers: the tuned booster, the logistic baseline, and the
booster's weight in their blend on the log-odds scale, chosen on validation.

A weight of 1 is XGBoost alone (the usual outcome), 0 the baseline alone; in between, a blend.
Choosing among them on validation is what keeps a registered model from losing to its own
baseline when trees find nothing the linear model does not (small or mostly linear data).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import xgboost as xgb
from scipy.special import expit
from sklearn.pipeline import Pipeline

from ml.modelling.baseline import baseline_contributions, baseline_margin
from ml.modelling.data import FeatureSpec
from ml.modelling.intervals import rank_auc
from ml.modelling.tune import to_dmatrix

WEIGHTS = (1.0, 0.75, 0.5, 0.25, 0.0)  # booster's share; earlier wins ties (prefer XGBoost)


@dataclass(frozen=True)
class ResponseScorer:
    booster: xgb.Booster
    baseline: Pipeline | None  # None: XGBoost alone (models registered before blends)
    spec: FeatureSpec
    weight: float = 1.0

    def margin(self, matrix: pd.DataFrame) -> np.ndarray:
        """Log-odds of each row of a feature matrix (``spec.matrix``)."""
        margin = np.zeros(len(matrix))
        if self.weight > 0:
            # in place: no DMatrix copy of a million-row scoring matrix
            trees = self.booster.inplace_predict(matrix, predict_type="margin")
            margin += self.weight * trees
        if self.weight < 1:
            margin += (1 - self.weight) * baseline_margin(self.baseline, self.spec, matrix)
        return margin

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Uncalibrated probability of each row of a training or scoring mart."""
        return expit(self.margin(self.spec.matrix(frame)))

    def contributions(self, matrix: pd.DataFrame, approximate: bool = False) -> np.ndarray:
        """Each feature's additive share of each row's log-odds: XGBoost's exact TreeSHAP and
        the baseline's linear contributions, weighted as in the blend (both are additive on the
        log-odds scale, so the weighted sum is the blend's own decomposition).

        ``approximate``: XGBoost's path attribution (``approx_contribs``, Saabas) instead of
        TreeSHAP: also additive to each row's log-odds, about fifteen times faster, but it
        credits the features split on near the leaves more than Shapley values do."""
        out = np.zeros(matrix.shape)
        if self.weight > 0:
            shap = self.booster.predict(
                to_dmatrix(matrix), pred_contribs=True, approx_contribs=approximate
            )[:, :-1]
            out += self.weight * shap
        if self.weight < 1:
            out += (1 - self.weight) * baseline_contributions(self.baseline, self.spec, matrix)
        return out


def choose_weight(
    y_valid: np.ndarray, trees: np.ndarray, linear: np.ndarray
) -> tuple[float, list[dict]]:
    """The blend weight with the best validation ROC AUC (ties go to more XGBoost), and every
    candidate's AUC for the report. ``trees`` and ``linear`` are validation log-odds of models
    fitted on the training rows only."""
    y = np.asarray(y_valid, dtype=int)
    table = [
        {"xgboost_weight": w, "valid_roc_auc": float(rank_auc(y, w * trees + (1 - w) * linear))}
        for w in WEIGHTS
    ]
    best = max(table, key=lambda row: row["valid_roc_auc"])  # first of equals: max is stable
    return best["xgboost_weight"], table


def describe_choice(weight: float) -> str:
    if weight == 1.0:
        return "XGBoost (best on validation)"
    if weight == 0.0:
        return (
            "the logistic baseline: it beat every XGBoost blend on validation, so the trees "
            "found nothing it does not"
        )
    return f"a blend, {weight:.0%} XGBoost and {1 - weight:.0%} logistic on the log-odds scale"
