"""Campaign test plans: the control group a campaign needs for the power wanted (planned with
``bullseye plan-test``), kept in ``publish.campaign_test_plans`` (one row per campaign,
replaced when re-planned). The audience step uses the plan's control share; the measurement
says whether the test had the power planned."""

from __future__ import annotations

import pandas as pd

from bullseye.core.catalog import CAMPAIGN_ID, CAMPAIGNS_RELATION, TEST_PLANS_RELATION
from bullseye.core.params import CampaignSelectionError
from bullseye.core.settings import Settings
from bullseye.core.warehouse import has_relation, read_query, replace_rows
from ml.measurement.design import CampaignTestPlan, plan_test, power_of_test

PLAN_FIELDS = tuple(CampaignTestPlan.__dataclass_fields__)


def plan_campaign_test(
    settings: Settings,
    campaign_id: str,
    baseline_rate: float,
    min_lift: float,
    audience_size: int,
    alpha: float = 0.05,
    power: float = 0.8,
) -> CampaignTestPlan:
    """Plan the campaign's test and store the plan (the campaign must be staged)."""
    known = read_query(
        settings,
        f"select campaign_id from {CAMPAIGNS_RELATION} where campaign_id = ?",
        [campaign_id],
    )
    if known.empty:
        raise CampaignSelectionError(
            f"Campaign {campaign_id!r} is not in the staged campaigns table: add it to the "
            "campaigns landing table and refresh the warehouse before planning its test."
        )
    plan = plan_test(
        campaign_id, baseline_rate, min_lift, audience_size, alpha, power, settings.control_share
    )
    row = pd.DataFrame([plan.as_dict() | {"planned_at": pd.Timestamp.now(tz="UTC")}])
    replace_rows(settings, TEST_PLANS_RELATION, row, {CAMPAIGN_ID: campaign_id})
    return plan


def campaign_plan(settings: Settings, campaign_id: str) -> CampaignTestPlan | None:
    """The campaign's stored test plan, if it has one."""
    if not has_relation(settings, TEST_PLANS_RELATION):
        return None
    rows = read_query(
        settings, f"select * from {TEST_PLANS_RELATION} where campaign_id = ?", [campaign_id]
    )
    if rows.empty:
        return None
    return CampaignTestPlan(**rows[list(PLAN_FIELDS)].to_dict("records")[0])


def power_verdict(plan: CampaignTestPlan | None, n_target: int, n_control: int) -> dict:
    """Whether a measured campaign's groups had the power its plan asked for."""
    if plan is None:
        return {
            "planned_power": float("nan"),
            "power_at_sizes": float("nan"),
            "power_verdict": "no test plan (bullseye plan-test)",
        }
    power = power_of_test(n_target, n_control, plan.baseline_rate, plan.min_lift, plan.alpha)
    enough = power >= plan.power - 1e-9
    verdict = (
        f"{'powered as planned' if enough else 'UNDERPOWERED'}: {n_control:,} control and "
        f"{n_target:,} target contacts give power {power:.0%} (planned {plan.power:.0%}) to "
        f"detect a {plan.min_lift:+.0%} lift on a {plan.baseline_rate:.2%} response rate"
        + ("" if enough else "; a lift this small may be real and still not significant")
    )
    return {"planned_power": plan.power, "power_at_sizes": power, "power_verdict": verdict}
