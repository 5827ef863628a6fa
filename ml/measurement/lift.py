"""What a campaign really did: target against control once its response window has closed.

Response rate in each group; absolute lift with a Newcombe 95% interval and relative lift with a
log-ratio interval (statsmodels); incremental responses and revenue (Welch interval on revenue
per contact); cost, ROI and the cost per incremental response; and the realised response rate
by predicted decile, target and control, to see whether the model ranked well.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.weightstats import CompareMeans

from ml.modelling.evaluate import assign_deciles

CONFIDENCE = 0.95


@dataclass(frozen=True)
class CampaignMeasurement:
    campaign_id: str
    contacts_target: int
    contacts_control: int
    responders_target: int
    responders_control: int
    response_rate_target: float
    response_rate_control: float
    absolute_lift: float  # rate target - rate control
    absolute_lift_low: float
    absolute_lift_high: float
    relative_lift: float | None  # rate target / rate control - 1
    relative_lift_low: float | None
    relative_lift_high: float | None
    incremental_responses: float
    incremental_responses_low: float
    incremental_responses_high: float
    revenue_per_contact_target: float
    revenue_per_contact_control: float
    incremental_revenue: float
    incremental_revenue_low: float
    incremental_revenue_high: float
    cost: float
    roi: float | None  # (incremental revenue - cost) / cost
    cost_per_incremental_response: float | None  # CAC; None when there is no lift
    is_significant: bool  # the lift interval excludes zero
    deciles_source: str  # where the predicted deciles come from
    # against the campaign's test plan (bullseye plan-test), when it has one
    planned_power: float = float("nan")
    power_at_sizes: float = float("nan")  # the plan's power at the groups' real sizes
    power_verdict: str = "no test plan"

    def as_dict(self) -> dict:
        return asdict(self)


class MeasurementError(ValueError):
    pass


def measure_campaign(
    contacts: pd.DataFrame, campaign_id: str, cost_per_contact: float, deciles_source: str = ""
) -> tuple[CampaignMeasurement, pd.DataFrame]:
    """``contacts``: one row per contact of the campaign with ``is_control``, ``has_responded``,
    ``response_revenue`` and, optionally, a predicted ``score``."""
    target = contacts[~contacts["is_control"]]
    control = contacts[contacts["is_control"]]
    if target.empty or control.empty:
        raise MeasurementError(
            f"Campaign {campaign_id!r} has {len(target)} sent and {len(control)} control contacts "
            "with a closed response window; measuring lift needs both."
        )
    r_t, n_t = int(target["has_responded"].sum()), len(target)
    r_c, n_c = int(control["has_responded"].sum()), len(control)
    rate_t, rate_c = r_t / n_t, r_c / n_c
    alpha = 1 - CONFIDENCE
    low, high = confint_proportions_2indep(
        r_t, n_t, r_c, n_c, method="newcomb", compare="diff", alpha=alpha
    )
    if r_c > 0 and r_t > 0:
        ratio_low, ratio_high = confint_proportions_2indep(
            r_t, n_t, r_c, n_c, method="log-adjusted", compare="ratio", alpha=alpha
        )
        relative = (rate_t / rate_c - 1, ratio_low - 1, ratio_high - 1)
    else:
        relative = (None, None, None)
    revenue_t = target["response_revenue"].fillna(0).to_numpy(float)
    revenue_c = control["response_revenue"].fillna(0).to_numpy(float)
    rev_low, rev_high = CompareMeans.from_data(revenue_t, revenue_c).tconfint_diff(
        alpha=alpha, usevar="unequal"
    )
    incremental = (rate_t - rate_c) * n_t
    incremental_revenue = (revenue_t.mean() - revenue_c.mean()) * n_t
    cost = cost_per_contact * n_t
    measurement = CampaignMeasurement(
        campaign_id=campaign_id,
        contacts_target=n_t,
        contacts_control=n_c,
        responders_target=r_t,
        responders_control=r_c,
        response_rate_target=rate_t,
        response_rate_control=rate_c,
        absolute_lift=rate_t - rate_c,
        absolute_lift_low=float(low),
        absolute_lift_high=float(high),
        relative_lift=relative[0],
        relative_lift_low=None if relative[1] is None else float(relative[1]),
        relative_lift_high=None if relative[2] is None else float(relative[2]),
        incremental_responses=incremental,
        incremental_responses_low=float(low) * n_t,
        incremental_responses_high=float(high) * n_t,
        revenue_per_contact_target=float(revenue_t.mean()),
        revenue_per_contact_control=float(revenue_c.mean()),
        incremental_revenue=float(incremental_revenue),
        incremental_revenue_low=float(rev_low) * n_t,
        incremental_revenue_high=float(rev_high) * n_t,
        cost=cost,
        roi=(incremental_revenue - cost) / cost if cost > 0 else None,
        cost_per_incremental_response=cost / incremental if incremental > 0 else None,
        is_significant=bool(low > 0 or high < 0),
        deciles_source=deciles_source,
    )
    return measurement, realised_by_decile(contacts)


def realised_by_decile(contacts: pd.DataFrame) -> pd.DataFrame:
    """Realised response rate per predicted decile (over all contacts' scores), target and
    control, and the observed uplift; empty without scores."""
    if "score" not in contacts or contacts["score"].isna().all():
        return pd.DataFrame()
    frame = contacts.assign(decile=assign_deciles(contacts["score"].to_numpy()))
    rows = []
    for decile, part in frame.groupby("decile"):
        t, c = part[~part["is_control"]], part[part["is_control"]]
        rows.append(
            {
                "decile": int(decile),
                "mean_score": float(part["score"].mean()),
                "contacts_target": len(t),
                "response_rate_target": float(t["has_responded"].mean()) if len(t) else np.nan,
                "contacts_control": len(c),
                "response_rate_control": float(c["has_responded"].mean()) if len(c) else np.nan,
            }
        )
    table = pd.DataFrame(rows)
    table["observed_uplift"] = table["response_rate_target"] - table["response_rate_control"]
    return table
