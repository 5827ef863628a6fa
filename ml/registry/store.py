"""Model registry on the file system: one folder per version, aliases per target.

``<models_dir>/<target>/<version>/`` holds ``booster.ubj`` (XGBoost's own format), the
logistic baseline (``baseline.joblib``, blended with the booster when validation chose so),
``model.json`` (features and their types, params, metrics, importance, data summary, leakage
warnings, data fingerprint, dbt manifest hash, code version), ``deciles.csv``, the test rows'
labels and scores, the tuning history and ``report.html``.
``<models_dir>/<target>/aliases.json`` maps ``champion``/``challenger`` to versions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import xgboost as xgb

from bullseye.core.catalog import LABEL, TREATMENT
from bullseye.core.jsonio import write_json_atomic
from ml.modelling.blend import ResponseScorer
from ml.modelling.calibrate import Calibrator
from ml.modelling.data import FeatureSpec
from ml.modelling.segments import Segmenter
from ml.modelling.train import TrainedModel
from ml.modelling.uplift import ARMS, UPLIFT_TARGET, UpliftModel
from ml.registry.meta import UPLIFT, ModelMeta

BOOSTER_FILE = "booster.ubj"
BASELINE_FILE = "baseline.joblib"  # scikit-learn's documented persistence (joblib pickle)
META_FILE = "model.json"
REPORT_FILE = "report.html"
TEST_SCORES_FILE = "test_scores.parquet"
TUNING_HISTORY_FILE = "tuning_history.csv"
DECILES_FILE = "deciles.csv"


@dataclass(frozen=True)
class ModelVersion:
    target: str
    version: str
    path: Path
    meta: ModelMeta

    @property
    def spec(self) -> FeatureSpec:
        features = self.meta.features
        return FeatureSpec(
            tuple(features.numeric),
            {k: tuple(v) for k, v in features.categorical.items()},
            Segmenter.from_dict(features.segmenter) if features.segmenter else None,
        )

    @property
    def calibrator(self) -> Calibrator | None:
        calibration = self.meta.calibration
        return Calibrator.from_dict(calibration["calibrator"]) if calibration else None

    @property
    def report_path(self) -> Path:
        return self.path / REPORT_FILE

    @property
    def test_periods(self) -> list[str]:
        return list(self.meta.split.test_periods)

    def calibrate(self, raw_scores) -> np.ndarray:
        """The calibrated probability of raw booster scores (unchanged without a calibrator)."""
        raw_scores = np.asarray(raw_scores, dtype=float)
        return raw_scores if self.calibrator is None else self.calibrator.apply(raw_scores)

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated response probability of each row of a training or scoring mart."""
        if frame.empty:
            return np.array([], dtype=float)
        return self.calibrate(self.scorer().predict(frame))

    def scorer(self) -> ResponseScorer:
        """The response model as registered: booster, baseline and their blend weight."""
        baseline = self.path / BASELINE_FILE
        return ResponseScorer(
            self.load_booster(),
            joblib.load(baseline) if baseline.is_file() else None,
            self.spec,
            self.meta.blend_weight,
        )

    def load_booster(self, name: str = BOOSTER_FILE) -> xgb.Booster:
        booster = xgb.Booster()
        booster.load_model(self.path / name)
        return booster

    def load_uplift_arms(self) -> dict[str, xgb.Booster]:
        return {arm: self.load_booster(f"booster_{arm}.ubj") for arm in ARMS}


def _new_version_folder(
    models_dir: Path, target: str, data_fingerprint: str
) -> tuple[datetime, str, Path]:
    created_at = datetime.now(UTC)
    base = f"v{created_at:%Y%m%d%H%M%S}-{data_fingerprint[:8]}"
    version, n = base, 1
    while (models_dir / target / version).exists():  # same data registered in the same second
        n += 1
        version = f"{base}-{n}"
    path = models_dir / target / version
    path.mkdir(parents=True)
    return created_at, version, path


