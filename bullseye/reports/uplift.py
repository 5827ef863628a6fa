"""One self-contained HTML page per uplift model version, rendered from the version's folder.

Qini coefficient and AUUC of the T-learner beside a propensity ranking of the same customers,
the Qini curve, uplift by decile and, on generated data, the true uplift each ranking captures.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from bullseye.reports.pages import figure, plotly_js, render, table
from ml.registry.store import DECILES_FILE, REPORT_FILE, TEST_SCORES_FILE


def _qini_chart(scores: pd.DataFrame) -> Markup:
    from ml.modelling.uplift import qini_curve

    fig = go.Figure()
    for column, name in (("uplift", "Uplift model (T-learner)"), ("propensity", "Propensity")):
        curve = qini_curve(scores["label"], scores["treatment"], scores[column])
        fig.add_scatter(x=curve["targeted"], y=curve["qini"], name=name, mode="lines")
    end = float(qini_curve(scores["label"], scores["treatment"], scores["uplift"])["qini"].iloc[-1])
    fig.add_scatter(x=[0, 1], y=[0, end], name="Random", line={"dash": "dash", "color": "grey"})
    fig.update_layout(title="Qini curve (test campaign)")
    fig.update_xaxes(title="share of customers targeted, best first", tickformat=".0%")
    fig.update_yaxes(title="incremental responders / treated customers", tickformat=".1%")
    return figure(fig, "qini")


def render_uplift_report(path: Path, meta: dict, promotion: str | None = None) -> str:
    """The report of the uplift version stored in ``path`` (its files plus ``meta``)."""
    scores = pd.read_parquet(path / TEST_SCORES_FILE)
    deciles = pd.read_csv(path / DECILES_FILE)
    metrics = pd.DataFrame(
        [
            {"metric": k, "uplift model": v, "propensity ranking": meta["propensity_metrics"][k]}
            for k, v in meta["metrics"].items()
        ]
    )
    capture = meta.get("reference", {}).get("true_uplift_capture")
    return render(
        "uplift.html.j2",
        plotly_js=plotly_js(),
        meta=meta,
        run_id=str(meta.get("run_id")),
        promotion=promotion,
        metrics_table=table(metrics),
        qini_chart=_qini_chart(scores),
        deciles=table(deciles),
        capture=table(pd.DataFrame(capture)) if capture else None,
        rows=table(pd.DataFrame([meta["split"]["rows"]])),
    )


def write_uplift_report(path: Path, meta: dict, promotion: str | None = None) -> Path:
    out = path / REPORT_FILE
    out.write_text(render_uplift_report(path, meta, promotion), encoding="utf-8")
    return out
