"""Thresholds, alerts and the publication gate.

A breach of a configured threshold becomes an ``Alert``: logged at warning level, stored as a
Prefect artifact by the flow, and sent through Apprise when a URL is configured (any of its
services: e-mail, Slack, Teams, a JSON webhook...). The *gate* action stops publishing a
campaign until a person acknowledges it (``bullseye monitor ack``); the *retrain* action is
the flow's to start.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

import apprise

from monitoring.calibration import CalibrationInTheLarge
from monitoring.drift import DriftResult

log = logging.getLogger("bullseye.monitoring")


@dataclass(frozen=True)
class Thresholds:
    max_drift_share: float = 0.25
    key_features: tuple[str, ...] = ()
    auc_max_drop: float = 0.05
    calibration_max_gap: float = 0.25  # |realised / predicted response rate - 1|


@dataclass(frozen=True)
class Alert:
    kind: str  # data_drift, key_feature_drift, prediction_drift, auc_drop, calibration
    target: str
    campaign_id: str | None
    message: str
    features: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return asdict(self)


def drift_alerts(
    result: DriftResult, thresholds: Thresholds, target: str, campaign_id: str | None
) -> list[Alert]:
    alerts = []
    if result.drifted_share > thresholds.max_drift_share:
        alerts.append(
            Alert(
                "data_drift",
                target,
                campaign_id,
                f"{result.drifted_share:.0%} of the model's features drifted (threshold "
                f"{thresholds.max_drift_share:.0%}): {', '.join(result.drifted_features)}",
                result.drifted_features,
            )
        )
    key = tuple(f for f in result.drifted_features if f in thresholds.key_features)
    if key:
        alerts.append(
            Alert(
                "key_feature_drift",
                target,
                campaign_id,
                f"key feature(s) drifted: {', '.join(key)} (all drifted features: "
                f"{', '.join(result.drifted_features)})",
                result.drifted_features,
            )
        )
    if result.is_prediction_drifted:
        alerts.append(
            Alert(
                "prediction_drift",
                target,
                campaign_id,
                f"the score distribution drifted (distance {result.prediction_drift_score:.3f})",
                ("score",),
            )
        )
    return alerts


def performance_alerts(
    realised_auc: float, test_auc: float, thresholds: Thresholds, target: str, campaign_id: str
) -> list[Alert]:
    drop = test_auc - realised_auc
    if drop <= thresholds.auc_max_drop:
        return []
    return [
        Alert(
            "auc_drop",
            target,
            campaign_id,
            f"realised ROC AUC {realised_auc:.3f} on '{campaign_id}' is {drop:.3f} below the "
            f"model's test ROC AUC {test_auc:.3f} (allowed drop {thresholds.auc_max_drop:.3f})",
        )
    ]


def calibration_alerts(
    check: CalibrationInTheLarge, thresholds: Thresholds, target: str, campaign_id: str
) -> list[Alert]:
    if not check.is_breach(thresholds.calibration_max_gap):
        return []
    return [
        Alert(
            "calibration",
            target,
            campaign_id,
            f"'{campaign_id}': {check.responses:,} of {check.contacts:,} sent contacts "
            f"responded ({check.realised_rate:.1%}, 95% interval {check.realised_low:.1%} to "
            f"{check.realised_high:.1%}) where the model predicted {check.predicted_rate:.1%} "
            f"(observed/expected {check.observed_to_expected:.2f}, allowed gap "
            f"{thresholds.calibration_max_gap:.0%}): the audience or the market changed; "
            "retrain, and check what changed in the campaign",
        )
    ]


def notify(alerts: list[Alert], apprise_url: str | None) -> bool:
    """Log every alert at warning level and send them through Apprise when configured.
    Returns whether a notification was sent."""
    for alert in alerts:
        log.warning("Bullseye alert (%s, %s): %s", alert.kind, alert.target, alert.message)
    if not alerts or not apprise_url:
        return False
    sender = apprise.Apprise()
    if not sender.add(apprise_url):
        raise ValueError(f"Apprise cannot use the URL {apprise_url!r}.")
    campaigns = sorted({a.campaign_id for a in alerts if a.campaign_id})
    title = f"Bullseye: {len(alerts)} alert(s) for {alerts[0].target}" + (
        f" ({', '.join(campaigns)})" if campaigns else ""
    )
    return bool(sender.notify(title=title, body="\n".join(f"- {a.message}" for a in alerts)))
