"""Calibration-in-the-large: did the scored customers respond as often as the model said?

Once a campaign's responses are in, the realised response rate of the contacts that were sent
is compared with their mean predicted (calibrated) probability. Unlike lift, this needs no
control group, so a campaign sent to everyone is still checked: a jump from 6% to 31% is caught
even where nothing can be measured against a control.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from statsmodels.stats.proportion import proportion_confint


@dataclass(frozen=True)
class CalibrationInTheLarge:
    contacts: int
    responses: int
    realised_rate: float
    realised_low: float  # Wilson 95% interval of the realised rate
    realised_high: float
    predicted_rate: float  # mean calibrated probability of the same contacts
    observed_to_expected: float  # realised / predicted

    def is_breach(self, max_relative_gap: float) -> bool:
        """The prediction lies outside the realised rate's interval and the two differ by more
        than ``max_relative_gap`` of the prediction (both: a large sample makes tiny gaps
        significant, a small one makes large gaps noise)."""
        outside = not (self.realised_low <= self.predicted_rate <= self.realised_high)
        return outside and abs(self.observed_to_expected - 1) > max_relative_gap

    def as_dict(self) -> dict:
        return asdict(self)


def calibration_in_the_large(responded, predicted) -> CalibrationInTheLarge:
    y = np.asarray(responded, dtype=int)
    p = np.asarray(predicted, dtype=float)
    responses, contacts = int(y.sum()), len(y)
    low, high = proportion_confint(responses, contacts, alpha=0.05, method="wilson")
    predicted_rate = float(p.mean())
    realised = responses / contacts
    return CalibrationInTheLarge(
        contacts=contacts,
        responses=responses,
        realised_rate=realised,
        realised_low=float(low),
        realised_high=float(high),
        predicted_rate=predicted_rate,
        observed_to_expected=realised / predicted_rate if predicted_rate > 0 else float("inf"),
    )
