"""Calibration-in-the-large: a jump in the response rate is flagged, with or without a control
group (issue 13: a 6% -> 31% jump was flagged nowhere)."""

import numpy as np
import pytest

from bullseye.core.settings import Settings
from bullseye.services.monitoring import monitor_performance
from ml.modelling.train import TrainingConfig, train_response_model
from ml.registry import store
from monitoring.alerts import Thresholds, calibration_alerts
from monitoring.calibration import calibration_in_the_large
from tests.unit.ml.conftest import synthetic_training_frame


def test_a_jump_from_6_to_31_percent_breaches_and_noise_does_not():
    rng = np.random.default_rng(0)
    predicted = np.full(2_000, 0.06)
    as_predicted = calibration_in_the_large(rng.random(2_000) < 0.06, predicted)
    assert not calibration_alerts(as_predicted, Thresholds(), "t", "c")
    jump = calibration_in_the_large(rng.random(2_000) < 0.31, predicted)
    assert jump.observed_to_expected == pytest.approx(5.2, abs=0.4)
    (alert,) = calibration_alerts(jump, Thresholds(), "t", "c")
    assert alert.kind == "calibration"
    assert "predicted 6.0%" in alert.message
    # a large relative gap on a tiny campaign is noise: inside the realised rate's interval
    tiny = calibration_in_the_large([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], np.full(10, 0.06))
    assert not tiny.is_breach(0.25)


@pytest.fixture(scope="module")
def champion(tmp_path_factory):
    frame = synthetic_training_frame()
    model = train_response_model(frame, TrainingConfig(n_trials=2, seed=1))
    version = store.register(model, tmp_path_factory.mktemp("models"), None, "run")
    rows = frame[frame["period_id"] == "c3"].reset_index(drop=True)
    return version, rows.assign(score=version.probability(rows), is_control=False)


@pytest.mark.parametrize(("rate_factor", "alerts"), [(1.0, 0), (3.0, 1)])
def test_a_campaign_without_controls_is_checked_against_its_predictions(
    tmp_path, champion, rate_factor, alerts
):
    version, contacts = champion
    rng = np.random.default_rng(1)
    p = np.clip(contacts["score"] * rate_factor, 0, 1)
    contacts = contacts.assign(has_responded=rng.random(len(contacts)) < p)
    outcome = monitor_performance(Settings(home=tmp_path), version, "c3", contacts)
    assert outcome.realised is not None  # both outcomes occurred: AUC checked too
    kinds = [a.kind for a in outcome.alerts]
    assert kinds.count("calibration") == alerts
    assert outcome.calibration.contacts == len(contacts)


def test_nobody_responding_is_still_checked(tmp_path, champion):
    version, contacts = champion
    outcome = monitor_performance(
        Settings(home=tmp_path), version, "c3", contacts.assign(has_responded=False)
    )
    assert outcome.realised is None
    assert outcome.snapshot_id is None
    assert [a.kind for a in outcome.alerts] == ["calibration"]
