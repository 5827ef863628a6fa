"""Choose who gets contacted: top-k by response score or by uplift, with a deterministic
hash-based control group."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.schema import CUSTOMER_KEY

TARGET, CONTROL = "target", "control"


@dataclass(frozen=True)
class AudiencePolicy:
    campaign_id: str
    top_k: int | None  # None = every eligible customer
    control_share: float = 0.10
    salt: str = "bullseye"
    # Keep only customers whose profile values are among the allowed ones, for example
    # (("rfm_segment", ("champions", "loyal")), ("segment_label", ("lapsed low-spend",))).
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # "score": most likely to respond; "uplift": most changed by the contact (needs an uplift
    # model, trained on campaigns with control groups).
    rank_by: str = "score"


class AudienceFilterError(ValueError):
    pass


def apply_filters(
    scores: pd.DataFrame, filters: tuple[tuple[str, tuple[str, ...]], ...], profiles: pd.DataFrame
) -> pd.DataFrame:
    """Scores of the customers whose profile (one row per customer_key) passes every filter."""
    if not filters:
        return scores
    unknown = [column for column, _ in filters if column not in profiles.columns]
    if unknown:
        raise AudienceFilterError(
            f"Unknown audience filter field(s) {', '.join(unknown)}; "
            f"available: {', '.join(c for c in profiles.columns if c != CUSTOMER_KEY)}"
        )
    keep = pd.Series(True, index=profiles.index)
    for column, allowed in filters:
        keep &= profiles[column].astype("string").isin(allowed)
    return scores[scores[CUSTOMER_KEY].isin(profiles.loc[keep, CUSTOMER_KEY])]


def control_draw(campaign_id: str, customer_keys: pd.Series, salt: str) -> np.ndarray:
    """A uniform number in [0, 1) per customer from sha256(campaign | customer | salt).

    Hand-written because it must be stable across runs, machines and library versions,
    which no random generator guarantees; the same customer always lands in the same group
    of the same campaign.
    """

    def draw(key: str) -> float:
        digest = hashlib.sha256(f"{campaign_id}|{key}|{salt}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64

    return np.fromiter((draw(k) for k in customer_keys), dtype=np.float64, count=len(customer_keys))


def select_audience(scores: pd.DataFrame, policy: AudiencePolicy) -> pd.DataFrame:
    """The top_k highest by ``policy.rank_by`` (ties by key), each marked target or control.
    Apply filters first (``apply_filters``)."""
    if policy.rank_by not in scores.columns:
        raise AudienceFilterError(
            f"Cannot rank by {policy.rank_by!r}: the scores have no such column"
            + (
                "; train an uplift model first (it needs past campaigns with control groups)."
                if policy.rank_by == "uplift"
                else "."
            )
        )
    ranked = scores.sort_values(
        [policy.rank_by, CUSTOMER_KEY], ascending=[False, True], ignore_index=True
    )
    chosen = ranked if policy.top_k is None else ranked.head(policy.top_k)
    chosen = chosen.copy()
    chosen.insert(0, "rank", np.arange(1, len(chosen) + 1))
    is_control = (
        control_draw(policy.campaign_id, chosen[CUSTOMER_KEY], policy.salt) < policy.control_share
    )
    chosen["group"] = np.where(is_control, CONTROL, TARGET)
    return chosen
