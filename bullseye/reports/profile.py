"""The customer profile report: who the segments are, what they spend, how they respond."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from bullseye.core.catalog import CUSTOMER_ID
from bullseye.reports.pages import render, table


def segment_summary(frame: pd.DataFrame, by: str, categories: list[str]) -> pd.DataFrame:
    """Size, share, mean spend and orders, past response rate and top categories per group
    (spend and orders only when the data has them: a landing may have no orders)."""
    spend_columns = [f"spend_365d_{c}" for c in categories if f"spend_365d_{c}" in frame]
    grouped = frame.groupby(by, dropna=False)
    means = {f"mean_{c}": (c, "mean") for c in ("spend_365d", "orders_365d") if c in frame.columns}
    summary = grouped.agg(
        customers=(CUSTOMER_ID, "size"),
        **means,
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
    by_rfm: pd.DataFrame,
    by_cluster: pd.DataFrame,
    silhouettes: dict[int, float],
    as_of: datetime,
    not_computed: dict[str, str] | None = None,
) -> str:
    """The page; ``not_computed`` names what the data could not give (what -> why), and the
    clusters section is left out when no clustering was possible (no ``silhouettes``)."""
    return render(
        "profile.html.j2",
        as_of=as_of.isoformat(sep=" "),
        not_computed=not_computed or {},
        by_rfm=table(by_rfm, ",.3f", na_rep="NaN"),
        by_cluster=table(by_cluster, ",.3f", na_rep="NaN") if silhouettes else None,
        chosen=max(silhouettes, key=lambda k: (silhouettes[k], -k)) if silhouettes else None,
        silhouettes=", ".join(f"k={k}: {v:.3f}" for k, v in silhouettes.items()),
    )
