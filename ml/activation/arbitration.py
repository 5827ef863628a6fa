"""Next-best offer across the campaigns scored for the same day."""

from __future__ import annotations

import pandas as pd

from bullseye.core.catalog import CUSTOMER_KEY


def arbitrate(candidates: dict[str, pd.DataFrame]) -> tuple[dict[str, set[str]], pd.DataFrame]:
    """Next-best offer across campaigns scored for the same day: each customer goes to at most
    one campaign, the one where contacting them has the highest expected value (ties to the
    campaign id that sorts first). ``candidates``: campaign -> frame with customer_key and
    expected_value. Returns the keys each campaign keeps and the allocation report."""
    frames = [
        frame[[CUSTOMER_KEY, "expected_value"]].assign(campaign_id=campaign)
        for campaign, frame in candidates.items()
    ]
    if not frames:
        return {}, pd.DataFrame()
    both = pd.concat(frames, ignore_index=True).sort_values(
        [CUSTOMER_KEY, "expected_value", "campaign_id"], ascending=[True, False, True]
    )
    winners = both.drop_duplicates(CUSTOMER_KEY, keep="first")
    allocated = {
        campaign: set(winners.loc[winners["campaign_id"] == campaign, CUSTOMER_KEY])
        for campaign in candidates
    }
    report = pd.DataFrame(
        [
            {
                "campaign_id": campaign,
                "candidates": len(frame),
                "allocated": len(allocated[campaign]),
                "lost_to_other_campaigns": len(frame) - len(allocated[campaign]),
                "mean_expected_value_allocated": float(
                    frame.loc[
                        frame[CUSTOMER_KEY].isin(allocated[campaign]), "expected_value"
                    ].mean()
                )
                if allocated[campaign]
                else None,
            }
            for campaign, frame in candidates.items()
        ]
    )
    return allocated, report
