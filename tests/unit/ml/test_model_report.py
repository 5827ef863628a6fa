"""The model report: written from the version folder, with every section, and leakage flags."""

import html

import numpy as np
import pandas as pd

from bullseye.reports import write_version_report
from ml.modelling.evaluate import leakage_warnings
from ml.modelling.train import TrainingConfig, train_response_model
from ml.registry import store as registry


def test_report_has_every_section(tmp_path, training_frame):
    model = train_response_model(training_frame, TrainingConfig(n_trials=3, seed=1))
    version = registry.register(model, tmp_path, None, "run1", {"oracle_roc_auc": 0.7123})
    path = write_version_report(version, "champion: no champion yet")
    page = path.read_text()
    for section in (
        "Test metrics",
        "logistic baseline",
        "0.7123",  # oracle beside model and baseline
        "Cumulative gains",
        "Lift by decile",
        "Deciles (test)",
        "Calibration",
        "mean |SHAP|",
        "Training data",
        "Optuna trials",
        "champion: no champion yet",
    ):
        assert section in page, section
    # Three features, one dominant: the toy model is itself flagged, and the page says so.
    assert model.warnings
    assert all(html.escape(w) in page for w in model.warnings)
    assert "<script src=" not in page  # self-contained: plotly.js is inlined
    assert f"{model.metrics.roc_auc:.4f}" in page
    assert next(iter(version.meta.importance)) == model.importance.index[0]
    assert version.meta.data_summary["splits"]["test"]["rows"] == model.rows["test"]


def test_leaked_feature_is_flagged(tmp_path, training_frame):
    leaky = training_frame.assign(refund_flag=training_frame["label"] * 1.0)
    model = train_response_model(leaky, TrainingConfig(n_trials=2, seed=1))
    assert model.metrics.roc_auc > 0.99
    assert any("refund_flag" in w for w in model.warnings)
    assert any("ROC AUC" in w for w in model.warnings)
    version = registry.register(model, tmp_path, None, "run1")
    page = write_version_report(version).read_text()
    assert "<h2>Warnings</h2>" in page
    assert "refund_flag" in page


def test_no_warning_for_spread_importance():
    importance = pd.Series([0.3, 0.3, 0.2], index=["a", "b", "c"])
    assert leakage_warnings(importance, 0.8) == []
    assert len(leakage_warnings(pd.Series([0.9, 0.1], index=["a", "b"]), np.float64(0.995))) == 2
