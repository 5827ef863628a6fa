"""Acceptance on the demo's default size (20,000 customers): slow, run with `pytest -m slow`."""

from __future__ import annotations

import pytest

from bullseye.datagen import GeneratorConfig, generate
from flows.pipeline import pipeline

pytestmark = pytest.mark.slow


def test_demo_size_model_is_near_the_oracle_and_beats_the_baseline(tmp_path):
    config = GeneratorConfig(customers=20_000)
    data = generate(tmp_path / "data", config)
    summary = pipeline(
        landing_dir=data.landing_dir,
        as_of=config.end_at.replace(tzinfo=None),
        top_k=5_000,
        truth_dir=data.truth_dir,
        home=tmp_path / "home",
    )
    assert summary["oracle_roc_auc"] - summary["test_roc_auc"] < 0.03
    assert summary["test_roc_auc"] > summary["baseline_roc_auc"]
    for table, outcome in summary["row_reconciliation"].items():
        injected = sum(data.dirty_rows.get(table, {}).values())
        assert outcome["quarantined"] + outcome["exact_duplicates"] == injected, table
