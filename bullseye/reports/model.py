"""One self-contained HTML page per model version, rendered from the version's folder alone.

Metrics beside the logistic baseline (and the generator's oracle when known), the decile table,
cumulative gains and lift, calibration before and after, global importance (mean |SHAP|), the
training data, the tuning history and leakage warnings. Charts are Plotly figures with
plotly.js inlined once, so the page opens offline and from an e-mail attachment.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from markupsafe import Markup

from bullseye.reports.pages import figure, plotly_js, render, table
from ml.registry.store import DECILES_FILE, REPORT_FILE, TEST_SCORES_FILE, TUNING_HISTORY_FILE

METRIC_LABELS = {
    "roc_auc": "ROC AUC",
    "pr_auc": "PR AUC",
    "log_loss": "Log loss",
    "brier": "Brier score",
    "top_decile_lift": "Top-decile lift",
    "base_rate": "Base rate",
    "n": "Test examples",
    "positives": "Test responders",
}


def gains_curve(y: np.ndarray, scores: np.ndarray, points: int = 100) -> pd.DataFrame:
    """Share of all responders captured when contacting the top x% by score."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    captured = np.cumsum(np.asarray(y)[order]) / max(int(np.sum(y)), 1)
    share = np.linspace(0, 1, points + 1)
    idx = np.clip((share * len(order)).astype(int) - 1, 0, len(order) - 1)
    return pd.DataFrame({"contacted": share, "captured": np.where(share == 0, 0.0, captured[idx])})


def _gains_chart(scores: pd.DataFrame) -> Markup:
    fig = go.Figure()
    y = scores["label"].to_numpy()
    for column, name in (("score", "Registered model"), ("baseline_score", "Logistic baseline")):
        curve = gains_curve(y, scores[column].to_numpy())
        fig.add_scatter(x=curve["contacted"], y=curve["captured"], name=name, mode="lines")
    perfect = gains_curve(y, y.astype(float))
    fig.add_scatter(
        x=perfect["contacted"], y=perfect["captured"], name="Perfect", line={"dash": "dot"}
    )
    fig.add_scatter(x=[0, 1], y=[0, 1], name="Random", line={"dash": "dash", "color": "grey"})
    fig.update_layout(title="Cumulative gains (test)")
    fig.update_xaxes(title="share of customers contacted, best scores first", tickformat=".0%")
    fig.update_yaxes(title="share of responders reached", tickformat=".0%")
    return figure(fig, "gains")


def _lift_chart(deciles: pd.DataFrame, scores: pd.DataFrame) -> Markup:
    from ml.modelling.evaluate import decile_table  # the same deciles the model's table uses

    baseline = decile_table(scores["label"].to_numpy(), scores["baseline_score"].to_numpy())
    fig = go.Figure()
    fig.add_bar(x=deciles["decile"], y=deciles["lift"], name="Registered model")
    fig.add_bar(x=baseline["decile"], y=baseline["lift"], name="Logistic baseline")
    fig.add_scatter(
        x=deciles["decile"],
        y=deciles["cumulative_lift"],
        name="Registered model cumulative",
        mode="lines",
    )
    fig.add_hline(y=1, line_dash="dash", line_color="grey")
    fig.update_layout(title="Lift by decile (test)", barmode="group")
    fig.update_xaxes(title="decile (1 = highest scores)", dtick=1)
    fig.update_yaxes(title="response rate / base rate")
    return figure(fig, "lift")


def _calibration_chart(calibration: dict) -> Markup:
    fig = go.Figure()
    for key, name in (("reliability_before", "raw"), ("reliability_after", calibration["method"])):
        table = pd.DataFrame(calibration[key])
        fig.add_scatter(
            x=table["mean_predicted"], y=table["observed_rate"], name=name, mode="lines+markers"
        )
    top = max(
        max(r["observed_rate"], r["mean_predicted"])
        for key in ("reliability_before", "reliability_after")
        for r in calibration[key]
    )
    fig.add_scatter(x=[0, top], y=[0, top], name="perfect", line={"dash": "dash", "color": "grey"})
    fig.update_layout(title="Calibration (test, 10 equal-count bins)")
    fig.update_xaxes(title="mean predicted probability")
    fig.update_yaxes(title="observed response rate")
    return figure(fig, "calibration")