def _provenance(manifest_hash: str | None) -> dict:
    return {
        "dbt_manifest_hash": manifest_hash,
        "code_version": package_version("bullseye"),
        "xgboost_version": xgb.__version__,
    }


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
    target = model.target
    created_at, version, path = _new_version_folder(models_dir, target, model.data_fingerprint)
    model.booster.save_model(path / BOOSTER_FILE)
    joblib.dump(model.scorer.baseline, path / BASELINE_FILE)
    model.deciles.to_csv(path / DECILES_FILE, index=False)
    model.test_scores[["label", "score", "baseline_score"]].to_parquet(path / TEST_SCORES_FILE)
    pd.DataFrame(model.tuning.history).to_csv(path / TUNING_HISTORY_FILE, index=False)
    meta = {
        "target": target,
        "kind": "response",
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
        "xgboost_metrics": model.xgboost_metrics.as_dict(),
        "intervals": {name: i.as_dict() for name, i in model.intervals.items()},
        "blend_weight": model.scorer.weight,
        "selection": model.selection,
        "reference": reference or {},
        "importance": {k: round(float(v), 6) for k, v in model.importance.items()},
        "warnings": list(model.warnings),
        "data_summary": model.data_summary,
        "calibration": model.calibration | {"calibrator": model.calibrator.to_dict()},
        "split": {
            "kind": model.split_kind,
            "test_periods": model.test_periods,
            "rows": model.rows,
            "is_test_large_enough": model.is_test_large_enough,
        },
        "tuning": {
            "study_name": model.tuning.study_name,
            "n_trials": model.tuning.n_trials,
            "n_pruned": model.tuning.n_pruned,
            "valid_auc": model.tuning.valid_auc,
            "rows": model.tuning.rows,
        },
        "data_fingerprint": model.data_fingerprint,
        **_provenance(manifest_hash),
    }
    return _save_meta(ModelVersion(target, version, path, ModelMeta.model_validate(meta)))


def register_uplift(
    model: UpliftModel,
    models_dir: Path,
    manifest_hash: str | None,
    run_id: str,
    reference: dict | None = None,
) -> ModelVersion:
    """Save a T-learner uplift model: one booster per arm, judged by the Qini coefficient."""
    created_at, version, path = _new_version_folder(
        models_dir, UPLIFT_TARGET, model.data_fingerprint
    )
    for arm, fitted in model.arms.items():
        fitted.booster.save_model(path / f"booster_{arm}.ubj")
    model.deciles.to_csv(path / DECILES_FILE, index=False)
    model.test_scores[[TREATMENT, LABEL, "uplift", "propensity"]].to_parquet(
        path / TEST_SCORES_FILE
    )
    meta = {
        "target": UPLIFT_TARGET,
        "kind": UPLIFT,
        "version": version,
        "created_at": created_at.isoformat(),
        "run_id": run_id,
        "features": {
            "numeric": list(model.spec.numeric),
            "categorical": model.spec.categorical,
            "segmenter": None,
        },
        "params": {arm: fitted.params for arm, fitted in model.arms.items()},
        "num_boost_round": {arm: f.num_boost_round for arm, f in model.arms.items()},
        "metrics": model.metrics,
        "propensity_metrics": model.propensity_metrics,
        "reference": reference or {},
        "split": {"test_periods": model.test_periods, "rows": model.rows},
        "data_fingerprint": model.data_fingerprint,
        **_provenance(manifest_hash),
    }
    return _save_meta(ModelVersion(UPLIFT_TARGET, version, path, ModelMeta.model_validate(meta)))


def _save_meta(version: ModelVersion) -> ModelVersion:
    write_json_atomic(version.path / META_FILE, version.meta.as_json())
    return version


def load(models_dir: Path, target: str, version: str) -> ModelVersion:
    path = models_dir / target / version
    if not (path / META_FILE).is_file():
        raise FileNotFoundError(
            f"No model version {version!r} for target {target!r} in {models_dir}."
        )
    meta = ModelMeta.model_validate_json((path / META_FILE).read_text())
    return ModelVersion(target, version, path, meta)


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
        write_json_atomic(models_dir / target / "champion_history.json", history)
    updated = current | {alias: version}
    if alias == "champion" and updated.get("challenger") == version:
        del updated["challenger"]  # promoted: no longer waiting
    write_json_atomic(models_dir / target / "aliases.json", updated)


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
    write_json_atomic(models_dir / target / "aliases.json", current)
    write_json_atomic(models_dir / target / "champion_history.json", history[:-1])
    return previous


def resolve(models_dir: Path, target: str, alias_or_version: str = "champion") -> ModelVersion:
    """A model by alias (champion, challenger) or by version."""
    version = aliases(models_dir, target).get(alias_or_version, alias_or_version)
    return load(models_dir, target, version)


def champion(models_dir: Path, target: str) -> ModelVersion | None:
    """The target's champion, or None before the first one: the one lookup every stage uses."""
    current = aliases(models_dir, target).get("champion")
    return None if current is None else load(models_dir, target, current)
