"""Thresholds, alerts and the publication gate.

A breach of a configured threshold becomes an ``Alert``: logged at warning level, stored as a
Prefect artifact by the flow, and sent through Apprise when a URL is configured (any of its
services: e-mail, Slack, Teams, a JSON webhook...). The *gate* action stops publishing a
campaign until a person acknowledges it (``bullseye monitor ack``); the *retrain* action is
the flow's to start.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import apprise

from monitoring.drift import DriftResult

log = logging.getLogger("bullseye.monitoring")


@dataclass(frozen=True)
class Thresholds:
    max_drift_share: float = 0.25
    key_features: tuple[str, ...] = ()
    auc_max_drop: float = 0.05


@dataclass(frozen=True)
class Alert:
    kind: str  # data_drift, key_feature_drift, prediction_drift, auc_drop
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


class PublicationGatedError(RuntimeError):
    """A campaign's publication waits for a person to acknowledge its alerts."""


class GateStore:
    """One JSON file per gated campaign under ``<monitoring>/gates``; acknowledged gates keep
    who acknowledged, when and why."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, campaign_id: str) -> Path:
        return self.folder / f"{campaign_id}.json"

    def get(self, campaign_id: str) -> dict | None:
        path = self._path(campaign_id)
        return json.loads(path.read_text()) if path.is_file() else None

    def _write(self, campaign_id: str, gate: dict) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".gate.")
        with os.fdopen(fd, "w") as handle:
            json.dump(gate, handle, indent=2)
        os.replace(tmp, self._path(campaign_id))

    def open(self, campaign_id: str, alerts: list[Alert], run_id: str) -> bool:
        """Gate the campaign on these alerts; returns False when the same alerts (kinds and
        features) were already acknowledged, so an accepted drift does not gate again."""
        current = self.get(campaign_id)
        signature = sorted([a.kind, *a.features] for a in alerts)
        if current and current.get("acknowledged") and current["signature"] == signature:
            return False
        self._write(
            campaign_id,
            {
                "campaign_id": campaign_id,
                "opened_at": datetime.now(UTC).isoformat(),
                "run_id": run_id,
                "alerts": [a.as_dict() for a in alerts],
                "signature": signature,
                "acknowledged": None,
            },
        )
        return True

    def is_blocked(self, campaign_id: str) -> bool:
        gate = self.get(campaign_id)
        return gate is not None and not gate["acknowledged"]

    def check(self, campaign_id: str) -> None:
        """Raise ``PublicationGatedError`` while the campaign's gate waits for acknowledgement."""
        gate = self.get(campaign_id)
        if gate is not None and not gate["acknowledged"]:
            reasons = "; ".join(a["message"] for a in gate["alerts"])
            raise PublicationGatedError(
                f"Publication of '{campaign_id}' is stopped by monitoring alerts ({reasons}). "
                f"Review the drift report of run {gate['run_id']}, then run "
                f"`bullseye monitor ack {campaign_id} --by <name>` to publish."
            )

    def acknowledge(self, campaign_id: str, by: str, note: str = "") -> dict:
        gate = self.get(campaign_id)
        if gate is None:
            raise KeyError(f"No gate for campaign {campaign_id!r}.")
        gate["acknowledged"] = {"by": by, "at": datetime.now(UTC).isoformat(), "note": note}
        self._write(campaign_id, gate)
        return gate

    def list(self) -> list[dict]:
        if not self.folder.is_dir():
            return []
        return [json.loads(p.read_text()) for p in sorted(self.folder.glob("*.json"))]
