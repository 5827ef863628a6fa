"""Acceptance on generated data at the demo's size and at 50,000 customers: slow, run with
`pytest -m slow`."""

from __future__ import annotations

from pathlib import Path

import pytest

from bullseye.datagen import GeneratorConfig, generate
from flows.pipeline import pipeline

pytestmark = pytest.mark.slow


def _run(tmp_path, customers: int, **policy) -> tuple[dict, object]:
    config = GeneratorConfig(customers=customers)
    data = generate(tmp_path / "data", config)
    summary = pipeline(
        landing_dir=data.landing_dir,
        as_of=config.end_at.replace(tzinfo=None),
        policy=policy,
        truth_dir=data.truth_dir,
        home=tmp_path / "home",
    )
    return summary, data


def test_demo_size_model_is_near_the_oracle_and_beats_the_baseline(tmp_path):
    summary, data = _run(tmp_path, 20_000, kind="top_k", top_k=5_000)
    assert summary["oracle_roc_auc"] - summary["test_roc_auc"] < 0.03
    assert summary["test_roc_auc"] > summary["baseline_roc_auc"]
    for table, outcome in summary["row_reconciliation"].items():
        injected = sum(data.dirty_rows.get(table, {}).values())
        assert outcome["quarantined"] + outcome["exact_duplicates"] == injected, table


def test_50k_model_within_001_of_the_oracle_and_report_shows_baseline(tmp_path):
    summary, _ = _run(tmp_path, 50_000, kind="uplift", top_k=5_000)
    assert summary["oracle_roc_auc"] - summary["test_roc_auc"] < 0.01
    report = Path(summary["model_report"]).read_text()
    for figure in ("test_roc_auc", "baseline_roc_auc", "oracle_roc_auc"):
        assert f"{summary[figure]:.4f}" in report, figure
    uplift = summary["uplift"]
    assert uplift["qini_coefficient"] > 0  # ranks better than random targeting
    assert Path(uplift["report"]).is_file()


def test_measurement_recovers_the_true_lift_of_past_campaigns(tmp_path):
    from bullseye.core.settings import Settings
    from bullseye.services.measurement import evaluate_campaign
    from ml.registry import store

    summary, data = _run(tmp_path, 20_000, kind="expected_profit")
    assert summary["audience_economics"]["expected_profit"] > 0
    settings = Settings(home=tmp_path / "home")
    for campaign in ("spring-apparel", "summer-sports", "back-to-school"):
        model = store.champion(settings.models_dir, "campaign_response")
        outcome = evaluate_campaign(settings, campaign, model, tmp_path / "eval", data.truth_dir)
        m, truth = outcome.measurement, outcome.truth["true_absolute_lift"]
        assert m.absolute_lift_low <= truth <= m.absolute_lift_high, campaign
