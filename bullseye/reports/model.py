"""One self-contained HTML page per model version, rendered from the version's folder alone.

Metrics beside the logistic baseline (and the generator's oracle when known), the decile table,
cumulative gains and lift, calibration before and after, global importance (mean |SHAP|), the
training data, the tuning history and leakage warnings. Charts are Plotly figures with
plotly.js inlined once, so the page opens offline and from an e-mail attachment.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

REPORT_FILE = "report.html"
TEST_SCORES_FILE = "test_scores.parquet"
TUNING_HISTORY_FILE = "tuning_history.csv"
DECILES_FILE = "deciles.csv"

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
LAYOUT = {"template": "plotly_white", "height": 380, "margin": {"l": 60, "r": 20, "t": 50, "b": 50}}


def gains_curve(y: np.ndarray, scores: np.ndarray, points: int = 100) -> pd.DataFrame:
    """Share of all responders captured when contacting the top x% by score."""
    order = np.argsort(-np.asarray(scores), kind="stable")
    captured = np.cumsum(np.asarray(y)[order]) / max(int(np.sum(y)), 1)
    share = np.linspace(0, 1, points + 1)
    idx = np.clip((share * len(order)).astype(int) - 1, 0, len(order) - 1)
    return pd.DataFrame({"contacted": share, "captured": np.where(share == 0, 0.0, captured[idx])})


def _figure(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(**LAYOUT)
    return fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}
    )


def _gains_chart(scores: pd.DataFrame) -> str:
    fig = go.Figure()
    y = scores["label"].to_numpy()
    for column, name in (("score", "XGBoost"), ("baseline_score", "Logistic baseline")):
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
    return _figure(fig, "gains")


def _lift_chart(deciles: pd.DataFrame, scores: pd.DataFrame) -> str:
    from ml.modelling.evaluate import decile_table  # the same deciles the model's table uses

    baseline = decile_table(scores["label"].to_numpy(), scores["baseline_score"].to_numpy())
    fig = go.Figure()
    fig.add_bar(x=deciles["decile"], y=deciles["lift"], name="XGBoost")
    fig.add_bar(x=baseline["decile"], y=baseline["lift"], name="Logistic baseline")
    fig.add_scatter(
        x=deciles["decile"], y=deciles["cumulative_lift"], name="XGBoost cumulative", mode="lines"
    )
    fig.add_hline(y=1, line_dash="dash", line_color="grey")
    fig.update_layout(title="Lift by decile (test)", barmode="group")
    fig.update_xaxes(title="decile (1 = highest scores)", dtick=1)
    fig.update_yaxes(title="response rate / base rate")
    return _figure(fig, "lift")


def _calibration_chart(calibration: dict) -> str:
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
    return _figure(fig, "calibration")


def _importance_chart(importance: dict[str, float], top: int = 20) -> str:
    items = list(importance.items())[:top][::-1]
    fig = go.Figure(go.Bar(x=[v for _, v in items], y=[k for k, _ in items], orientation="h"))
    fig.update_layout(title=f"Global importance: mean |SHAP| on test (top {len(items)})")
    fig.update_layout(height=max(380, 22 * len(items) + 100))
    fig.update_xaxes(title="mean |SHAP contribution| (log-odds)")
    return _figure(fig, "importance")


def _tuning_chart(history: pd.DataFrame) -> str:
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
    return _figure(fig, "tuning")


def _table(frame: pd.DataFrame, digits: int = 4) -> str:
    return frame.to_html(
        index=False, border=0, na_rep="", float_format=lambda v: f"{v:,.{digits}f}"
    )


def _metrics_table(meta: dict) -> pd.DataFrame:
    def fmt(value) -> str:
        return f"{value:,}" if isinstance(value, int) else f"{value:.4f}"

    rows = []
    for key, label in METRIC_LABELS.items():
        row = {
            "metric": label,
            "XGBoost": fmt(meta["metrics"][key]),
            "logistic baseline": fmt(meta["baseline_metrics"][key]),
        }
        if key == "roc_auc" and meta.get("reference", {}).get("oracle_roc_auc") is not None:
            row["oracle (true probabilities)"] = fmt(meta["reference"]["oracle_roc_auc"])
        rows.append(row)
    return pd.DataFrame(rows)


def render_model_report(path: Path, meta: dict, promotion: str | None = None) -> str:
    """The report of the version stored in ``path`` (its files plus ``meta``)."""
    deciles = pd.read_csv(path / DECILES_FILE)
    scores = pd.read_parquet(path / TEST_SCORES_FILE)
    history = pd.read_csv(path / TUNING_HISTORY_FILE)
    esc = html.escape
    warnings = meta.get("warnings", [])
    warning_html = (
        '<div class="warn"><h2>Leakage warnings</h2><ul>'
        + "".join(f"<li>{esc(w)}</li>" for w in warnings)
        + "</ul></div>"
        if warnings
        else '<div class="ok">No leakage warning: no feature carries more than half of the '
        "importance and the test ROC AUC is below 0.99.</div>"
    )
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
    tuning = meta["tuning"]
    params = pd.DataFrame(
        [{"parameter": k, "value": str(v)} for k, v in sorted(meta["params"].items())]
    )
    calibration = meta["calibration"]
    metrics = meta["metrics"]
    baseline = meta["baseline_metrics"]
    headline = (
        f"Test ROC AUC <b>{metrics['roc_auc']:.4f}</b> against "
        f"<b>{baseline['roc_auc']:.4f}</b> for the logistic baseline; the top 10% by score "
        f"respond <b>{metrics['top_decile_lift']:.2f}×</b> as often as average "
        f"(baseline {baseline['top_decile_lift']:.2f}×)."
    )
    promotion_html = f"<p>Promotion: {esc(promotion)}</p>" if promotion else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Bullseye model {esc(meta["target"])} {esc(meta["version"])}</title>
<script type="text/javascript">{get_plotlyjs()}</script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }}
th, td {{ padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
th {{ background: #f4f4f4; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }}
.warn {{ background: #fff1f0; border: 1px solid #e0645c; padding: .5rem 1rem; }}
.ok {{ background: #f0faf0; border: 1px solid #7bbf7b; padding: .5rem 1rem; }}
.meta {{ color: #555; font-size: .9rem; }}
</style></head><body>
<h1>Model report: {esc(meta["target"])}</h1>
<p class="meta">Version {esc(meta["version"])} · registered {esc(meta["created_at"])} ·
run {esc(str(meta.get("run_id")))} · data fingerprint {esc(meta["data_fingerprint"][:16])} ·
dbt manifest {esc(str(meta.get("dbt_manifest_hash") or "n/a")[:16])} ·
bullseye {esc(meta["code_version"])} · XGBoost {esc(meta["xgboost_version"])}</p>
<p>{headline}</p>
{promotion_html}
{warning_html}
<h2>Test metrics</h2>
<p>Test = {esc(", ".join(meta["split"]["test_periods"]))}, never seen in tuning or fitting.
Split: {esc(meta["split"]["kind"])}.</p>
{_table(_metrics_table(meta))}
<div class="grid">{_gains_chart(scores)}{_lift_chart(deciles, scores)}</div>
<h2>Deciles (test)</h2>
{_table(deciles)}
<h2>Calibration</h2>
<p>Method: <b>{esc(calibration["method"])}</b>, chosen by cross-validated log loss on
validation ({esc(", ".join(f"{k} {v:.4f}" for k, v in calibration["cv_log_loss"].items()))}).
Test Brier score {calibration["test_brier_before"]:.4f} before,
{calibration["test_brier_after"]:.4f} after. Published scores are calibrated.</p>
<div class="grid">{_calibration_chart(calibration)}{_importance_chart(meta["importance"])}</div>
<h2>Training data</h2>
{_table(splits)}
{_table(features)}
<h2>Tuning</h2>
<p>{tuning["n_trials"]} Optuna trials ({tuning["n_pruned"]} pruned) in study
<code>{esc(tuning["study_name"])}</code>; best validation ROC AUC {tuning["valid_auc"]:.4f};
refit on train + validation for {meta["num_boost_round"]} rounds.</p>
<div class="grid">{_tuning_chart(history)}<div>{_table(params)}</div></div>
</body></html>
"""


