"""The Evidently workspace: one project per target with its dashboard, a snapshot per run."""

import numpy as np
import pandas as pd

from monitoring.drift import drift_snapshot
from monitoring.workspace import MonitoringWorkspace


def test_snapshots_accumulate_in_one_project_with_its_dashboard(tmp_path):
    rng = np.random.default_rng(0)

    def frame():
        return pd.DataFrame(
            {"recency_days": rng.exponential(60, 2_000), "score": rng.random(2_000)}
        )

    workspace = MonitoringWorkspace(tmp_path / "workspace")
    for run in range(3):
        snapshot = drift_snapshot(frame(), frame(), ["recency_days"], [])
        workspace.add("campaign_response", snapshot, f"winter-sale run{run}")
    assert workspace.snapshot_count("campaign_response") == 3

    reopened = MonitoringWorkspace(tmp_path / "workspace")  # state lives on disk
    [project] = reopened.workspace.search_project("campaign_response")
    titles = {panel.title for panel in project.dashboard.model().panels}
    assert {"Share of drifted features", "Mean score and prediction drift", "Rows scored"} <= titles
    assert reopened.snapshot_count("campaign_response") == 3
