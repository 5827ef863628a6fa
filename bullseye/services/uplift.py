"""Uplift stage: the T-learner on past campaigns' sent and control contacts, registered with its
report, its promotion decided (by Qini) and settled at once (uplift models need no approval)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bullseye.core.catalog import (
    CONTACTS_RELATION,
    PERIOD_ID,
    TRAINING_REQUIRED,
    TREATMENT,
    require_columns,
)
from bullseye.core.dbt import manifest_hash
from bullseye.core.settings import Settings
from bullseye.core.targets import Target
from bullseye.core.warehouse import read_relation
from bullseye.reports import write_version_report
from bullseye.services.training import training_config, truth_contacts
from ml.modelling.data import TrainingDataError
from ml.modelling.uplift import UPLIFT_TARGET, UpliftModel, train_uplift_model, true_uplift_capture
from ml.registry import promotion, store
from ml.registry.promotion import PromotionDecision
from ml.registry.store import ModelVersion


@dataclass(frozen=True)
class UpliftOutcome:
    model: UpliftModel | None
    version: ModelVersion | None
    promotion: PromotionDecision | None
    skipped: str | None  # why no uplift model was trained

    def summary(self) -> dict:
        """The run summary's ``uplift`` entry."""
        if self.version is None:
            return {"skipped": self.skipped}
        meta = self.version.meta
        return {
            "model_version": self.version.version,
            "promotion": self.promotion.reason,
            "qini_coefficient": meta.metrics["qini_coefficient"],
            "propensity_qini_coefficient": meta.propensity_metrics["qini_coefficient"],
            "auuc": meta.metrics["auuc"],
            "propensity_auuc": meta.propensity_metrics["auuc"],
            "true_uplift_capture": meta.reference.get("true_uplift_capture"),
            "report": str(self.version.report_path),
        }


def train_uplift_and_register(
    settings: Settings, response_target: Target, run_id: str, truth_dir: Path | None = None
) -> UpliftOutcome:
    """Train, register and promote (if its Qini beats the champion's on its test campaign).
    Skipped, with the reason, when the controls are too few to learn from. Call under the
    warehouse lock: the alias is written here."""
    frame = require_columns(
        read_relation(settings, CONTACTS_RELATION),
        CONTACTS_RELATION,
        (*TRAINING_REQUIRED, TREATMENT),
    )
    truth = truth_contacts(truth_dir, ["p_treated", "p_control"])
    champion = store.champion(settings.models_dir, UPLIFT_TARGET)
    try:
        model = train_uplift_model(frame, training_config(settings, response_target))
    except TrainingDataError as error:
        return UpliftOutcome(None, None, None, str(error))
    reference = {}
    if truth is not None:
        capture = true_uplift_capture(model.test_scores, truth)
        reference["true_uplift_capture"] = capture.round(5).to_dict("records")
    version = store.register_uplift(
        model, settings.models_dir, manifest_hash(settings), run_id, reference
    )
    test_rows = frame[frame[PERIOD_ID].isin(model.test_periods)]
    decision = promotion.decide(version, champion, test_rows)
    promotion.apply(settings.models_dir, UPLIFT_TARGET, decision, approved=True)
    write_version_report(version, f"{decision.alias}: {decision.reason}")
    return UpliftOutcome(model, version, decision, None)
