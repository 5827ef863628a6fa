"""Promotion as a decision, separate from writing it.

``decide`` is pure: it compares a candidate with the current champion on the candidate's own
test rows and says what should happen, writing nothing. The caller asks a person where approval
is configured and then writes the alias once, under the warehouse lock (``apply``): a scoring
run can never see a champion that nobody approved, nor one that is undone a moment later.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sklearn.metrics import roc_auc_score

from bullseye.core.catalog import CUSTOMER_ID, LABEL, PERIOD_ID, TREATMENT
from ml.modelling.train import predict
from ml.modelling.uplift import predict_uplift, uplift_metrics
from ml.registry.store import ModelVersion, aliases, set_alias

CHAMPION, CHALLENGER = "champion", "challenger"


@dataclass(frozen=True)
class PromotionDecision:
    candidate_version: str
    is_promoted: bool  # the candidate should become champion
    alias: str  # what the candidate becomes: champion or challenger
    metric: str  # roc_auc for response models, qini_coefficient for uplift models
    candidate_value: float
    champion_version: str | None
    champion_value: float | None
    reason: str

    @property
    def replaces_a_champion(self) -> bool:
        """A promotion over an existing champion: what approval (when configured) is for."""
        return self.is_promoted and self.champion_version is not None


def _judge(model: ModelVersion, test_frame: pd.DataFrame, metric: str) -> float:
    """``metric`` of a registered model on ``test_frame``, in the order training sorts rows (tied
    scores make ranking metrics depend on row order)."""
    test_frame = test_frame.sort_values([PERIOD_ID, CUSTOMER_ID], ignore_index=True)
    if metric == "qini_coefficient":
        uplift, _ = predict_uplift(model.load_uplift_arms(), model.spec, test_frame)
        return uplift_metrics(test_frame[LABEL], test_frame[TREATMENT], uplift)[metric]
    scores = predict(model.load_booster(), model.spec, test_frame)
    return float(roc_auc_score(test_frame[LABEL].astype(int), scores))


def decide(
    candidate: ModelVersion,
    champion: ModelVersion | None,
    test_frame: pd.DataFrame,
    margin: float = 0.0,
) -> PromotionDecision:
    """Champion if there is none, or if the candidate beats the champion on the candidate's own
    test rows by ``margin`` (ROC AUC; Qini coefficient for uplift models); otherwise challenger,
    waiting for an explicit promote. Writes nothing."""
    metric = candidate.meta.promotion_metric
    value = float(candidate.meta.metrics[metric])
    decision = dict(candidate_version=candidate.version, metric=metric, candidate_value=value)
    if champion is None:
        return PromotionDecision(
            **decision,
            is_promoted=True,
            alias=CHAMPION,
            champion_version=None,
            champion_value=None,
            reason="no champion yet",
        )
    try:
        champion_value = _judge(champion, test_frame, metric)
    except ValueError as error:  # the champion's features no longer exist in the marts
        return PromotionDecision(
            **decision,
            is_promoted=True,
            alias=CHAMPION,
            champion_version=champion.version,
            champion_value=None,
            reason=f"champion cannot score: {error}",
        )
    gain = value - champion_value
    promoted = value >= champion_value + margin
    return PromotionDecision(
        **decision,
        is_promoted=promoted,
        alias=CHAMPION if promoted else CHALLENGER,
        champion_version=champion.version,
        champion_value=champion_value,
        reason=f"beats champion's {metric} by {gain:+.4f} (margin {margin})"
        if promoted
        else f"does not beat champion's {metric} by margin {margin} ({gain:+.4f})",
    )


def apply(models_dir: Path, target: str, decision: PromotionDecision, approved: bool) -> str:
    """Write the decision's alias once: champion when promoted and approved (or no approval is
    needed), challenger otherwise. Call under the warehouse lock. Returns the alias written.

    A promotion decided against a champion that has been replaced since (another run promoted
    one, or a person rolled back, while this run waited for approval) is not applied: the
    candidate waits as challenger, to be judged again or promoted explicitly."""
    current = aliases(models_dir, target).get(CHAMPION)
    is_current = current == decision.champion_version
    alias = CHAMPION if decision.is_promoted and approved and is_current else CHALLENGER
    set_alias(models_dir, target, alias, decision.candidate_version)
    return alias
