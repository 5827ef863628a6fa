"""Data and prediction drift between a model's reference rows and a scoring set (Evidently).

Reference = the model's test-period training rows with the model's (calibrated) scores on them;
current = the scoring mart's features with today's scores. Evidently's data-drift preset picks
the test per column (by type and size) and its per-column verdicts are read by name from the
snapshot; the score column gets its own threshold (prediction drift). The same snapshot carries
a data summary (row count, mean score, value statistics of the score and the key features) for
the workspace dashboard. HTML and JSON are saved beside the run.

Sampling rule (large data): each side is reduced to at most ``sample_rows`` rows (default
50,000), drawn with the run's seed from the rows sorted by every column, so the sample does not
depend on the order the warehouse returned them in. Evidently's default tests on numeric columns
with more than 1,000 rows (normed Wasserstein distance) and on categoricals (Jensen-Shannon
distance) are effect sizes, not p-values, so their verdicts do not grow more sensitive with the
row count and a 50,000-row sample reproduces the full-data verdicts (bench/drift_scale.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from evidently import DataDefinition, Dataset, Report
from evidently.core.report import Snapshot
from evidently.metrics import MeanValue, RowCount, ValueDrift
from evidently.presets import DataDriftPreset, DataSummaryPreset

PREDICTION_COLUMN = "score"
DEFAULT_SAMPLE_ROWS = 50_000
DEFAULT_PREDICTION_THRESHOLD = 0.3


@dataclass(frozen=True)
class DriftResult:
    drifted_share: float  # share of the tested features whose distribution drifted
    drifted_features: tuple[str, ...]
    findings: dict[str, str]  # column -> why it was left out of the test (all null, constant)
    is_prediction_drifted: bool
    prediction_drift_score: float
    column_scores: dict[str, float]  # Evidently's drift score per column
    column_methods: dict[str, str]
    html_path: Path
    json_path: Path
    snapshot: Snapshot  # for the monitoring workspace


def sample_rows(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """At most ``rows`` rows, seeded; the same rows whatever order the frame arrived in."""
    if len(frame) <= rows:
        return frame
    ordered = frame.sort_values(list(frame.columns), ignore_index=True)
    return ordered.sample(n=rows, random_state=seed)


def column_findings(
    reference: pd.DataFrame, current: pd.DataFrame, numeric: list[str], categorical: list[str]
) -> dict[str, str]:
    """Columns no drift test can judge, with the reason: empty (all null) on either side, or a
    single value in the reference rows (a numeric column's normed distance divides by its
    spread; one category has no distribution). Real data has them: a feature from a table the
    data set lacks, a flag nobody set. They are data findings, reported, not tested."""
    findings = {}
    for column in [*numeric, *categorical]:
        ref, cur = reference[column].dropna(), current[column].dropna()
        if ref.empty or cur.empty:
            sides = [n for n, part in (("reference", ref), ("current", cur)) if part.empty]
            findings[column] = f"all null in the {' and '.join(sides)} rows"
        elif ref.nunique() == 1:
            kind = "single category" if column in categorical else "constant"
            findings[column] = (
                f"{kind} in the reference rows ({ref.iloc[0]}); "
                f"{cur.nunique()} distinct value(s) in the current rows"
            )
    return findings


def drift_snapshot(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    seed: int = 42,
    sample: int = DEFAULT_SAMPLE_ROWS,
    prediction_threshold: float | None = DEFAULT_PREDICTION_THRESHOLD,
    summary_columns: list[str] | None = None,
    timestamp: datetime | None = None,
) -> Snapshot:
    """Evidently's data-drift preset on the features, a separately thresholded drift test on
    the score (when the frames have one), and a data summary. Pass only testable columns
    (``column_findings``)."""
    has_score = PREDICTION_COLUMN in current.columns and PREDICTION_COLUMN in reference.columns
    scored = [PREDICTION_COLUMN] if has_score else []
    columns = [*numeric, *categorical, *scored]
    definition = DataDefinition(
        numerical_columns=[*numeric, *scored], categorical_columns=list(categorical)
    )

    def dataset(frame: pd.DataFrame) -> Dataset:
        part = sample_rows(frame[columns], sample, seed).copy()
        for name in categorical:
            part[name] = part[name].astype("string").fillna("missing").astype(str)
        return Dataset.from_pandas(part, data_definition=definition)

    metrics: list = [DataDriftPreset(columns=[*numeric, *categorical]), RowCount()]
    if has_score:
        metrics += [
            # Always the normed Wasserstein distance, so the threshold means the same thing
            # at every size (Evidently would switch to a K-S p-value below 1,000 rows).
            ValueDrift(
                column=PREDICTION_COLUMN, method="wasserstein", threshold=prediction_threshold
            ),
            MeanValue(column=PREDICTION_COLUMN),
        ]
    summary = [c for c in (summary_columns or []) if c in columns]
    if summary:
        metrics.append(DataSummaryPreset(columns=[*scored, *summary]))
    return Report(metrics, include_tests=True).run(
        dataset(current), dataset(reference), timestamp=timestamp
    )


def read_verdicts(snapshot: Snapshot) -> tuple[dict[str, float], dict[str, str], set[str]]:
    """Per column: Evidently's drift score and method, and the columns whose drift test failed."""
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
    return scores, methods, drifted


def drift_report(
    reference: pd.DataFrame,
    current: pd.DataFrame,
    numeric: list[str],
    categorical: list[str],
    out_dir: Path,
    seed: int = 42,
    sample: int = DEFAULT_SAMPLE_ROWS,
    prediction_threshold: float | None = DEFAULT_PREDICTION_THRESHOLD,
    summary_columns: list[str] | None = None,
    timestamp: datetime | None = None,
) -> DriftResult:
    """Run the drift snapshot on the testable columns, save its HTML and JSON in ``out_dir`` and
    read the verdicts; the other columns are returned as findings."""
    findings = column_findings(reference, current, numeric, categorical)
    numeric = [c for c in numeric if c not in findings]
    categorical = [c for c in categorical if c not in findings]
    summary_columns = [c for c in (summary_columns or []) if c not in findings]
    snapshot = drift_snapshot(
        reference,
        current,
        numeric,
        categorical,
        seed,
        sample,
        prediction_threshold,
        summary_columns,
        timestamp,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = out_dir / "drift_report.html", out_dir / "drift_report.json"
    snapshot.save_html(str(html_path))
    snapshot.save_json(str(json_path))
    scores, methods, drifted = read_verdicts(snapshot)
    features = [*numeric, *categorical]
    drifted_features = tuple(c for c in features if c in drifted)
    return DriftResult(
        drifted_share=len(drifted_features) / max(len(features), 1),
        drifted_features=drifted_features,
        findings=findings,
        is_prediction_drifted=PREDICTION_COLUMN in drifted,
        prediction_drift_score=scores.get(PREDICTION_COLUMN, 0.0),
        column_scores=scores,
        column_methods=methods,
        html_path=html_path,
        json_path=json_path,
        snapshot=snapshot,
    )
