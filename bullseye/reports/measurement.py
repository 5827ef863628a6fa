"""The campaign measurement page: target against control, with intervals, and by decile."""

from __future__ import annotations

import pandas as pd

from bullseye.reports.pages import render, table
from ml.measurement.lift import CampaignMeasurement


def _pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.2%}"


def _num(v: float | None, digits: int = 0) -> str:
    return "n/a" if v is None else f"{v:,.{digits}f}"


def _interval(fmt, value: float | None, low: float | None, high: float | None) -> str:
    return f"{fmt(value)} ({fmt(low)} to {fmt(high)})"


def _summary_rows(m: CampaignMeasurement, truth: dict | None) -> list[tuple[str, str]]:
    def tenths(v: float | None) -> str:
        return _num(v, 1)

    rows = [
        ("contacts (target / control)", f"{m.contacts_target:,} / {m.contacts_control:,}"),
        ("responders (target / control)", f"{m.responders_target:,} / {m.responders_control:,}"),
        ("response rate target", _pct(m.response_rate_target)),
        ("response rate control", _pct(m.response_rate_control)),
        (
            "absolute lift (95% CI)",
            _interval(_pct, m.absolute_lift, m.absolute_lift_low, m.absolute_lift_high),
        ),
        (
            "relative lift (95% CI)",
            _interval(_pct, m.relative_lift, m.relative_lift_low, m.relative_lift_high),
        ),
        (
            "incremental responses (95% CI)",
            _interval(
                tenths,
                m.incremental_responses,
                m.incremental_responses_low,
                m.incremental_responses_high,
            ),
        ),
        (
            "incremental revenue (95% CI)",
            _interval(
                _num, m.incremental_revenue, m.incremental_revenue_low, m.incremental_revenue_high
            ),
        ),
        ("cost", _num(m.cost, 2)),
        ("ROI", _pct(m.roi)),
        ("cost per incremental response", _num(m.cost_per_incremental_response, 2)),
    ]
    if truth:
        rows += [(f"truth: {k}", f"{v:.4f}") for k, v in truth.items()]
    return rows


def render_measurement(m: CampaignMeasurement, deciles: pd.DataFrame, truth: dict | None) -> str:
    """The campaign page: verdict, lift and incremental figures with intervals, deciles."""
    verdict = (
        "The campaign made a difference: the 95% interval of the lift excludes zero."
        if m.is_significant
        else "No lift can be told from chance: the 95% interval of the lift includes zero."
    )
    return render(
        "measurement.html.j2",
        campaign_id=m.campaign_id,
        verdict=verdict,
        summary=_summary_rows(m, truth),
        deciles_source=m.deciles_source,
        power_verdict=m.power_verdict,
        deciles=None if deciles.empty else table(deciles, ".4f", na_rep="NaN"),
    )
