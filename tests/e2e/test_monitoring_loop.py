"""The monitoring loop end to end on generated data with injected drift: the drifted scoring
run alerts, stops publication (gate) and retrains (a new challenger); after `bullseye monitor
ack` the next run publishes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.datagen import GeneratorConfig, generate
from flows.pipeline import pipeline
from ml.registry import store as registry
from monitoring.gates import PublicationGatedError
from monitoring.workspace import MonitoringWorkspace
from tests.conftest import AS_OF, SMALL_CUSTOMERS


@pytest.fixture(scope="module")
def drifted_data(tmp_path_factory):
    config = GeneratorConfig(customers=SMALL_CUSTOMERS * 2, has_drift=True)
    return generate(tmp_path_factory.mktemp("drifted"), config)


@pytest.mark.slow  # three pipelines' worth of work (about 5 minutes on 2 cores)
def test_drift_gates_retrains_and_publishes_after_ack(drifted_data, tmp_path):
    home = tmp_path / "home"
    kwargs = dict(
        landing_dir=drifted_data.landing_dir,
        as_of=AS_OF,
        policy={"kind": "top_k", "top_k": 300},
        home=home,
        n_trials=3,
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("BULLSEYE_DRIFT_GATE", "true")
        env.setenv("BULLSEYE_DRIFT_RETRAIN", "true")
        with pytest.raises(PublicationGatedError, match="monitor ack winter-sale") as gated:
            pipeline(**kwargs)
    assert "spend_90d" in str(gated.value)  # the alert names the drifted features
    assert not (home / "audiences" / "winter-sale").exists()  # nothing published

    # drift -> retrain: training ran again and its model waits as challenger
    models = home / "models"
    versions = registry.list_versions(models, "campaign_response")
    assert len(versions) == 2
    assert registry.aliases(models, "campaign_response")["challenger"] == versions[0].version

    runner = CliRunner()
    listed = runner.invoke(app, ["monitor", "gates", "--home", str(home)])
    assert "WAITING" in listed.output
    acked = runner.invoke(
        app, ["monitor", "ack", "winter-sale", "--by", "ana", "--note", "ok", "--home", str(home)]
    )
    assert acked.exit_code == 0, acked.output

    with pytest.MonkeyPatch.context() as env:
        env.setenv("BULLSEYE_DRIFT_GATE", "true")
        summary = pipeline(**kwargs)
    assert Path(summary["audience_files"]["csv"]).is_file()
    assert {a["kind"] for a in summary["alerts"]} >= {"key_feature_drift"}  # accepted, not gone
    assert summary["retraining"] is None

    workspace = MonitoringWorkspace(home / "monitoring" / "workspace")
    assert workspace.snapshot_count("campaign_response") == 2  # one per scoring run
