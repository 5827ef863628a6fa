"""Monitoring stage: drift of a scoring run (report, workspace snapshot, alerts, gate) and the
realised performance of a measured campaign's scores against the model's test figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from bullseye.core.catalog import LABEL, is_drift_checked
from bullseye.core.settings import Settings
from bullseye.core.targets import Target
from bullseye.services.training import load_training_frame
from ml.modelling.evaluate import evaluate
from ml.registry.store import TEST_SCORES_FILE, ModelVersion
from monitoring.alerts import (
    Alert,
    Thresholds,
    calibration_alerts,
    drift_alerts,
    notify,
    performance_alerts,
)
from monitoring.calibration import CalibrationInTheLarge, calibration_in_the_large
from monitoring.drift import PREDICTION_COLUMN, DriftResult, drift_report, sample_rows
from monitoring.gates import GateStore
from monitoring.performance import performance_snapshot
from monitoring.workspace import MonitoringWorkspace


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        settings.drift_max_share,
        tuple(settings.drift_key_features),
        settings.auc_max_drop,
        settings.calibration_max_gap,
    )


def gates(settings: Settings) -> GateStore:
    return GateStore(settings.monitoring_dir / "gates")


def workspace(settings: Settings) -> MonitoringWorkspace:
    return MonitoringWorkspace(settings.monitoring_dir / "workspace")


@dataclass(frozen=True)
class MonitoringOutcome:
    drift: DriftResult
    alerts: tuple[Alert, ...]
    snapshot_id: str
    is_gated: bool  # publication of the campaign now waits for an acknowledgement
    is_notified: bool


def check_drift(
    settings: Settings,
    target: Target,
    model: ModelVersion,
    scoring_frame: pd.DataFrame,
    out_dir: Path,
    timestamp: datetime | None = None,
) -> DriftResult:
    """Reference = the model's test period(s): the newest training rows, so that features
    which grow with time (tenure) do not look drifted merely because older periods are in.
    Campaign-context and campaign-calendar features are left out (bullseye/core/catalog.py)."""
    reference = load_training_frame(settings, target, model.test_periods)
    # the sampling rule first: score only the rows the report compares
    reference = sample_rows(reference, settings.drift_sample_rows, settings.seed).copy()
    reference[PREDICTION_COLUMN] = model.probability(reference)  # as the scoring set's
    spec = model.spec
    return drift_report(
        reference,
        scoring_frame,
        [c for c in spec.numeric if is_drift_checked(c)],
        [c for c in spec.categorical if is_drift_checked(c)],
        out_dir,
        settings.seed,
        settings.drift_sample_rows,
        settings.prediction_drift_threshold,
        summary_columns=list(settings.drift_key_features),
        timestamp=timestamp,
    )


def monitor_scoring(
    settings: Settings,
    target: Target,
    model: ModelVersion,
    campaign_id: str,
    scoring_frame: pd.DataFrame,
    out_dir: Path,
    run_id: str,
    as_of: datetime,
) -> MonitoringOutcome:
    """Drift of a scoring run: report beside the run, snapshot in the target's workspace
    project, alerts on breached thresholds (logged, sent through Apprise), and a publication
    gate for the campaign when the gate action is on."""
    drift = check_drift(settings, target, model, scoring_frame, out_dir, timestamp=as_of)
    snapshot_id = workspace(settings).add(target.name, drift.snapshot, f"{campaign_id} {run_id}")
    alerts = drift_alerts(drift, thresholds(settings), target.name, campaign_id)
    is_notified = notify(alerts, settings.apprise_url)
    is_gated = (
        bool(alerts) and settings.drift_gate and gates(settings).open(campaign_id, alerts, run_id)
    )
    return MonitoringOutcome(drift, tuple(alerts), snapshot_id, is_gated, is_notified)


@dataclass(frozen=True)
class PerformanceOutcome:
    model_version: str
    # roc_auc (Evidently), top_decile_lift, brier on sent contacts; None with one class only
    realised: dict[str, float] | None
    expected: dict[str, float]  # the model's own test figures
    calibration: CalibrationInTheLarge  # realised response rate against the mean prediction
    alerts: tuple[Alert, ...]
    snapshot_id: str | None
    is_notified: bool


def monitor_performance(
    settings: Settings,
    model: ModelVersion | None,
    campaign_id: str,
    contacts: pd.DataFrame,
    as_of: datetime | None = None,
) -> PerformanceOutcome | None:
    """How the response champion's scores did on the campaign's sent contacts: realised
    response rate against the mean predicted probability (calibration-in-the-large, with or
    without a control group), and once both outcomes occur, realised ROC AUC (Evidently), top-
    decile lift and Brier score against the model's test figures; a workspace snapshot, and
    alerts on a breached calibration gap or AUC drop. None when no sent contact has a score."""
    sent = (
        contacts[~contacts["is_control"] & contacts["score"].notna()]
        if "score" in contacts
        else None
    )
    if model is None or sent is None or sent.empty:
        return None
    y, scores = sent["has_responded"].astype(int).to_numpy(), sent["score"].to_numpy()
    calibration = calibration_in_the_large(y, scores)
    alerts = calibration_alerts(calibration, thresholds(settings), model.target, campaign_id)
    expected = {
        "roc_auc": model.meta.metrics["roc_auc"],
        "top_decile_lift": model.meta.metrics["top_decile_lift"],
        "brier": model.meta.calibration["test_brier_after"],
    }
    realised, snapshot_id = None, None
    if len(set(y)) == 2:
        reference = pd.read_parquet(model.path / TEST_SCORES_FILE)
        reference["score"] = model.calibrate(reference["score"])
        current = pd.DataFrame({LABEL: y, "score": scores})
        snapshot, values = performance_snapshot(reference[[LABEL, "score"]], current, as_of)
        realised_metrics = evaluate(y, scores)
        realised = {
            "roc_auc": values["RocAuc"],
            "top_decile_lift": realised_metrics.top_decile_lift,
            "brier": realised_metrics.brier,
        }
        snapshot_id = workspace(settings).add(model.target, snapshot, f"performance {campaign_id}")
        alerts += performance_alerts(
            realised["roc_auc"],
            expected["roc_auc"],
            thresholds(settings),
            model.target,
            campaign_id,
        )
    is_notified = notify(alerts, settings.apprise_url)
    return PerformanceOutcome(
        model.version, realised, expected, calibration, tuple(alerts), snapshot_id, is_notified
    )
