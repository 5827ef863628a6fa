"""Campaigns, who was contacted, who responded, and the true response probabilities.

The response probability of a contact depends on what the pipeline can observe as of the
contact (recency, frequency, spend, affinity to the campaign's category, recent engagement)
plus a small unobserved trait. Control contacts were not sent; they respond at the organic
rate, so the gap is the campaign's true incremental effect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bullseye.datagen.world import CATEGORIES, DAY, Customers, Events, Orders

CONSENT_INDEX = {"email": 0, "sms": 1, "push": 2}


@dataclass(frozen=True)
class Campaign:
    campaign_id: str
    name: str
    channel: str
    category: str | None
    starts_at: int
    response_window_days: int
    cost_per_contact: float
    value_per_response: float
    reach: float  # share of eligible customers contacted


def plan_campaigns(end_at: int) -> list[Campaign]:
    """Six past campaigns over the last year and one upcoming campaign with no contacts yet."""
    plan = [
        ("spring-apparel", "Spring apparel", "email", "apparel", 330),
        ("beauty-week", "Beauty week", "sms", "beauty", 275),
        ("summer-sports", "Summer sports", "email", "sports", 220),
        ("home-refresh", "Home refresh", "push", "home", 165),
        ("back-to-school", "Back to school", "email", "electronics", 110),
        ("autumn-newsletter", "Autumn newsletter", "email", None, 45),
    ]
    costs = {"email": 0.12, "sms": 0.35, "push": 0.03}
    campaigns = [
        Campaign(cid, name, channel, cat, end_at - days * DAY, 14, costs[channel], 40.0, 0.45)
        for cid, name, channel, cat, days in plan
    ]
    campaigns.append(
        Campaign(
            "winter-sale", "Winter sale", "email", "toys", end_at + 7 * DAY, 14, 0.12, 40.0, 0.0
        )
    )
    return campaigns


@dataclass
class ContactBatch:
    campaign_id: str
    customer: np.ndarray
    contacted_at: np.ndarray
    is_control: np.ndarray
    p_treated: np.ndarray
    p_control: np.ndarray
    has_responded: np.ndarray  # within the response window
    responded_at: np.ndarray  # -1 when no response at all
    revenue: np.ndarray
    expected_revenue: np.ndarray  # the mean revenue of a response by this customer


def _history_as_of(
    customers: Customers, orders: Orders, events: Events, as_of: np.ndarray, category: int
) -> dict[str, np.ndarray]:
    """Observable history per customer strictly before that customer's as-of time."""
    n = len(customers.signup_at)
    t = as_of[orders.customer]
    done = (orders.ordered_at < t) & (orders.status == 0)
    last = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last, orders.customer[done], orders.ordered_at[done])
    in_year = done & (orders.ordered_at >= t - 365 * DAY)
    frequency = np.bincount(orders.customer[in_year], minlength=n)
    spend = np.bincount(orders.customer[in_year], weights=orders.amount[in_year], minlength=n)
    in_cat = in_year & (orders.category == category) if category >= 0 else in_year
    cat_spend = np.bincount(orders.customer[in_cat], weights=orders.amount[in_cat], minlength=n)
    te = as_of[events.customer]
    recent = (events.occurred_at < te) & (events.occurred_at >= te - 30 * DAY)
    clicks = (
        (events.occurred_at < te)
        & (events.occurred_at >= te - 90 * DAY)
        & (events.event_type == "email_click")
    )
    recency_days = np.where(last >= 0, (as_of - last) / DAY, 3650.0)
    as_of_year = 1970 + np.maximum(as_of, 0).astype("datetime64[s]").astype("datetime64[Y]").astype(
        np.int64
    )
    return {
        "age": as_of_year - customers.birth_year,
        "recency_days": recency_days,
        "frequency": frequency,
        "spend": spend,
        "category_share": np.divide(cat_spend, spend, out=np.zeros(n), where=spend > 0),
        "events_30d": np.bincount(events.customer[recent], minlength=n),
        "clicks_90d": np.bincount(events.customer[clicks], minlength=n),
    }


