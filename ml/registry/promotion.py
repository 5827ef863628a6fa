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

from bullseye.core.catalog import CUSTOMER_ID, LABEL, PERIOD_ID, TREATMENT
from ml.modelling.intervals import Interval, paired_auc_difference, rank_auc
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


def _judge(
    candidate: ModelVersion, champion: ModelVersion, test_frame: pd.DataFrame, metric: str
) -> tuple[float, Interval | None]:
    """The champion's ``metric`` on ``test_frame`` and, for response models, the paired 95%
    interval of the candidate's ROC AUC gain over it on the same rows. Rows in the order
    training sorts them (tied scores make ranking metrics depend on row order)."""
    test_frame = test_frame.sort_values([PERIOD_ID, CUSTOMER_ID], ignore_index=True)
    if metric == "qini_coefficient":
        uplift, _ = predict_uplift(champion.load_uplift_arms(), champion.spec, test_frame)
        return uplift_metrics(test_frame[LABEL], test_frame[TREATMENT], uplift)[metric], None
    y = test_frame[LABEL].astype(int).to_numpy()
    theirs = champion.scorer().predict(test_frame)
    ours = candidate.scorer().predict(test_frame)
    gain = paired_auc_difference(y, ours, theirs)
    return float(rank_auc(y, theirs)), gain


def _worse_than_baseline(candidate: ModelVersion) -> str | None:
    """Why the candidate must not be promoted automatically: its test AUC is below its own
    baseline's beyond the paired interval, on a test set as large as asked for (on a smaller
    one the verdict is a warning in the report, not a refusal: it cannot decide either way)."""
    recorded = candidate.meta.intervals.get("gain_over_baseline")
    if not candidate.meta.split.is_test_large_enough or not recorded:
        return None
    gain = Interval(**recorded)
    if gain.is_below_zero:
        return (
            f"test ROC AUC {gain.estimate:+.4f} below the logistic baseline's (95% interval "
            f"{gain.low:+.4f} to {gain.high:+.4f}): never promoted automatically; "
            "promote it explicitly if you must"
        )
    return None


def decide(
    candidate: ModelVersion,
    champion: ModelVersion | None,
    test_frame: pd.DataFrame,
    margin: float = 0.0,
) -> PromotionDecision:
    """What the candidate should become. Writes nothing.

    - A response model whose test ROC AUC is below its own baseline's by more than the paired
      interval allows, on a test set of the asked-for size, waits as challenger, champion or
      not.
    - With no champion, the candidate becomes champion.
    - Otherwise both score the candidate's test rows: the candidate is promoted when its gain
      reaches ``margin`` and the paired-bootstrap 95% interval of the gain does not reach below
      zero (a gain inside the noise of the test set is not a reason to switch). Uplift models
      compare Qini coefficients against the margin.
    """
    metric = candidate.meta.promotion_metric
    value = float(candidate.meta.metrics[metric])
    decision = dict(candidate_version=candidate.version, metric=metric, candidate_value=value)
    waits = dict(is_promoted=False, alias=CHALLENGER)
    champion_version = None if champion is None else champion.version
    worse = None if candidate.meta.is_uplift else _worse_than_baseline(candidate)
    if worse:
        return PromotionDecision(
            **decision,
            **waits,
            champion_version=champion_version,
            champion_value=None,
            reason=worse,
        )
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
        champion_value, gain = _judge(candidate, champion, test_frame, metric)
    except ValueError as error:  # the champion's features no longer exist in the marts
        return PromotionDecision(
            **decision,
            is_promoted=True,
            alias=CHAMPION,
            champion_version=champion.version,
            champion_value=None,
            reason=f"champion cannot score: {error}",
        )
    if gain is None:  # uplift: Qini coefficients against the margin
        difference = value - champion_value
        promoted = difference >= margin
        evidence = f"{difference:+.4f} (margin {margin})"
    else:
        value = gain.estimate + champion_value  # both on the same rows, in the same order
        promoted = gain.estimate >= margin and gain.low is not None and gain.low >= 0
        evidence = f"{gain} (margin {margin}; paired 95% interval must not reach below 0)"
    return PromotionDecision(
        **(decision | {"candidate_value": value}),
        is_promoted=promoted,
        alias=CHAMPION if promoted else CHALLENGER,
        champion_version=champion.version,
        champion_value=champion_value,
        reason=f"{metric} gain over the champion {evidence}: "
        + ("promoted" if promoted else "waits as challenger"),
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
