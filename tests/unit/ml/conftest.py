import numpy as np
import pandas as pd
import pytest


def synthetic_training_frame(n_per_campaign: int = 1_500, campaigns: int = 4, seed: int = 0):
    """A small training mart with a known signal: recent, frequent buyers respond more."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(campaigns):
        n = n_per_campaign
        recency = rng.exponential(90, n)
        orders = rng.poisson(3, n)
        region = rng.choice(["north", "south", "east"], n)
        logit = (
            -2.5 + 1.5 * np.exp(-recency / 40) + 0.4 * np.log1p(orders) + 0.3 * (region == "east")
        )
        label = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        frames.append(
            pd.DataFrame(
                {
                    "campaign_id": f"c{i}",
                    "period_id": f"c{i}",
                    "period_at": pd.Timestamp("2026-01-01") + pd.Timedelta(days=30 * i),
                    "customer_id": [f"cust{i}-{j}" for j in range(n)],
                    "customer_key": [f"key{i}-{j}" for j in range(n)],
                    "as_of_at": pd.Timestamp("2026-01-01") + pd.Timedelta(days=30 * i),
                    "contacted_at": pd.Timestamp("2026-01-01") + pd.Timedelta(days=30 * i),
                    "campaign_starts_at": pd.Timestamp("2026-01-01") + pd.Timedelta(days=30 * i),
                    "region": region,
                    "recency_days": recency,
                    "orders_total": orders,
                    "source_max_ordered_at": pd.Timestamp("2025-12-01"),
                    "label": label,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


@pytest.fixture
def training_frame():
    return synthetic_training_frame()


def promote_if_better(models_dir, candidate, test_frame, margin=0.0):
    """Decide (pure) against the current champion, then write the alias, as a run without
    approval does."""
    from ml.registry import promotion, store

    champion = store.champion(models_dir, candidate.target)
    decision = promotion.decide(candidate, champion, test_frame, margin)
    promotion.apply(models_dir, candidate.target, decision, approved=True)
    return decision
