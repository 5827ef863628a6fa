"""Alerts from thresholds, the publication gate, and notifications through Apprise."""

import json
from pathlib import Path

import pytest

from monitoring.alerts import (
    Alert,
    Thresholds,
    drift_alerts,
    notify,
    performance_alerts,
)
from monitoring.drift import DriftResult
from monitoring.gates import GateStore, PublicationGatedError
from tests.webhook import WebhookReceiver


def _drift(features=(), share=0.0, prediction=False) -> DriftResult:
    return DriftResult(
        share,
        tuple(features),
        {},
        prediction,
        0.4 if prediction else 0.05,
        {},
        {},
        Path("r.html"),
        Path("r.json"),
        None,
    )


THRESHOLDS = Thresholds(max_drift_share=0.25, key_features=("recency_days",), auc_max_drop=0.05)


def test_no_alert_without_a_breach():
    assert drift_alerts(_drift(["tenure_days"], 0.05), THRESHOLDS, "t", "c") == []
    assert performance_alerts(0.76, 0.79, THRESHOLDS, "t", "c") == []


def test_each_breach_names_what_drifted():
    alerts = drift_alerts(
        _drift(["recency_days", "spend_90d", "region"], 0.3, prediction=True), THRESHOLDS, "t", "c"
    )
    assert [a.kind for a in alerts] == ["data_drift", "key_feature_drift", "prediction_drift"]
    assert "spend_90d" in alerts[0].message
    assert "recency_days" in alerts[1].message
    [auc] = performance_alerts(0.70, 0.79, THRESHOLDS, "t", "c")
    assert auc.kind == "auc_drop"
    assert "0.700" in auc.message


def test_gate_blocks_until_acknowledged_and_accepted_alerts_do_not_regate(tmp_path):
    gates = GateStore(tmp_path)
    alerts = [Alert("key_feature_drift", "t", "spring", "recency drifted", ("recency_days",))]
    assert gates.open("spring", alerts, "run1")
    with pytest.raises(PublicationGatedError, match="bullseye monitor ack spring"):
        gates.check("spring")
    gates.acknowledge("spring", by="ana", note="expected after the price change")
    gates.check("spring")  # no longer blocks
    assert not gates.open("spring", alerts, "run2")  # the same alerts were accepted
    assert not gates.is_blocked("spring")
    other = [Alert("prediction_drift", "t", "spring", "scores moved", ("score",))]
    assert gates.open("spring", other, "run3")  # a new kind of alert gates again
    assert gates.is_blocked("spring")
    assert gates.get("spring")["run_id"] == "run3"


def test_alerts_are_sent_through_apprise():
    alerts = [Alert("auc_drop", "campaign_response", "spring", "AUC fell")]
    with WebhookReceiver() as receiver:
        url = receiver.url.replace("http://", "json://")
        assert notify(alerts, url)
    [(_, body)] = receiver.received
    payload = json.loads(body)
    assert "spring" in payload["title"]
    assert "AUC fell" in payload["message"]
    assert not notify([], url)  # nothing to say: nothing sent
