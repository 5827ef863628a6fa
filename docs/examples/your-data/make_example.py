"""Writes the invented exports of docs/your-data.md: Fernhill Outdoor, a small outdoor-gear
retailer with four shops and a web shop. Seeded, so the files are the same on every run:

    .venv/bin/python docs/examples/your-data/make_example.py

Each file is laid out the way its (invented) source system exports it, with that system's own
column names, date formats, codes and separators; mapping.yml maps them into the contract.
Customers who engage more buy more often and answer campaigns more often, and a campaign works
better on customers who bought in its department lately, so a model has something to find.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SEED = 7
CUSTOMERS = 600
START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2025-05-31 20:00")
DEPARTMENTS = ["Footwear", "Clothing", "Camping", "Climbing"]
SHOPS = ["KES", "AMB", "BUX", "FTW"]
REGIONS = ["North West", "Yorkshire", "Scotland", "Midlands", "London"]
ACTIONS = ["page_view", "page_view", "basket_add", "site_search", "newsletter_click"]
# code, name, department, start, (past campaigns only) sent
CAMPAIGNS = [
    ("AUT24-BOOTS", "Autumn boots", "Footwear", "2024-10-01", True),
    ("WIN25-SALE", "Winter sale", "Clothing", "2025-01-14", True),
    ("SPR25-CAMP", "Spring camping", "Camping", "2025-04-01", True),
    ("SUM25-HIKE", "Summer hiking", "Footwear", "2025-06-05", False),
]


def _customers(rng: np.random.Generator) -> pd.DataFrame:
    before = START - pd.to_timedelta(rng.integers(0, 4 * 365, CUSTOMERS), unit="D")
    during = START + (END - pd.Timedelta(days=60) - START) * rng.random(CUSTOMERS)
    joined = pd.Series(before).where(rng.random(CUSTOMERS) < 0.7, pd.Series(during)).dt.floor("D")
    number = [f"M{i:05d}" for i in range(1, CUSTOMERS + 1)]
    return pd.DataFrame(
        {
            "Member No": number,
            "Joined": joined.dt.strftime("%d.%m.%Y"),
            "Region": rng.choice(REGIONS, CUSTOMERS),
            "Born": np.where(
                rng.random(CUSTOMERS) < 0.85, rng.integers(1950, 2005, CUSTOMERS).astype(str), ""
            ),
            "Gender": rng.choice(["F", "M", ""], CUSTOMERS, p=[0.5, 0.45, 0.05]),
            "E-mail": [f"{n.lower()}@example.com" for n in number],
            "Newsletter": np.where(rng.random(CUSTOMERS) < 0.8, "Y", "N"),
            "SMS": np.where(rng.random(CUSTOMERS) < 0.3, "Y", "N"),
            "Tier": rng.choice(["Bronze", "Silver", "Gold"], CUSTOMERS, p=[0.6, 0.3, 0.1]),
            "Home store": rng.choice(SHOPS, CUSTOMERS),
            "_joined": joined,
            "_engagement": rng.normal(0, 1, CUSTOMERS),
            "_likes": rng.choice(DEPARTMENTS, CUSTOMERS),
        }
    )


def _orders(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, c in customers.iterrows():
        start = max(c["_joined"], START)
        months = (END - start).days / 30
        for _ in range(rng.poisson(max(months, 0) * 0.12 * np.exp(0.6 * c["_engagement"]))):
            online = rng.random() < 0.45
            rows.append(
                {
                    "member_no": c["Member No"],
                    "sold_at": start + (END - start) * rng.random(),
                    "total": round(float(rng.gamma(2.0, 30.0)), 2),
                    "department": c["_likes"] if rng.random() < 0.6 else rng.choice(DEPARTMENTS),
                    "store_code": "WEB" if online else rng.choice(SHOPS),
                    "sales_channel": rng.choice(["Webshop", "App"]) if online else "Store",
                    "status": rng.choice(["OK", "Returned", "Cancelled"], p=[0.92, 0.05, 0.03]),
                }
            )
    return pd.DataFrame(rows)


def _web_events(rng: np.random.Generator, customers: pd.DataFrame) -> pd.DataFrame:
    """The web-analytics export: signed-in visits, local times with their UTC offset."""
    rows = []
    last_year = END - pd.Timedelta(days=365)
    for _, c in customers.iterrows():
        start = max(c["_joined"], last_year)
        for _ in range(rng.poisson(1.1 * np.exp(0.7 * c["_engagement"]))):
            at = (start + (END - start) * rng.random()).tz_localize("UTC")
            for action in ["visit", *rng.choice(ACTIONS, int(rng.integers(1, 4)))]:
                rows.append(
                    {
                        "member_id": c["Member No"],
                        "local_time": at.tz_convert("Europe/London").isoformat(timespec="seconds"),
                        "action": action,
                        "section": c["_likes"] if rng.random() < 0.7 else rng.choice(DEPARTMENTS),
                    }
                )
                at += pd.Timedelta(seconds=int(rng.integers(5, 300)))
    events = pd.DataFrame(rows)
    events.insert(0, "hit_id", [f"h{i:07d}" for i in range(1, len(events) + 1)])
    events.loc[events["action"] == "visit", "section"] = ""
    return events


def _campaign_rows(rng, customers, orders):
    contacts, redemptions = [], []
    for code, _, department, start, sent in CAMPAIGNS:
        if not sent:
            continue
        at = pd.Timestamp(start) + pd.Timedelta(hours=7)
        recent = orders[
            (orders["sold_at"] < at)
            & (orders["sold_at"] >= at - pd.Timedelta(days=180))
            & (orders["department"] == department)
        ]["member_no"]
        for _, c in customers[
            (customers["Newsletter"] == "Y") & (customers["_joined"] < at)
        ].iterrows():
            is_holdout = rng.random() < 0.1
            sent_at = at + pd.Timedelta(seconds=int(rng.integers(0, 3 * 3600)))
            contacts.append(
                {
                    "campaign": code,
                    "member": c["Member No"],
                    "sent": sent_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "group": "holdout" if is_holdout else "mailed",
                }
            )
            logit = -3.0 + 1.4 * c["_engagement"] + 1.5 * (c["Member No"] in set(recent))
            p = 1 / (1 + np.exp(-logit)) * (0.4 if is_holdout else 1.0)
            if rng.random() < p:
                redemptions.append(
                    {
                        "campaign": code,
                        "member": c["Member No"],
                        "redeemed_at": sent_at + pd.Timedelta(hours=float(rng.uniform(2, 300))),
                        "basket_value": round(float(rng.gamma(2.5, 28.0)), 2),
                        "department": department,
                    }
                )
    return pd.DataFrame(contacts), pd.DataFrame(redemptions)


def main() -> None:
    rng = np.random.default_rng(SEED)
    customers = _customers(rng)
    orders = _orders(rng, customers)
    contacts, redemptions = _campaign_rows(rng, customers, orders)
    _web_events(rng, customers).to_csv(HERE / "web_events.csv", index=False)
    # A redemption is a purchase too (a web order with the campaign's coupon).
    bought = redemptions.rename(
        columns={"member": "member_no", "redeemed_at": "sold_at", "basket_value": "total"}
    ).assign(store_code="WEB", sales_channel="Webshop", status="OK")
    orders = pd.concat([orders, bought[orders.columns]], ignore_index=True)
    orders = orders.sort_values("sold_at", ignore_index=True)
    orders["receipt_no"] = orders.groupby("store_code").cumcount().add(1).map("{:06d}".format)
    orders["sold_at"] = orders["sold_at"].dt.strftime("%Y-%m-%d %H:%M")
    orders["total"] = orders["total"].map("{:.2f}".format)
    orders.loc[17, "total"] = "n/a"  # a till fault: staging will quarantine this order
    columns = ["store_code", "receipt_no", "member_no", "sold_at", "total", "department"]
    orders[[*columns, "sales_channel", "status"]].to_csv(HERE / "orders.csv", index=False)

    public = [c for c in customers.columns if not c.startswith("_")]
    customers[public].to_csv(HERE / "customers.csv", sep=";", index=False)
    contacts.to_csv(HERE / "contact_log.csv", index=False)
    redemptions["redeemed_at"] = redemptions["redeemed_at"].dt.strftime("%d/%m/%Y %H:%M")
    redemptions.drop(columns="department").to_csv(HERE / "redemptions.csv", index=False)
    sheet = pd.DataFrame(
        {
            "Campaign code": [c[0] for c in CAMPAIGNS],
            "Campaign": [c[1] for c in CAMPAIGNS],
            "Medium": "E-mail",
            "Focus": [c[2] for c in CAMPAIGNS],
            "Year": [c[3][:4] for c in CAMPAIGNS],
            "Month": [str(int(c[3][5:7])) for c in CAMPAIGNS],
            "Day": [str(int(c[3][8:])) for c in CAMPAIGNS],
            "Window (days)": 14,
            "Cost per send": ["0,08", "0,08", "0,10", "0,10"],
            "Expected value": ["55,00", "40,00", "60,00", "65,00"],
            "Season": ["autumn", "winter", "spring", "summer"],
            "Offer": ["15% off boots", "sale prices", "free tent footprint", "10% off"],
        }
    )
    sheet.to_csv(HERE / "campaigns.csv", sep=";", index=False)


if __name__ == "__main__":
    main()
