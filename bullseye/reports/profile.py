"""The customer profile report: who the segments are, what they spend, how they respond."""

from __future__ import annotations

import html
from datetime import datetime

import pandas as pd

from bullseye.core.catalog import CUSTOMER_ID


def segment_summary(frame: pd.DataFrame, by: str, categories: list[str]) -> pd.DataFrame:
    """Size, share, mean spend and orders, past response rate and top categories per group."""
    spend_columns = [f"spend_365d_{c}" for c in categories if f"spend_365d_{c}" in frame]
    grouped = frame.groupby(by, dropna=False)
    summary = grouped.agg(
        customers=(CUSTOMER_ID, "size"),
        mean_spend_365d=("spend_365d", "mean"),
        mean_orders_365d=("orders_365d", "mean"),
        past_contacts=("past_contacts", "sum"),
        past_responses=("past_responses", "sum"),
    )
    summary.insert(1, "share", summary["customers"] / summary["customers"].sum())
    summary["past_response_rate"] = summary["past_responses"] / summary["past_contacts"].where(
        summary["past_contacts"] > 0
    )
    if spend_columns:
        spend = grouped[spend_columns].sum()
        summary["top_categories"] = spend.apply(
            lambda row: ", ".join(
                c.removeprefix("spend_365d_")
                for c in row.sort_values(ascending=False).index[:3]
                if row[c] > 0
            ),
            axis=1,
        )
    return summary.sort_values("customers", ascending=False).round(4).reset_index()


def render_profile_report(
    by_rfm: pd.DataFrame, by_cluster: pd.DataFrame, silhouettes: dict[int, float], as_of: datetime
) -> str:
    def table(frame: pd.DataFrame) -> str:
        return frame.to_html(index=False, float_format=lambda v: f"{v:,.3f}", border=0)

    chosen = max(silhouettes, key=lambda k: (silhouettes[k], -k))
    scores = ", ".join(f"k={k}: {v:.3f}" for k, v in silhouettes.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bullseye customer profiles</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 2rem; }}
th, td {{ padding: .3rem .7rem; border-bottom: 1px solid #ddd; text-align: right; }}
td {{ white-space: nowrap; }}
th:first-child, td:first-child {{ text-align: left; }}
th {{ background: #f4f4f4; }}
</style></head><body>
<h1>Customer profiles</h1>
<p>As of {html.escape(as_of.isoformat(sep=" "))}. Spend and orders over the last 365 days;
past response rate = responses / contacts before the as-of moment.</p>
<h2>RFM segments</h2>
{table(by_rfm)}
<h2>Behavioural clusters (k-means, k = {chosen})</h2>
<p>k chosen by silhouette ({html.escape(scores)}).</p>
{table(by_cluster)}
</body></html>
"""
