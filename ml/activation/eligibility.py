"""Who may be contacted beyond what the eligibility mart decides (consent, frequency cap): a
suppression list and a stable global holdout, both on pseudonymous keys; and audience filters
on profile fields."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bullseye.core.catalog import CUSTOMER_KEY
from ml.activation.policy import GLOBAL_HOLDOUT, control_draw


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


@dataclass(frozen=True)
class Eligibility:
    """Who may be contacted beyond consent and the frequency cap (applied in the mart)."""

    suppressed_keys: frozenset[str] = frozenset()  # customer_keys never to contact
    global_holdout_share: float = 0.0  # stable share of all customers never contacted
    salt: str = "bullseye"


@dataclass(frozen=True)
class EligibilityOutcome:
    eligible: pd.DataFrame
    excluded: dict[str, int] = field(default_factory=dict)  # reason -> customers


def apply_eligibility(scores: pd.DataFrame, rules: Eligibility) -> EligibilityOutcome:
    """Drop suppressed and globally held-out customers, counting each reason (a customer who is
    both counts as suppressed)."""
    keys = scores[CUSTOMER_KEY]
    suppressed = keys.isin(rules.suppressed_keys).to_numpy()
    holdout = control_draw(GLOBAL_HOLDOUT, keys, rules.salt) < rules.global_holdout_share
    holdout &= ~suppressed
    return EligibilityOutcome(
        scores[~(suppressed | holdout)],
        {"suppressed": int(suppressed.sum()), "global_holdout": int(holdout.sum())},
    )
