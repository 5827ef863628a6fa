"""Test design before a campaign goes out: how large the control group must be for the lift
the team hopes to detect, and, once the campaign is measured, whether the test had that power.

The test is the one ``lift.measure_campaign`` reads: two independent proportions (target
against control response rate), two-sided at ``alpha``. Power comes from statsmodels
(Cohen's h for the two rates, ``NormalIndPower`` for unequal groups); the control share is the
smallest within bounds that reaches the wanted power for the planned audience size.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

MIN_SHARE, MAX_SHARE = 0.02, 0.5  # a control group of at least 2%; never more than half


class PlanError(ValueError):
    """The design's inputs cannot describe a test; the message says which."""


@dataclass(frozen=True)
class CampaignTestPlan:
    campaign_id: str
    baseline_rate: float  # the control group's expected response rate
    min_lift: float  # the smallest relative lift worth detecting (0.2: +20%)
    alpha: float
    power: float  # wanted
    audience_size: int  # planned audience, control group included
    control_share: float  # what the audience step uses for this campaign
    achieved_power: float  # at that share (below ``power`` when the audience is too small)
    required_audience_size: int  # the smallest audience reaching ``power`` at the largest share

    @property
    def is_powered(self) -> bool:
        return self.achieved_power >= self.power - 1e-9

    @property
    def control_size(self) -> int:
        return round(self.audience_size * self.control_share)

    def as_dict(self) -> dict:
        return asdict(self) | {"is_powered": self.is_powered}

    def describe(self) -> str:
        lift = f"a {self.min_lift:+.0%} relative lift on a {self.baseline_rate:.2%} response rate"
        if self.is_powered:
            return (
                f"Control group {self.control_share:.1%} ({self.control_size:,} of "
                f"{self.audience_size:,}): power {self.achieved_power:.0%} to detect {lift} "
                f"at alpha {self.alpha}."
            )
        return (
            f"Underpowered: no control group up to {MAX_SHARE:.0%} of {self.audience_size:,} "
            f"gives power {self.power:.0%} to detect {lift} (an audience of "
            f"{self.required_audience_size:,} would); the default {self.control_share:.0%} is "
            f"kept, with power {self.achieved_power:.0%}. Plan for a larger lift or audience."
        )


def power_of_test(
    n_target: int, n_control: int, baseline_rate: float, min_lift: float, alpha: float
) -> float:
    """Power of the two-sided two-proportion test to detect ``min_lift`` over
    ``baseline_rate`` with these group sizes."""
    if n_target <= 0 or n_control <= 0:
        return 0.0
    effect = _effect(baseline_rate, min_lift)
    return float(
        NormalIndPower().power(effect, nobs1=n_control, alpha=alpha, ratio=n_target / n_control)
    )


def _effect(baseline_rate: float, min_lift: float) -> float:
    treated = baseline_rate * (1 + min_lift)
    return abs(float(proportion_effectsize(treated, baseline_rate)))


def plan_test(
    campaign_id: str,
    baseline_rate: float,
    min_lift: float,
    audience_size: int,
    alpha: float = 0.05,
    power: float = 0.8,
    fallback_share: float = 0.10,
) -> CampaignTestPlan:
    """The smallest control share in [MIN_SHARE, MAX_SHARE] giving ``power`` for the audience.
    When none does, ``fallback_share`` is kept (holding back half the audience for a test that
    cannot decide anyway costs without informing), with the power it gives and the audience
    size that would reach ``power``."""
    if not 0 < baseline_rate < 1:
        raise PlanError(f"baseline rate {baseline_rate} must lie between 0 and 1")
    if min_lift == 0 or not 0 < baseline_rate * (1 + min_lift) < 1:
        raise PlanError(
            f"min lift {min_lift:+} on a {baseline_rate} rate must give a rate between 0 and 1 "
            "other than the baseline (0.2 means +20%)"
        )
    if not (0 < alpha < 1 and 0 < power < 1):
        raise PlanError("alpha and power must lie between 0 and 1")
    if audience_size < 2:
        raise PlanError(f"audience size {audience_size} leaves no room for a control group")

    def power_at(share: float) -> float:
        control = round(audience_size * share)
        return power_of_test(audience_size - control, control, baseline_rate, min_lift, alpha)

    # power grows with the share up to a balanced split (MAX_SHARE): bisect on the share
    low, high = MIN_SHARE, MAX_SHARE
    if power_at(low) < power <= power_at(high):
        for _ in range(40):
            middle = (low + high) / 2
            low, high = (low, middle) if power_at(middle) >= power else (middle, high)
    share = low if power_at(low) >= power else (high if power_at(high) >= power else None)
    # rounded up to 0.01%: never below the power
    share = fallback_share if share is None else math.ceil(share * 10_000) / 10_000
    # the smallest audience reaching the power with a balanced split (equal groups)
    per_group = NormalIndPower().solve_power(
        _effect(baseline_rate, min_lift), nobs1=None, alpha=alpha, power=power, ratio=1.0
    )
    return CampaignTestPlan(
        campaign_id,
        baseline_rate,
        min_lift,
        alpha,
        power,
        audience_size,
        share,
        power_at(share),
        int(2 * -(-per_group // 1)),
    )
