"""Data and prediction drift between a model's training features and a scoring set (Evidently).

Reference = the training mart's features with the model's scores on them; current = the
scoring mart's features with today's scores. Evidently picks the test per column (by type and
size); its per-column verdicts and the share of drifted features are read by name from the
snapshot. HTML and JSON are saved beside the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.presets import DataDriftPreset

PREDICTION_COLUMN = "score"
DEFAULT_SAMPLE_ROWS = 50_000


@dataclass(frozen=True)
class DriftResult:
    drifted_share: float  # share of model features whose distribution drifted
    drifted_features: tuple[str, ...]
    is_prediction_drifted: bool
    column_scores: dict[str, float]  # Evidently's drift score per column
    column_methods: dict[str, str]
    html_path: Path
    json_path: Path


def _sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """At most ``rows`` rows, seeded; the same rows whatever order the frame arrived in."""
    if len(frame) <= rows:
        return frame
    ordered = frame.sort_values(list(frame.columns), ignore_index=True)
    return ordered.sample(n=rows, random_state=seed)


def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    out_dir: Path,
    seed: int = 42,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
) -> DriftResult:
    """Run Evidently's data-drift preset on features plus the prediction column."""
    columns = [*numeric, *categorical, PREDICTION_COLUMN]
    definition = DataDefinition(
        numerical_columns=[*numeric, PREDICTION_COLUMN], categorical_columns=list(categorical)
    )

    def dataset(frame: pd.DataFrame) -> Dataset:
        part = _sample(frame[columns], sample_rows, seed).copy()
        for name in categorical:
            part[name] = part[name].astype("string").fillna("missing").astype(str)
        return Dataset.from_pandas(part, data_definition=definition)

    snapshot = Report([DataDriftPreset()], include_tests=True).run(
        dataset(current), dataset(reference)
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out_dir / "drift_report.html", out_dir / "drift_report.json"
    snapshot.save_html(str(html_path))
    snapshot.save_json(str(json_path))

    result = snapshot.dict()
    scores, methods, drifted = {}, {}, set()
    for metric in result["metrics"]:
        config = metric["config"]
        if config["type"].endswith(":ValueDrift"):
            scores[config["column"]] = float(metric["value"])
            methods[config["column"]] = config["method"]
    for test in result["tests"]:
        params = test["metric_config"]["params"]
        if params["type"].endswith(":ValueDrift") and test["status"] != "SUCCESS":
            drifted.add(params["column"])
    features = [*numeric, *categorical]
    drifted_features = tuple(c for c in features if c in drifted)
    return DriftResult(
        drifted_share=len(drifted_features) / max(len(features), 1),
        drifted_features=drifted_features,
        is_prediction_drifted=PREDICTION_COLUMN in drifted,
        column_scores=scores,
        column_methods=methods,
        html_path=html_path,
        json_path=json_path,
    )
