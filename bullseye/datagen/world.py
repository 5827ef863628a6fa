"""Customers and their behaviour: who they are, what they buy, how they engage.

Everything is vectorised over a chunk of customers; times are int64 seconds since the epoch.
Hidden traits (purchase rate, order value, category affinity, engagement) drive both the
observable history and, in :mod:`bullseye.datagen.campaigns`, the response to campaigns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DAY = 86_400
YEAR = 365 * DAY

CATEGORIES = np.array(["apparel", "beauty", "electronics", "home", "sports", "toys"])
ORDER_CHANNELS = np.array(["web", "app", "store"])
ORDER_STATUSES = np.array(["completed", "cancelled", "returned"])
REGIONS = np.array(["north", "south", "east", "west", "central"])
WEB_EVENTS = np.array(["session_start", "product_view", "search", "add_to_cart"])
EMAIL_EVENTS = np.array(["email_open", "email_click"])
CONSENT_CHANNELS = np.array(["email", "sms", "push"])
HISTORY_YEARS = 3
EVENT_HISTORY_DAYS = 450


@dataclass
class Customers:
    """One chunk of customers: observable attributes plus hidden traits."""

    global_index: np.ndarray  # int64, position in the whole population
    signup_at: np.ndarray
    active_until: np.ndarray  # churned customers stop buying here
    region: np.ndarray  # index into REGIONS
    birth_year: np.ndarray  # float, nan when unknown
    gender: np.ndarray  # object, None when unknown
    purchase_rate: np.ndarray  # orders per year while active
    order_value: np.ndarray  # typical order amount
    affinity: np.ndarray  # (n, categories) preference weights, rows sum to 1
    channel_pref: np.ndarray  # (n, order channels)
    engagement: np.ndarray  # web/app activity multiplier
    email_propensity: np.ndarray  # share of events that are e-mail interactions
    responsiveness: np.ndarray  # unobserved logit shift for campaign response
    consent: np.ndarray  # (n, consent channels) bool, the current state


@dataclass
class Orders:
    customer: np.ndarray  # local customer index
    ordered_at: np.ndarray
    amount: np.ndarray
    category: np.ndarray
    channel: np.ndarray
    status: np.ndarray  # index into ORDER_STATUSES


@dataclass
class Events:
    customer: np.ndarray
    occurred_at: np.ndarray
    event_type: np.ndarray  # str
    category: np.ndarray  # index into CATEGORIES, -1 for none


def _categorical(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """Draw one index per row of a (n, k) weight matrix."""
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random((weights.shape[0], 1))
    return (draws > cumulative).sum(axis=1)


def _seasonality(ts: np.ndarray) -> np.ndarray:
    """Relative demand by day of year: a November-December peak and a summer bump."""
    doy = (ts // DAY) % 365
    peak = np.exp(-(((doy - 335) / 22.0) ** 2))
    summer = 0.25 * np.exp(-(((doy - 190) / 30.0) ** 2))
    return (1.0 + 0.9 * peak + summer) / 1.9


def make_customers(rng: np.random.Generator, start: int, n: int, end_at: int) -> Customers:
    first = end_at - HISTORY_YEARS * YEAR
    # More recent sign-ups than old ones: a growing customer base.
    signup_at = first + (rng.random(n) ** 0.7 * (end_at - 30 * DAY - first)).astype(np.int64)
    is_churned = rng.random(n) < 0.35
    lifetime = rng.exponential(1.2 * YEAR, n).astype(np.int64)
    active_until = np.where(is_churned, np.minimum(signup_at + lifetime, end_at), end_at)
    birth_year = np.where(rng.random(n) < 0.1, np.nan, rng.integers(1950, 2007, n).astype(float))
    gender = np.where(rng.random(n) < 0.05, None, np.where(rng.random(n) < 0.55, "F", "M"))
    channel_pref = rng.dirichlet([2.0, 1.2, 0.8], n)
    is_app_user = channel_pref[:, 1] > 0.4
    consent = np.column_stack(
        [
            rng.random(n) < 0.88,
            rng.random(n) < 0.45,
            rng.random(n) < np.where(is_app_user, 0.7, 0.2),
        ]
    )
    return Customers(
        global_index=np.arange(start, start + n, dtype=np.int64),
        signup_at=signup_at,
        active_until=active_until,
        region=rng.choice(len(REGIONS), n, p=[0.25, 0.25, 0.2, 0.15, 0.15]),
        birth_year=birth_year,
        gender=gender,
        purchase_rate=rng.gamma(0.9, 2.8, n),
        order_value=np.exp(rng.normal(3.6, 0.55, n)),
        affinity=rng.dirichlet(np.full(len(CATEGORIES), 0.45), n),
        channel_pref=channel_pref,
        engagement=np.exp(rng.normal(0.0, 0.8, n)),
        email_propensity=rng.beta(1.5, 6.0, n) * consent[:, 0],
        responsiveness=rng.normal(0.0, 0.3, n),
        consent=consent,
    )


def make_orders(rng: np.random.Generator, customers: Customers, end_at: int) -> Orders:
    """A seasonal Poisson process per customer between sign-up and churn (thinning)."""
    years = (customers.active_until - customers.signup_at) / YEAR
    candidates = rng.poisson(customers.purchase_rate * years * 1.9)
    customer = np.repeat(np.arange(len(years)), candidates)
    span = (customers.active_until - customers.signup_at)[customer]
    ordered_at = customers.signup_at[customer] + (rng.random(len(customer)) * span).astype(np.int64)
    keep = rng.random(len(customer)) < _seasonality(ordered_at)
    customer, ordered_at = customer[keep], ordered_at[keep]
    n = len(customer)
    amount = np.round(customers.order_value[customer] * np.exp(rng.normal(0, 0.45, n)), 2)
    return Orders(
        customer=customer,
        ordered_at=ordered_at,
        amount=amount,
        category=_categorical(rng, customers.affinity[customer]),
        channel=_categorical(rng, customers.channel_pref[customer]),
        status=rng.choice(3, n, p=[0.92, 0.03, 0.05]),
    )


def make_events(rng: np.random.Generator, customers: Customers, end_at: int) -> Events:
    """Web/app and e-mail interactions over the last EVENT_HISTORY_DAYS days."""
    window_start = np.maximum(customers.signup_at, end_at - EVENT_HISTORY_DAYS * DAY)
    active_days = np.clip(customers.active_until - window_start, 0, None) / DAY
    counts = rng.poisson(0.03 * customers.engagement * active_days)
    customer = np.repeat(np.arange(len(counts)), counts)
    span = np.clip(customers.active_until - window_start, 1, None)[customer]
    occurred_at = window_start[customer] + (rng.random(len(customer)) * span).astype(np.int64)
    is_email = rng.random(len(customer)) < customers.email_propensity[customer]
    web_type = rng.choice(len(WEB_EVENTS), len(customer), p=[0.42, 0.36, 0.13, 0.09])
    email_type = (rng.random(len(customer)) < 0.3).astype(int)
    event_type = np.where(is_email, EMAIL_EVENTS[email_type], WEB_EVENTS[web_type])
    has_category = ~is_email & (web_type != 0)
    category = np.where(has_category, _categorical(rng, customers.affinity[customer]), -1)
    return Events(customer, occurred_at, event_type, category)


def apply_drift(rng: np.random.Generator, orders: Orders, events: Events, since: int) -> None:
    """Make the newest period different: bigger baskets, a channel mix moved to the app."""
    recent = orders.ordered_at >= since
    orders.amount[recent] = np.round(orders.amount[recent] * 1.7, 2)
    orders.channel[recent] = rng.choice(3, int(recent.sum()), p=[0.2, 0.7, 0.1])
    recent_events = events.occurred_at >= since
    events.event_type[recent_events & (rng.random(len(events.customer)) < 0.3)] = "add_to_cart"
