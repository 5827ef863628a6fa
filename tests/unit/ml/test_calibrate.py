import numpy as np
import pytest

from ml.modelling.calibrate import Calibrator, brier, choose_calibrator, reliability_table


@pytest.fixture
def overconfident():
    """Scores that exaggerate: the true probability is much closer to the base rate."""
    rng = np.random.default_rng(0)
    true_p = rng.beta(1, 12, 20_000)
    y = (rng.random(20_000) < true_p).astype(int)
    raw = np.clip(true_p * 3, 0, 0.99)
    return raw, y


def test_calibration_lowers_brier_and_matches_observed_rates(overconfident):
    raw, y = overconfident
    fitted = choose_calibrator(raw[:10_000], y[:10_000], seed=0)
    calibrated = fitted.calibrator.apply(raw[10_000:])
    assert brier(y[10_000:], calibrated) < brier(y[10_000:], raw[10_000:])

    def worst_gap(scores):
        table = reliability_table(y[10_000:], scores)
        return (table["mean_predicted"] - table["observed_rate"]).abs().max()

    assert worst_gap(calibrated) < 0.25 * worst_gap(raw[10_000:])
    assert set(fitted.cv_log_loss) == {"isotonic", "platt"}


def test_calibrator_round_trips_through_json(overconfident):
    raw, y = overconfident
    calibrator = choose_calibrator(raw, y, seed=1).calibrator
    again = Calibrator.from_dict(calibrator.to_dict())
    np.testing.assert_allclose(again.apply(raw[:100]), calibrator.apply(raw[:100]))


def test_calibration_keeps_the_ranking(overconfident):
    raw, y = overconfident
    calibrated = choose_calibrator(raw, y, seed=0).calibrator.apply(np.sort(raw))
    assert np.all(np.diff(calibrated) >= -1e-12)
