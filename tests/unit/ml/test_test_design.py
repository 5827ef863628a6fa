"""Control groups sized for power (statsmodels), and the verdict on a measured test."""

import math

import pytest
from scipy.stats import norm

from ml.measurement.design import MAX_SHARE, MIN_SHARE, PlanError, plan_test, power_of_test


def _textbook_power(n_target, n_control, p0, lift, alpha):
    """Cohen's h and the normal approximation of the two-sided test, written out."""
    p1 = p0 * (1 + lift)
    h = abs(2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p0)))
    n = n_target * n_control / (n_target + n_control)
    z = norm.ppf(1 - alpha / 2)
    return norm.cdf(h * math.sqrt(n) - z) + norm.cdf(-h * math.sqrt(n) - z)  # both tails


@pytest.mark.parametrize("sizes", [(18_000, 2_000), (5_000, 5_000), (900, 100)])
def test_power_matches_the_textbook_formula(sizes):
    assert power_of_test(*sizes, 0.05, 0.2, 0.05) == pytest.approx(
        _textbook_power(*sizes, 0.05, 0.2, 0.05), abs=1e-9
    )


def test_the_smallest_control_share_reaching_the_power_is_chosen():
    plan = plan_test("c", baseline_rate=0.05, min_lift=0.2, audience_size=40_000)
    assert plan.is_powered
    assert plan.achieved_power >= 0.8
    assert MIN_SHARE < plan.control_share < MAX_SHARE
    control = round(40_000 * (plan.control_share - 0.001))
    assert power_of_test(40_000 - control, control, 0.05, 0.2, 0.05) < 0.8  # no smaller share
    # the classic figure: about 8,150 per group for 5% -> 6% at 80% power, two-sided 5%
    assert 16_000 < plan.required_audience_size < 16_600


def test_a_large_audience_keeps_the_minimum_share():
    assert plan_test("c", 0.05, 0.2, 2_000_000).control_share == MIN_SHARE


def test_an_underpowered_test_keeps_the_default_share_and_says_what_would_do():
    plan = plan_test("c", 0.05, 0.2, 2_000, fallback_share=0.1)
    assert not plan.is_powered
    assert plan.control_share == 0.1
    assert plan.achieved_power < 0.2
    assert "Underpowered" in plan.describe()
    assert "16," in plan.describe()


@pytest.mark.parametrize(
    "args", [(0.0, 0.2, 1000), (0.05, 0.0, 1000), (0.6, 1.0, 1000), (0.05, 0.2, 1)]
)
def test_impossible_designs_are_refused(args):
    with pytest.raises(PlanError):
        plan_test("c", *args)
