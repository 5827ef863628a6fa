"""Campaign measurement: lift, intervals, incremental figures and deciles."""

import numpy as np
import pandas as pd
import pytest

from ml.measurement.lift import MeasurementError, measure_campaign


def _contacts(n: int, p_target: float, p_control: float, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    is_control = rng.random(n) < 0.2
    responded = rng.random(n) < np.where(is_control, p_control, p_target)
    return pd.DataFrame(
        {
            "is_control": is_control,
            "has_responded": responded,
            "response_revenue": np.where(responded, 40.0, 0.0),
            "score": np.where(responded, 0.6, 0.4) + rng.normal(0, 0.2, n),
        }
    )


def test_lift_and_incremental_figures():
    contacts = _contacts(50_000, 0.06, 0.03)
    m, deciles = measure_campaign(contacts, "c", cost_per_contact=0.5, deciles_source="test")
    assert m.absolute_lift_low < 0.03 < m.absolute_lift_high
    assert m.is_significant
    assert m.relative_lift_low < 1.0 < m.relative_lift_high  # true relative lift: +100%
    assert m.incremental_responses == pytest.approx(m.absolute_lift * m.contacts_target)
    assert m.incremental_revenue == pytest.approx(m.incremental_responses * 40.0, rel=1e-9)
    assert m.cost == pytest.approx(0.5 * m.contacts_target)
    assert m.cost_per_incremental_response == pytest.approx(m.cost / m.incremental_responses)
    assert len(deciles) == 10
    assert deciles["response_rate_target"].iloc[0] > deciles["response_rate_target"].iloc[-1]


def test_no_effect_is_not_significant():
    m, _ = measure_campaign(_contacts(5_000, 0.05, 0.05, seed=3), "c", 0.1)
    assert m.absolute_lift_low < 0 < m.absolute_lift_high
    assert not m.is_significant


def test_intervals_cover_the_truth_about_95_percent_of_the_time():
    covered = [
        measure_campaign(_contacts(4_000, 0.05, 0.03, seed=s), "c", 0.1)[0] for s in range(200)
    ]
    rate = np.mean([m.absolute_lift_low <= 0.02 <= m.absolute_lift_high for m in covered])
    assert 0.9 <= rate <= 0.99


def test_a_campaign_without_controls_cannot_be_measured():
    contacts = _contacts(1_000, 0.05, 0.03)
    with pytest.raises(MeasurementError, match="needs both"):
        measure_campaign(contacts[~contacts["is_control"]], "c", 0.1)
