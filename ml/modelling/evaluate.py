"""Model evaluation as marketers read it: ranking quality, lift and gains by decile."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, log_loss, roc_auc_score


@dataclass(frozen=True)
class Metrics:
    n: int
    positives: int
    base_rate: float
    roc_auc: float
    pr_auc: float
    log_loss: float
    brier: float
    top_decile_lift: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def assign_deciles(scores: np.ndarray) -> np.ndarray:
    """Decile 1 = the highest-scoring 10%; ties broken by position so deciles are even."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(len(order))
    return (ranks * 10 // max(len(order), 1)) + 1


def decile_table(y_true: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Responders, response rate, lift and cumulative gains for each score decile."""
    frame = pd.DataFrame(
        {"y": np.asarray(y_true), "score": scores, "decile": assign_deciles(scores)}
    )
    table = frame.groupby("decile").agg(
        customers=("y", "size"),
        responders=("y", "sum"),
        mean_score=("score", "mean"),
        min_score=("score", "min"),
    )
    base = frame["y"].mean()
    table["response_rate"] = table["responders"] / table["customers"]
    table["lift"] = table["response_rate"] / base if base > 0 else np.nan
    table["cumulative_gain"] = table["responders"].cumsum() / max(frame["y"].sum(), 1)
    cum_rate = table["responders"].cumsum() / table["customers"].cumsum()
    table["cumulative_lift"] = cum_rate / base if base > 0 else np.nan
    return table.reset_index()


def evaluate(y_true: np.ndarray, scores: np.ndarray) -> Metrics:
    y = np.asarray(y_true).astype(int)
    p = np.clip(np.asarray(scores, dtype=float), 1e-7, 1 - 1e-7)
    deciles = decile_table(y, p)
    return Metrics(
        n=len(y),
        positives=int(y.sum()),
        base_rate=float(y.mean()),
        roc_auc=float(roc_auc_score(y, p)),
        pr_auc=float(average_precision_score(y, p)),
        log_loss=float(log_loss(y, p, labels=[0, 1])),
        brier=float(brier_score_loss(y, p)),
        top_decile_lift=float(deciles.loc[deciles["decile"] == 1, "lift"].iloc[0]),
    )


# A single feature carrying most of the model, or a near-perfect test score, usually means the
# label leaked into a feature (a field filled in after the response, a post-period aggregate).
LEAKAGE_MAX_IMPORTANCE_SHARE = 0.5
LEAKAGE_MAX_ROC_AUC = 0.99


def leakage_warnings(importance: pd.Series, roc_auc: float) -> list[str]:
    """Warnings for a model that looks too good to be true."""
    warnings = []
    total = float(importance.sum())
    if total > 0 and len(importance) > 1:
        top, share = str(importance.index[0]), float(importance.iloc[0]) / total
        if share > LEAKAGE_MAX_IMPORTANCE_SHARE:
            warnings.append(
                f"'{top}' carries {share:.0%} of the model's importance (mean |SHAP|): check "
                "that it is known before the moment it predicts."
            )
    if roc_auc > LEAKAGE_MAX_ROC_AUC:
        warnings.append(
            f"Test ROC AUC is {roc_auc:.4f} (> {LEAKAGE_MAX_ROC_AUC}): marketing responses are "
            "rarely that predictable; look for a feature built from the outcome."
        )
    return warnings
