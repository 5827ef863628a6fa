"""What every flow starts from: settings with the run's overrides and the as-of moment."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from flows.context import start_run


def test_given_overrides_replace_settings_and_missing_ones_keep_them(tmp_path):
    run = start_run(tmp_path, None, n_trials=3, tuning_timeout_s=7.5, promotion_margin=None)
    assert run.settings.home == tmp_path
    assert (run.settings.n_trials, run.settings.tuning_timeout_s) == (3, 7.5)
    assert run.settings.promotion_margin == 0.005  # None: the setting's own value
    assert abs(run.as_of - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


def test_as_of_is_naive_utc():
    paris = datetime(2026, 3, 1, 9, 30, 15, 999, tzinfo=timezone(timedelta(hours=1)))
    assert start_run(None, paris).as_of == datetime(2026, 3, 1, 8, 30, 15)


def test_an_out_of_bounds_budget_is_refused_by_name():
    with pytest.raises(ValidationError, match="tuning_timeout_s"):
        start_run(None, None, tuning_timeout_s=0)