def write_model_report(path: Path, meta: dict, promotion: str | None = None) -> Path:
    out = path / REPORT_FILE
    out.write_text(render_model_report(path, meta, promotion), encoding="utf-8")
    return out


def _qini_chart(scores: pd.DataFrame) -> str:
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
    return _figure(fig, "qini")


def render_uplift_report(path: Path, meta: dict, promotion: str | None = None) -> str:
    esc = html.escape
    scores = pd.read_parquet(path / TEST_SCORES_FILE)
    deciles = pd.read_csv(path / DECILES_FILE)
    metrics = pd.DataFrame(
        [
            {"metric": k, "uplift model": v, "propensity ranking": meta["propensity_metrics"][k]}
            for k, v in meta["metrics"].items()
        ]
    )
    capture = meta.get("reference", {}).get("true_uplift_capture")
    truth_html = (
        "<h2>Against the generator's true treatment effect</h2><p>Mean true uplift "
        "(p_treated - p_control) of the customers each ranking targets; higher = more "
        "persuadable customers found.</p>" + _table(pd.DataFrame(capture))
        if capture
        else ""
    )
    rows = pd.DataFrame([meta["split"]["rows"]])
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Bullseye uplift model {esc(meta["version"])}</title>
<script type="text/javascript">{get_plotlyjs()}</script>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }}
table {{ border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: .9rem; }}
th, td {{ padding: .25rem .6rem; border-bottom: 1px solid #ddd; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }}
th {{ background: #f4f4f4; }}
.meta {{ color: #555; font-size: .9rem; }}
</style></head><body>
<h1>Uplift model report</h1>
<p class="meta">Version {esc(meta["version"])} · registered {esc(meta["created_at"])} ·
run {esc(str(meta.get("run_id")))} · test {esc(", ".join(meta["split"]["test_periods"]))}</p>
{f"<p>Promotion: {esc(promotion)}</p>" if promotion else ""}
<p>Two XGBoost models (T-learner), one on sent contacts and one on held-out controls; uplift =
P(respond | sent) - P(respond | not sent). Qini coefficient and AUUC are areas above random
targeting on the test campaign; the propensity row ranks the same customers by
P(respond | sent) alone.</p>
{_table(metrics)}
{_qini_chart(scores)}
<h2>Uplift by decile (test)</h2>
{_table(deciles)}
{truth_html}
<h2>Rows</h2>
{_table(rows)}
</body></html>
"""


def write_uplift_report(path: Path, meta: dict, promotion: str | None = None) -> Path:
    out = path / REPORT_FILE
    out.write_text(render_uplift_report(path, meta, promotion), encoding="utf-8")
    return out
