"""Choose who gets contacted, and say what it should cost and bring.

Policies: ``top_k`` (the k best scores), ``threshold`` (every score at or above a cut-off),
``budget`` (k = budget / cost per contact), ``expected_profit`` (everyone whose expected value
``p x value per response - cost per contact`` is positive, optionally capped by a budget) and
``uplift`` (the customers a contact changes most, by the uplift model; positive uplift only,
sized by top_k or budget). Eligibility beyond what the scoring mart already applies (consent,
frequency cap): a suppression list and a global holdout. A deterministic hash-based control
group is drawn from every selected audience.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from bullseye.core.catalog import CUSTOMER_KEY
from bullseye.core.params import PolicyKind, incomplete_policy

TARGET, CONTROL = "target", "control"
GLOBAL_HOLDOUT = "global-holdout"  # the draw's "campaign": one stable draw per customer
VALUE_COLUMN = "value_per_response"  # per-customer expected revenue of a response


class PolicyError(ValueError):
    """A selection policy that cannot be applied as given; the message says what is missing."""


@dataclass(frozen=True)
class AudiencePolicy:
    campaign_id: str
    top_k: int | None = None  # audience size, controls included (None = no size limit)
    control_share: float = 0.10
    salt: str = "bullseye"
    # Keep only customers whose profile values are among the allowed ones, for example
    # (("rfm_segment", ("champions", "loyal")), ("segment_label", ("lapsed low-spend",))).
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()
    kind: str = "top_k"
    threshold: float | None = None  # threshold: minimum (calibrated) score
    budget: float | None = None  # budget: required; expected_profit and uplift: optional cap
    cost_per_contact: float = 0.0
    value_per_response: float = 0.0  # fallback when a customer has no value of their own

    def __post_init__(self) -> None:
        if self.kind not in PolicyKind.__members__:
            raise PolicyError(f"Unknown policy {self.kind!r}; choose one of {list(PolicyKind)}.")
        problem = incomplete_policy(self.kind, self.threshold, self.budget)
        if problem:
            raise PolicyError(problem)
        if self.kind == "budget" and self.cost_per_contact <= 0:
            raise PolicyError("The budget policy needs a positive cost per contact.")
        if self.kind == "expected_profit" and self.value_per_response <= 0:
            raise PolicyError("The expected_profit policy needs a positive value per response.")
        if self.budget is not None and self.budget < 0:
            raise PolicyError("A budget cannot be negative.")

    @property
    def max_contacts(self) -> int | None:
        """How many *contacted* customers the budget pays for (controls cost nothing)."""
        if self.budget is None or self.cost_per_contact <= 0:
            return None
        # 10.0 // 0.1 is 99.0 in binary floating point: allow for the representation error
        return int(self.budget / self.cost_per_contact + 1e-9)

    def describe(self) -> dict:
        return asdict(self) | {"filters": {k: list(v) for k, v in self.filters}}


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


def expected_value(scores: pd.DataFrame, policy: AudiencePolicy) -> pd.DataFrame:
    """Per customer: the value of a response (their own when known, else the policy's) and the
    expected value of contacting them, ``p x value - cost`` (``uplift x value - cost`` under
    the uplift policy: only the responses the contact causes count)."""
    own = scores[VALUE_COLUMN] if VALUE_COLUMN in scores else pd.Series(np.nan, scores.index)
    value = own.where(own > 0, policy.value_per_response).astype("float64")
    lift = scores["uplift"] if policy.kind == "uplift" else scores["score"]
    return scores.assign(
        **{VALUE_COLUMN: value, "expected_value": lift * value - policy.cost_per_contact}
    )


def select_audience(scores: pd.DataFrame, policy: AudiencePolicy) -> pd.DataFrame:
    """The policy's audience, ranked (ties by key), each marked target or control. ``top_k``
    counts every row; a budget counts contacted (target) rows only, so the control group never
    spends it. Apply eligibility and filters first."""
    rank_by = {"uplift": "uplift", "expected_profit": "expected_value"}.get(policy.kind, "score")
    if policy.kind == "uplift" and "uplift" not in scores.columns:
        raise PolicyError(
            "Cannot select by uplift: no uplift model yet; it needs past campaigns with "
            "control groups (train with `bullseye run`)."
        )
    ranked = expected_value(scores, policy).sort_values(
        [rank_by, CUSTOMER_KEY], ascending=[False, True], ignore_index=True
    )
    if policy.kind == "threshold":
        ranked = ranked[ranked["score"] >= policy.threshold]
    elif policy.kind == "expected_profit":
        ranked = ranked[ranked["expected_value"] > 0]
    elif policy.kind == "uplift":
        ranked = ranked[ranked["uplift"] > 0]
    is_control = (
        control_draw(policy.campaign_id, ranked[CUSTOMER_KEY], policy.salt) < policy.control_share
    )
    keep = np.ones(len(ranked), dtype=bool)
    if policy.top_k is not None:
        keep &= np.arange(len(ranked)) < policy.top_k
    if policy.max_contacts is not None:  # controls inside the paid range stay, uncontacted
        keep &= np.cumsum(~is_control) <= policy.max_contacts
    ranked, is_control = ranked[keep], is_control[keep]
    chosen = ranked.reset_index(drop=True)
    chosen.insert(0, "rank", np.arange(1, len(chosen) + 1))
    chosen["group"] = np.where(is_control, CONTROL, TARGET)
    return chosen


def audience_economics(audience: pd.DataFrame, policy: AudiencePolicy) -> dict[str, float]:
    """Expected responses, revenue, cost, profit and ROI of contacting the target group (the
    control group is not contacted). Under the uplift policy, responses and revenue are the
    incremental ones."""
    target = audience[audience["group"] == TARGET]
    lift = target["uplift"] if policy.kind == "uplift" else target["score"]
    value = target[VALUE_COLUMN]  # select_audience always sets it
    responses = float(lift.sum())
    revenue = float((lift * value).sum())
    cost = len(target) * policy.cost_per_contact
    return {
        "contacts": len(target),
        "controls": int((audience["group"] == CONTROL).sum()),
        "expected_responses": round(responses, 2),
        "expected_revenue": round(revenue, 2),
        "cost": round(cost, 2),
        "expected_profit": round(revenue - cost, 2),
        "roi": round((revenue - cost) / cost, 4) if cost > 0 else None,
    }
