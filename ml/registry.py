"""Model registry on the file system: one folder per version, aliases per target.

``<models_dir>/<target>/<version>/`` holds ``booster.ubj`` (XGBoost's own format),
``model.json`` (features and their types, params, metrics, importance, data summary, leakage
warnings, data fingerprint, dbt manifest hash, code version), ``deciles.csv``, the test rows'
labels and scores, the tuning history and ``report.html``.
``<models_dir>/<target>/aliases.json`` maps ``champion``/``challenger`` to versions.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import pandas as pd
import xgboost as xgb
from sklearn.metrics import roc_auc_score

from ml.calibrate import Calibrator
from ml.data import FeatureSpec
from ml.model_report import (
    DECILES_FILE,
    REPORT_FILE,
    TEST_SCORES_FILE,
    TUNING_HISTORY_FILE,
    write_model_report,
)
from ml.schema import LABEL
from ml.segments import Segmenter
from ml.train import TrainedModel, predict

BOOSTER_FILE = "booster.ubj"
META_FILE = "model.json"


@dataclass(frozen=True)
class ModelVersion:
    target: str
    version: str
    path: Path
    meta: dict

    @property
    def spec(self) -> FeatureSpec:
        features = self.meta["features"]
        segmenter = features.get("segmenter")
        return FeatureSpec(
            tuple(features["numeric"]),
            {k: tuple(v) for k, v in features["categorical"].items()},
            Segmenter.from_dict(segmenter) if segmenter else None,
        )

    @property
    def calibrator(self) -> Calibrator | None:
        calibration = self.meta.get("calibration")
        return Calibrator.from_dict(calibration["calibrator"]) if calibration else None

    @property
    def report_path(self) -> Path:
        return self.path / REPORT_FILE

    def write_report(self, promotion: str | None = None) -> Path:
        return write_model_report(self.path, self.meta, promotion)

    def load_booster(self) -> xgb.Booster:
        booster = xgb.Booster()
        booster.load_model(self.path / BOOSTER_FILE)
        return booster


def _write_json_atomic(path: Path, payload: dict) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w") as handle:
        json.dump(payload, handle, indent=2, default=str)
    os.replace(tmp, path)


def register(
    model: TrainedModel,
    models_dir: Path,
    manifest_hash: str | None,
    run_id: str,
    reference: dict | None = None,
) -> ModelVersion:
    """Save a trained model as a new version (``v<UTC time>-<data fingerprint>``).

    ``reference`` holds figures from outside the model to show beside it, such as the oracle
    ROC AUC of the generator's true probabilities."""
    created_at = datetime.now(UTC)
    target = model.target
    base = f"v{created_at:%Y%m%d%H%M%S}-{model.data_fingerprint[:8]}"
    version, n = base, 1
    while (models_dir / target / version).exists():  # same data registered in the same second
        n += 1
        version = f"{base}-{n}"
    path = models_dir / target / version
    path.mkdir(parents=True)
    model.booster.save_model(path / BOOSTER_FILE)
    model.deciles.to_csv(path / DECILES_FILE, index=False)
    model.test_scores[["label", "score", "baseline_score"]].to_parquet(path / TEST_SCORES_FILE)
    pd.DataFrame(model.tuning.history).to_csv(path / TUNING_HISTORY_FILE, index=False)
    meta = {
        "target": target,
        "version": version,
        "created_at": created_at.isoformat(),
        "run_id": run_id,
        "features": {
            "numeric": list(model.spec.numeric),
            "categorical": model.spec.categorical,
            "segmenter": model.spec.segmenter.to_dict() if model.spec.segmenter else None,
        },
        "params": model.params,
        "num_boost_round": model.num_boost_round,
        "metrics": model.metrics.as_dict(),
        "baseline_metrics": model.baseline_metrics.as_dict(),
        "reference": reference or {},
        "importance": {k: round(float(v), 6) for k, v in model.importance.items()},
        "warnings": list(model.warnings),
        "data_summary": model.data_summary,
        "calibration": model.calibration | {"calibrator": model.calibrator.to_dict()},
        "split": {
            "kind": model.split_kind,
            "test_periods": model.test_periods,
            "rows": model.rows,
        },
        "tuning": {
            "study_name": model.tuning.study_name,
            "n_trials": model.tuning.n_trials,
            "n_pruned": model.tuning.n_pruned,
            "valid_auc": model.tuning.valid_auc,
        },
        "data_fingerprint": model.data_fingerprint,
        "dbt_manifest_hash": manifest_hash,
        "code_version": package_version("bullseye"),
        "xgboost_version": xgb.__version__,
    }
    _write_json_atomic(path / META_FILE, meta)
    return ModelVersion(target, version, path, meta)


