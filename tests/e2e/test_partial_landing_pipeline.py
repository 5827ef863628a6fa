"""The whole pipeline flow, under a real Prefect server, on a landing with campaigns, contacts
and responses but no orders and no events (common in banking, insurance, telecoms): it
publishes an audience, and its summary says what the profiles and segments could not compute.
Slow (a whole pipeline run); the default suite builds the same landing with dbt and profiles it
(tests/integration/test_partial_landing.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_relation
from bullseye.services.results import PipelineSummary
from bullseye.services.summary import render_summary
from flows.pipeline import pipeline
from tests.conftest import AS_OF
from tests.integration.test_partial_landing import FEATURE_MARTS, _order_or_event

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def partial_run(small_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("no-orders-pipeline")
    landing = root / "landing"
    shutil.copytree(small_data.landing_dir, landing)
    shutil.rmtree(landing / "orders")
    shutil.rmtree(landing / "events")
    home = root / "home"
    summary = pipeline(
        landing_dir=landing,
        as_of=AS_OF,
        policy={"kind": "top_k", "top_k": 300},
        truth_dir=small_data.truth_dir,
        home=home,
        n_trials=2,
    )
    return home, summary


def test_the_run_publishes_an_audience(partial_run):
    _, summary = partial_run
    assert summary["campaign_id"] == "winter-sale"
    assert summary["audience_size"] == 300
    audience = pd.read_csv(summary["audience_files"]["csv"])
    assert len(audience) == 300
    assert audience["score"].nunique() > 10  # ranked by something


def test_the_summary_says_what_profiles_and_segments_lack(partial_run):
    _, summary = partial_run
    on_disk = json.loads(Path(summary["summary_path"]).read_text())
    gaps = on_disk["profiles_not_computed"]
    assert gaps["behavioural segments"].startswith("no orders and no events in the landing")
    assert "no orders in the landing" in gaps.values()
    assert on_disk["segments"] == []
    text = render_summary(PipelineSummary.model_validate(on_disk))  # what the terminal shows
    assert "  not computed: behavioural segments (no orders and no events in the landing" in text


def test_the_marts_have_no_order_or_event_features(partial_run):
    home, _ = partial_run
    settings = Settings(home=home)
    for mart in FEATURE_MARTS:
        assert _order_or_event(read_relation(settings, f"marts.{mart}").columns) == set(), mart


def test_the_model_uses_what_the_landing_has(partial_run):
    _, summary = partial_run
    meta = json.loads((Path(summary["model_path"]) / "model.json").read_text())
    features = [*meta["features"]["numeric"], *meta["features"]["categorical"]]
    assert "tenure_days" in features
    assert _order_or_event(features) == set()
