"""Kevin Hillstrom's MineThatData e-mail test (2008) -> a landing folder with two campaigns.

64,000 customers were randomised into a men's e-mail, a women's e-mail and no e-mail. Mapping:
one customer per row; their past year (``recency`` months since the last purchase,
``history`` dollars, ``mens``/``womens`` merchandise bought) becomes one completed order per
merchandise line at the last purchase date; the two e-mails are two campaigns on the same
date; the no-e-mail group are control contacts of both campaigns; a response is a conversion
(or a visit, with ``response="visit"``) within the two-week window, with its spend as revenue.
All customers were e-mailable, so each has an e-mail opt-in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from bullseye.adapters._write import write_landing

CAMPAIGN_AT = pd.Timestamp("2008-03-01", tz="UTC")
REQUIRED = {
    "recency",
    "history",
    "mens",
    "womens",
    "zip_code",
    "newbie",
    "channel",
    "segment",
    "visit",
    "conversion",
    "spend",
}
SEGMENT_TO_CAMPAIGN = {"Mens E-Mail": "hillstrom-mens", "Womens E-Mail": "hillstrom-womens"}
CHANNELS = {"Web": "web", "Phone": "store", "Multichannel": "web"}


def read_hillstrom(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path)
    missing = REQUIRED - set(frame.columns)
    if missing:
        raise ValueError(f"{path}: not the Hillstrom file, missing {sorted(missing)}")
    return frame


def to_landing(frame: pd.DataFrame, response: str = "conversion") -> dict[str, pd.DataFrame]:
    if response not in ("conversion", "visit"):
        raise ValueError(f"response must be 'conversion' or 'visit', not {response!r}")
    n = len(frame)
    ids = pd.Series([f"H{i:05d}" for i in range(n)])
    rng = np.random.default_rng(0)  # only spreads dates within the month the data gives
    last_purchase = CAMPAIGN_AT - pd.to_timedelta(
        frame["recency"].to_numpy() * 30 - rng.integers(0, 30, n), unit="D"
    )
    tenure_days = np.where(
        frame["newbie"] == 1, rng.integers(30, 365, n), rng.integers(400, 1500, n)
    )
    signup_at = CAMPAIGN_AT - pd.to_timedelta(tenure_days, unit="D")
    customers = pd.DataFrame(
        {
            "customer_id": ids,
            "signup_at": np.minimum(signup_at, last_purchase),
            "region": frame["zip_code"].str.lower().replace({"surburban": "suburban"}),
        }
    )
    lines = []
    for category in ("mens", "womens"):
        bought = frame[category] == 1
        share = np.where((frame["mens"] == 1) & (frame["womens"] == 1), 0.5, 1.0)
        lines.append(
            pd.DataFrame(
                {
                    "order_id": [f"{i}-{category}" for i in ids[bought]],
                    "customer_id": ids[bought].to_numpy(),
                    "ordered_at": last_purchase[bought.to_numpy()],
                    "amount": (frame["history"] * share)[bought].round(2).to_numpy(),
                    "category": category,
                    "channel": frame["channel"].map(CHANNELS)[bought].to_numpy(),
                    "status": "completed",
                }
            )
        )
    orders = pd.concat(lines, ignore_index=True)
    campaigns = pd.DataFrame(
        {
            "campaign_id": ["hillstrom-mens", "hillstrom-womens"],
            "name": ["Men's merchandise e-mail", "Women's merchandise e-mail"],
            "channel": "email",
            "category": ["mens", "womens"],
            "starts_at": CAMPAIGN_AT,
            "response_window_days": 14,
            "cost_per_contact": 0.10,
            "value_per_response": float(frame.loc[frame["conversion"] == 1, "spend"].mean()),
        }
    )
    contacts, responses = [], []
    for campaign_id in campaigns["campaign_id"]:
        sent = frame["segment"].map(SEGMENT_TO_CAMPAIGN) == campaign_id
        control = frame["segment"] == "No E-Mail"
        member = sent | control
        contacted_at = CAMPAIGN_AT + pd.to_timedelta(rng.integers(0, 6 * 3600, n), unit="s")
        contacts.append(
            pd.DataFrame(
                {
                    "campaign_id": campaign_id,
                    "customer_id": ids[member].to_numpy(),
                    "contacted_at": contacted_at[member.to_numpy()],
                    "is_control": control[member].to_numpy(),
                }
            )
        )
        responded = member & (frame[response] == 1)
        delay = pd.to_timedelta(rng.integers(3600, 13 * 86_400, n), unit="s")
        responses.append(
            pd.DataFrame(
                {
                    "campaign_id": campaign_id,
                    "customer_id": ids[responded].to_numpy(),
                    "responded_at": (contacted_at + delay)[responded.to_numpy()],
                    "revenue": frame["spend"][responded].to_numpy(),
                }
            )
        )
    consents = pd.DataFrame(
        {
            "customer_id": ids,
            "channel": "email",
            "is_opted_in": True,
            "updated_at": customers["signup_at"],
        }
    )
    return {
        "customers": customers,
        "consents": consents,
        "orders": orders,
        "campaigns": campaigns,
        "contacts": pd.concat(contacts, ignore_index=True),
        "responses": pd.concat(responses, ignore_index=True),
    }


def import_hillstrom(path: Path, out: Path, response: str = "conversion") -> dict[str, int]:
    return write_landing(out, to_landing(read_hillstrom(path), response))
