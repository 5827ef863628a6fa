"""The local Evidently workspace: one project per target, a snapshot per scoring run and per
measured campaign, and a dashboard configured in code.

``evidently ui --workspace <home>/monitoring/workspace`` (or ``bullseye monitor ui``) shows the
projects, their snapshots and the dashboard panels.
"""

from __future__ import annotations

from pathlib import Path

from evidently.core.report import Snapshot
from evidently.sdk.models import PanelMetric
from evidently.sdk.panels import counter_panel, line_plot_panel, text_panel
from evidently.ui.workspace import Project, Workspace

DRIFT_TAB, PERFORMANCE_TAB = "Drift and data", "Performance"


def _metric(name: str, legend: str, **labels: str) -> PanelMetric:
    return PanelMetric(legend=legend, metric=f"evidently:metric_v2:{name}", metric_labels=labels)


def _configure_dashboard(project: Project, target: str) -> None:
    """Panels over time: drifted-feature share, prediction drift and mean score, rows scored;
    realised ROC AUC and log loss once campaigns are measured."""
    dashboard = project.dashboard
    dashboard.add_panel(text_panel(title=f"Bullseye monitoring: {target}"), tab=DRIFT_TAB)
    dashboard.add_panel(
        counter_panel(
            title="Rows scored (latest run)",
            values=[_metric("RowCount", "rows")],
            aggregation="last",
            size="half",
        ),
        tab=DRIFT_TAB,
    )
    dashboard.add_panel(
        counter_panel(
            title="Drifted features (latest run)",
            values=[_metric("DriftedColumnsCount", "share", value_type="share")],
            aggregation="last",
            size="half",
        ),
        tab=DRIFT_TAB,
    )
    dashboard.add_panel(
        line_plot_panel(
            title="Share of drifted features",
            values=[_metric("DriftedColumnsCount", "share drifted", value_type="share")],
            size="half",
        ),
        tab=DRIFT_TAB,
    )
    dashboard.add_panel(
        line_plot_panel(
            title="Mean score and prediction drift",
            values=[
                _metric("MeanValue", "mean score", column="score"),
                _metric("ValueDrift", "score drift (Wasserstein, normed)", column="score"),
            ],
            size="half",
        ),
        tab=DRIFT_TAB,
    )
    dashboard.add_panel(
        line_plot_panel(
            title="Rows scored",
            values=[_metric("RowCount", "rows")],
            size="full",
        ),
        tab=DRIFT_TAB,
    )
    dashboard.add_panel(
        line_plot_panel(
            title="Realised ROC AUC on measured campaigns",
            values=[_metric("RocAuc", "ROC AUC")],
            size="half",
        ),
        tab=PERFORMANCE_TAB,
    )
    dashboard.add_panel(
        line_plot_panel(
            title="Realised log loss on measured campaigns",
            values=[_metric("LogLoss", "log loss")],
            size="half",
        ),
        tab=PERFORMANCE_TAB,
    )


class MonitoringWorkspace:
    def __init__(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.workspace = Workspace(str(path))

    def project(self, target: str) -> Project:
        """The target's project, created with its dashboard on first use."""
        found = self.workspace.search_project(target)
        if found:
            return found[0]
        project = self.workspace.create_project(
            target, description=f"Drift, data and performance of the '{target}' models."
        )
        _configure_dashboard(project, target)
        return project

    def add(self, target: str, snapshot: Snapshot, name: str) -> str:
        project = self.project(target)
        reference = self.workspace.add_run(project.id, snapshot, name=name)
        return str(reference.id)

    def snapshot_count(self, target: str) -> int:
        project = self.project(target)
        return len(self.workspace.list_runs(project.id))