def load(models_dir: Path, target: str, version: str) -> ModelVersion:
    path = models_dir / target / version
    if not (path / META_FILE).is_file():
        raise FileNotFoundError(
            f"No model version {version!r} for target {target!r} in {models_dir}."
        )
    return ModelVersion(target, version, path, json.loads((path / META_FILE).read_text()))


def aliases(models_dir: Path, target: str) -> dict[str, str]:
    path = models_dir / target / "aliases.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def champion_history(models_dir: Path, target: str) -> list[str]:
    """Earlier champions, oldest first (what ``rollback`` returns to)."""
    path = models_dir / target / "champion_history.json"
    return json.loads(path.read_text()) if path.is_file() else []


def set_alias(models_dir: Path, target: str, alias: str, version: str) -> None:
    load(models_dir, target, version)  # must exist
    current = aliases(models_dir, target)
    if alias == "champion" and current.get("champion") not in (None, version):
        history = [*champion_history(models_dir, target), current["champion"]]
        _write_json_atomic(models_dir / target / "champion_history.json", history)
    updated = current | {alias: version}
    if alias == "champion" and updated.get("challenger") == version:
        del updated["challenger"]  # promoted: no longer waiting
    _write_json_atomic(models_dir / target / "aliases.json", updated)


def list_versions(models_dir: Path, target: str) -> list[ModelVersion]:
    """Every registered version of a target, newest first."""
    folder = models_dir / target
    versions = (
        [d.name for d in folder.iterdir() if (d / META_FILE).is_file()] if folder.is_dir() else []
    )
    return [load(models_dir, target, v) for v in sorted(versions, reverse=True)]


def promote(models_dir: Path, target: str, version: str) -> None:
    """An explicit human decision: ``version`` becomes champion."""
    set_alias(models_dir, target, "champion", version)


def rollback(models_dir: Path, target: str) -> str:
    """Make the previous champion champion again; returns its version."""
    history = champion_history(models_dir, target)
    if not history:
        raise ValueError(f"No earlier champion of {target!r} to roll back to.")
    previous = history[-1]
    current = aliases(models_dir, target) | {"champion": previous}
    _write_json_atomic(models_dir / target / "aliases.json", current)
    _write_json_atomic(models_dir / target / "champion_history.json", history[:-1])
    return previous


def resolve(models_dir: Path, target: str, alias_or_version: str = "champion") -> ModelVersion:
    """A model by alias (champion, challenger) or by version."""
    version = aliases(models_dir, target).get(alias_or_version, alias_or_version)
    return load(models_dir, target, version)


@dataclass(frozen=True)
class PromotionDecision:
    is_promoted: bool
    alias: str  # what the candidate became: champion or challenger
    candidate_auc: float
    champion_version: str | None
    champion_auc: float | None
    reason: str


def promote_if_better(
    models_dir: Path, candidate: ModelVersion, test_frame: pd.DataFrame, margin: float = 0.0
) -> PromotionDecision:
    """Make the candidate champion if there is none, or if it beats the champion's ROC AUC on
    the candidate's own test rows by ``margin``; otherwise it becomes challenger."""
    candidate_auc = float(candidate.meta["metrics"]["roc_auc"])
    current = aliases(models_dir, candidate.target).get("champion")
    if current is None:
        set_alias(models_dir, candidate.target, "champion", candidate.version)
        return PromotionDecision(True, "champion", candidate_auc, None, None, "no champion yet")
    champion = load(models_dir, candidate.target, current)
    try:
        scores = predict(champion.load_booster(), champion.spec, test_frame)
    except ValueError as error:  # the champion's features no longer exist in the marts
        set_alias(models_dir, candidate.target, "champion", candidate.version)
        return PromotionDecision(
            True, "champion", candidate_auc, current, None, f"champion cannot score: {error}"
        )
    champion_auc = float(roc_auc_score(test_frame[LABEL].astype(int), scores))
    if candidate_auc >= champion_auc + margin:
        set_alias(models_dir, candidate.target, "champion", candidate.version)
        return PromotionDecision(
            True,
            "champion",
            candidate_auc,
            current,
            champion_auc,
            f"beats champion by {candidate_auc - champion_auc:+.4f} (margin {margin})",
        )
    set_alias(models_dir, candidate.target, "challenger", candidate.version)
    return PromotionDecision(
        False,
        "challenger",
        candidate_auc,
        current,
        champion_auc,
        f"does not beat champion by margin {margin} ({candidate_auc - champion_auc:+.4f})",
    )
