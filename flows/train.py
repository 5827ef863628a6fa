"""The ``train`` flow: refresh the warehouse, then train, register and maybe promote one
declared target's model."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from prefect import flow
from prefect.artifacts import create_table_artifact
from pydantic import Field

from bullseye.core.locks import warehouse_lock
from bullseye.core.targets import get_target, load_targets
from flows.approval import (
    await_approval,
    can_pause,
    hold_for_approval,
    needs_approval,
    settle_answer,
    settle_now,
)
from flows.context import require_landing, start_run
from flows.refresh import refresh_warehouse
from flows.tasks import train
from ml.registry import store


def _run_name() -> str:
    from prefect.runtime import flow_run

    return f"train-{flow_run.parameters['target']}-{datetime.now(UTC):%Y-%m-%d}"


@flow(name="train", flow_run_name=_run_name, log_prints=True)
def train_target(
    landing_dir: Path | None = None,
    target: str = "campaign_response",
    as_of: datetime | None = None,
    home: Path | None = None,
    n_trials: Annotated[int | None, Field(ge=1)] = None,
    tuning_timeout_s: Annotated[float | None, Field(gt=0)] = None,
) -> dict:
    """Train the declared target ``target`` (config/targets.yml) on a landing folder.

    Args:
        landing_dir: folder with one sub-folder (or file) per landing table (default: the
            landing_dir setting).
        target: a target name from the targets file, e.g. purchase_within_30d.
        as_of: the point-in-time moment (UTC); default: now.
        home: Bullseye home folder.
        n_trials: Optuna trial budget (default from settings).
        tuning_timeout_s: Optuna wall-clock budget in seconds (default from settings).
    """
    run = start_run(home, as_of, n_trials=n_trials, tuning_timeout_s=tuning_timeout_s)
    settings, run_id = run.settings, run.run_id
    targets = load_targets(settings.targets_file)
    declared = get_target(targets, target)
    landing = require_landing(landing_dir, settings)

    with warehouse_lock(settings, f"train {run_id}"):
        refresh_warehouse(landing, run.as_of, settings, targets)
        outcome = train(settings, declared, run_id)
        pauses = needs_approval(settings, outcome) and can_pause()
        if pauses:
            hold_for_approval(settings, outcome)  # the champion stays while a person decides
        else:
            approval = settle_now(settings, outcome)
    if pauses:
        answer = await_approval(settings, outcome)  # outside the lock: it may take a day
        with warehouse_lock(settings, f"train {run_id}"):
            approval = settle_answer(settings, outcome, answer)
    champion = store.aliases(settings.models_dir, declared.name).get("champion")
    model = outcome.model
    result = {
        "run_id": run_id,
        "target": declared.name,
        "kind": declared.kind.value,
        "model_version": outcome.version.version,
        "model_path": str(outcome.version.path),
        "model_report": str(outcome.version.report_path),
        "leakage_warnings": list(model.warnings),
        "promotion": approval or outcome.promotion.reason,
        "alias": "champion" if champion == outcome.version.version else "challenger",
        "split": model.split_kind,
        "rows": model.rows,
        "test_periods": list(model.test_periods),
        "test_base_rate": model.metrics.base_rate,
        "test_roc_auc": model.metrics.roc_auc,
        "baseline_roc_auc": model.baseline_metrics.roc_auc,
        "top_decile_lift": model.metrics.top_decile_lift,
        "baseline_top_decile_lift": model.baseline_metrics.top_decile_lift,
    }
    lines = [f"| {k} | {v} |" for k, v in result.items()]
    result = run.close(
        result, "| field | value |\n|---|---|\n" + "\n".join(lines), "training-summary"
    )
    create_table_artifact(
        table=model.deciles.round(4).to_dict(orient="records"), key="test-deciles"
    )
    print(
        f"{declared.name}: model {outcome.version.version} ({outcome.promotion.alias}); "
        f"test ROC AUC {model.metrics.roc_auc:.4f} vs baseline "
        f"{model.baseline_metrics.roc_auc:.4f}; top-decile lift {model.metrics.top_decile_lift:.2f}"
    )
    return result