def response_logits(
    history: dict[str, np.ndarray], customers: Customers, channel: str, has_category: bool
) -> tuple[np.ndarray, np.ndarray]:
    """True logits of responding if treated and if not (control)."""
    recency = history["recency_days"]
    freshness = np.exp(-recency / 60.0)
    # Purchase cycle: customers who bought a month or two ago are ripe; those who bought
    # last week have just bought.
    cycle = 1.3 * np.exp(-(((recency - 45.0) / 30.0) ** 2)) + 0.5 * np.exp(-recency / 200.0)
    treated = (
        -4.8
        + cycle
        + 0.45 * np.log1p(history["frequency"])
        + 0.22 * np.log1p(history["spend"] / 50.0)
        + (1.4 * history["category_share"] if has_category else 0.0)
        + 0.55 * np.tanh(history["events_30d"] / 4.0)
        + customers.responsiveness
    )
    # Non-additive effects a linear model cannot express: a mid-life bump, and loyal customers
    # who lapsed a while ago (win-back sweet spot).
    age = history["age"]
    treated = treated + np.where(np.isnan(age), 0.0, 0.6 * np.exp(-(((age - 42.0) / 9.0) ** 2)))
    lapsed_loyal = (history["frequency"] >= 3) & (history["recency_days"] > 45)
    treated = treated + 0.5 * lapsed_loyal * (history["recency_days"] < 150)
    if channel == "email":
        treated = treated + 0.7 * np.minimum(history["clicks_90d"], 3) / 3.0
    if channel == "push":
        treated = treated + 0.5 * (customers.channel_pref[:, 1] > 0.4)
    # Incremental effect (log-odds): strongest for customers who bought a while ago and like the
    # category (persuadable); about nil, even slightly negative, for those who just bought and
    # would have bought anyway ("sure things", a few "sleeping dogs"). So the customers most
    # likely to respond are not the ones a contact changes most, which is what uplift is for.
    staleness = 1.0 - freshness
    effect = 1.4 * staleness**2 + 0.8 * history["category_share"] * staleness - 0.3 * freshness
    return treated, treated - effect


def run_campaign(
    rng: np.random.Generator,
    campaign: Campaign,
    customers: Customers,
    orders: Orders,
    events: Events,
    control_share: float,
) -> ContactBatch:
    """Contact a random share of eligible customers, hold out a random control, draw responses."""
    eligible = (
        (customers.signup_at < campaign.starts_at - 30 * DAY)
        & customers.consent[:, CONSENT_INDEX[campaign.channel]]
        & (rng.random(len(customers.signup_at)) < campaign.reach)
    )
    customer = np.flatnonzero(eligible)
    contacted_at = campaign.starts_at + rng.integers(0, 2 * DAY, len(customer))
    as_of = np.full(len(customers.signup_at), np.iinfo(np.int64).min)
    as_of[customer] = contacted_at
    category = int(np.flatnonzero(campaign.category == CATEGORIES)[0]) if campaign.category else -1
    history = {
        k: v[customer]
        for k, v in _history_as_of(customers, orders, events, as_of, category).items()
    }
    sub = _subset(customers, customer)
    treated, control = response_logits(history, sub, campaign.channel, category >= 0)
    p_treated, p_control = 1 / (1 + np.exp(-treated)), 1 / (1 + np.exp(-control))
    is_control = rng.random(len(customer)) < control_share
    has_responded = rng.random(len(customer)) < np.where(is_control, p_control, p_treated)
    window = campaign.response_window_days * DAY
    delay = np.minimum(rng.exponential(0.25 * window, len(customer)), window - 60)
    # A few contacts respond only after the window closed; they must not count as responses.
    is_late = ~has_responded & (rng.random(len(customer)) < 0.004)
    late_delay = window + rng.integers(DAY, 5 * DAY, len(customer))
    responded_at = np.where(
        has_responded,
        contacted_at + delay.astype(np.int64),
        np.where(is_late, contacted_at + late_delay, -1),
    )
    revenue_sd = 0.4
    revenue = np.round(sub.order_value * np.exp(rng.normal(0, revenue_sd, len(customer))), 2)
    return ContactBatch(
        campaign.campaign_id,
        customer,
        contacted_at,
        is_control,
        p_treated,
        p_control,
        has_responded,
        responded_at,
        revenue,
        sub.order_value * np.exp(revenue_sd**2 / 2),  # mean of the lognormal draw
    )


def add_response_orders(orders: Orders, batch: ContactBatch, category: int) -> Orders:
    """A response is a purchase: append it to the order history."""
    did = batch.responded_at >= 0
    n = int(did.sum())
    cat = np.full(n, category if category >= 0 else 0)
    return Orders(
        customer=np.concatenate([orders.customer, batch.customer[did]]),
        ordered_at=np.concatenate([orders.ordered_at, batch.responded_at[did]]),
        amount=np.concatenate([orders.amount, batch.revenue[did]]),
        category=np.concatenate([orders.category, cat]),
        channel=np.concatenate([orders.channel, np.zeros(n, dtype=orders.channel.dtype)]),
        status=np.concatenate([orders.status, np.zeros(n, dtype=orders.status.dtype)]),
    )


def _subset(customers: Customers, idx: np.ndarray) -> Customers:
    return Customers(**{k: v[idx] for k, v in vars(customers).items()})