def _importance_chart(importance: dict[str, float], top: int = 20) -> Markup:
    items = list(importance.items())[:top][::-1]
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h"))
    fig.update_layout(title=f"Global importance: mean |contribution| on test (top {len(items)})")
    fig.update_layout(height=max(380, 22 * len(items) + 100))
    fig.update_xaxes(title="mean |SHAP contribution| (log-odds)")
    return figure(fig, "importance")


def _tuning_chart(history: pd.DataFrame) -> Markup:
    fig = go.Figure()
    for state, symbol in (("COMPLETE", "circle"), ("PRUNED", "x")):
        rows = history[history["state"] == state]
        fig.add_scatter(
            x=rows["number"],
            y=rows["value"],
            mode="markers",
            name=state.lower(),
            marker={"symbol": symbol},
        )
    complete = history[history["state"] == "COMPLETE"].sort_values("number")
    fig.add_scatter(
        x=complete["number"], y=complete["value"].cummax(), name="best so far", mode="lines"
    )
    fig.update_layout(title="Optuna trials: validation ROC AUC")
    fig.update_xaxes(title="trial")
    fig.update_yaxes(title="validation ROC AUC")
    return figure(fig, "tuning")


def _metrics_table(meta: dict) -> pd.DataFrame:
    def fmt(value) -> str:
        return f"{value:,}" if isinstance(value, int) else f"{value:.4f}"

    rows = []
    for key, label in METRIC_LABELS.items():
        row = {"metric": label, "registered model": fmt(meta["metrics"][key])}
        if meta.get("xgboost_metrics") and meta.get("blend_weight", 1.0) != 1.0:
            row["XGBoost alone"] = fmt(meta["xgboost_metrics"][key])
        row["logistic baseline"] = fmt(meta["baseline_metrics"][key])
        if key == "roc_auc" and meta.get("reference", {}).get("oracle_roc_auc") is not None:
            row["oracle (true probabilities)"] = fmt(meta["reference"]["oracle_roc_auc"])
        rows.append(row)
    return pd.DataFrame(rows)


def render_model_report(path: Path, meta: dict, promotion: str | None = None) -> str:
    """The report of the version stored in ``path`` (its files plus ``meta``)."""
    deciles = pd.read_csv(path / DECILES_FILE)
    scores = pd.read_parquet(path / TEST_SCORES_FILE)
    history = pd.read_csv(path / TUNING_HISTORY_FILE)
    summary = meta["data_summary"]
    splits = pd.DataFrame(
        [
            {"split": name} | {k: (", ".join(v) if k == "periods" else v) for k, v in s.items()}
            for name, s in summary["splits"].items()
        ]
    )
    features = pd.DataFrame(summary["features"])
    importance = pd.Series(meta["importance"], name="mean_abs_shap")
    features["mean_abs_shap"] = features["feature"].map(importance)
    features = features.sort_values("mean_abs_shap", ascending=False)
    params = pd.DataFrame(
        [{"parameter": k, "value": str(v)} for k, v in sorted(meta["params"].items())]
    )
    charts = {
        "gains": _gains_chart(scores),
        "lift": _lift_chart(deciles, scores),
        "calibration": _calibration_chart(meta["calibration"]),
        "importance": _importance_chart(meta["importance"]),
        "tuning": _tuning_chart(history),
    }
    return render(
        "model.html.j2",
        plotly_js=plotly_js(),
        meta=meta,
        run_id=str(meta.get("run_id")),
        manifest=str(meta.get("dbt_manifest_hash") or "n/a"),
        promotion=promotion,
        warnings=meta.get("warnings", []),
        metrics=meta["metrics"],
        baseline=meta["baseline_metrics"],
        calibration=meta["calibration"],
        tuning=meta["tuning"],
        metrics_table=table(_metrics_table(meta)),
        deciles=table(deciles),
        splits=table(splits),
        features=table(features),
        params=table(params),
        charts=charts,
    )


def write_model_report(path: Path, meta: dict, promotion: str | None = None) -> Path:
    out = path / REPORT_FILE
    out.write_text(render_model_report(path, meta, promotion), encoding="utf-8")
    return out
