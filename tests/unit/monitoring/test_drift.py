import numpy as np
import pandas as pd
import pytest

from monitoring.drift import drift_report


def _frame(n: int, rng, shift: float = 0.0, app_share: float = 0.3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "spend_365d": rng.lognormal(4 + shift, 0.6, n),
            "orders_365d": rng.poisson(3, n).astype(float),
            "region": rng.choice(["north", "south"], n),
            "channel": np.where(rng.random(n) < app_share, "app", "web"),
            "score": rng.beta(2, 20, n),
        }
    )


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_no_drift_on_same_distribution(tmp_path, rng):
    result = drift_report(
        _frame(3_000, rng),
        _frame(3_000, rng),
        ["spend_365d", "orders_365d"],
        ["region", "channel"],
        tmp_path,
    )
    assert result.drifted_share == 0.0
    assert not result.is_prediction_drifted
    assert result.html_path.is_file()
    assert result.json_path.is_file()


def test_injected_drift_is_found_and_named(tmp_path, rng):
    result = drift_report(
        _frame(3_000, rng),
        _frame(3_000, rng, shift=0.5, app_share=0.7),
        ["spend_365d", "orders_365d"],
        ["region", "channel"],
        tmp_path,
    )
    assert set(result.drifted_features) == {"spend_365d", "channel"}
    assert result.drifted_share == pytest.approx(0.5)
    assert result.column_methods["spend_365d"]
