"""Model performance once a scored campaign's responses are in: Evidently's classification
metrics on the campaign's sent contacts (current) against the model's own test rows
(reference), as a snapshot for the target's workspace project."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from evidently import BinaryClassification, DataDefinition, Dataset, Report
from evidently.core.report import Snapshot
from evidently.presets import ClassificationPreset

LABEL, SCORE = "label", "score"


def performance_snapshot(
    reference: pd.DataFrame, current: pd.DataFrame, timestamp: datetime | None = None
) -> tuple[Snapshot, dict[str, float]]:
    """``reference`` and ``current``: ``label`` (0/1) and ``score`` (calibrated probability).
    Returns the snapshot and the current ROC AUC and log loss read from it."""
    definition = DataDefinition(
        numerical_columns=[SCORE],
        classification=[BinaryClassification(target=LABEL, prediction_probas=SCORE)],
    )

    def dataset(frame: pd.DataFrame) -> Dataset:
        part = frame[[LABEL, SCORE]].astype({LABEL: int, SCORE: float})
        return Dataset.from_pandas(part, data_definition=definition)

    # Precision and recall at the reference's top-decile cut-off: "of those we would contact
    # first, how many responded" rather than at a 0.5 no marketing score reaches.
    cutoff = float(reference[SCORE].quantile(0.9))
    snapshot = Report([ClassificationPreset(probas_threshold=cutoff)]).run(
        dataset(current), dataset(reference), timestamp=timestamp
    )
    values = {}
    for metric in snapshot.dict()["metrics"]:
        kind = metric["config"]["type"].rsplit(":", 1)[-1]
        if kind in ("RocAuc", "LogLoss") and kind not in values:
            value = metric["value"]
            values[kind] = float(value["value"] if isinstance(value, dict) else value)
    return snapshot, values
