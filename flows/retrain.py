"""The retrain action: start the training deployment, or the training flow in-process when no
Prefect server (or no such deployment) is there to run it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import get_run_logger
from prefect.exceptions import ObjectNotFound

from bullseye.core.settings import Settings

TRAIN_DEPLOYMENT = "train/train-{target}"


def retrain_on_alerts(
    settings: Settings, target: str, alerts: list, landing_dir: Path | None, as_of: datetime
) -> dict | None:
    """Start retraining when monitoring raised alerts and the retrain action is on (call with
    the warehouse lock released); returns how, or None when nothing was started."""
    if not (alerts and settings.drift_retrain):
        return None
    return trigger_training(settings, target, landing_dir, as_of)


def trigger_training(
    settings: Settings, target: str, landing_dir: Path | None, as_of: datetime
) -> dict | None:
    """Returns how training was started: the deployment's flow run id, or the in-process flow's
    new model version; None when no landing folder is known (argument or setting)."""
    from prefect.deployments import run_deployment

    from flows.train import train_target

    logger = get_run_logger()
    landing_dir = landing_dir or settings.landing_dir
    if landing_dir is None:
        logger.warning("Retraining asked for, but no landing folder is known (landing_dir)")
        return None
    parameters = {
        "landing_dir": str(landing_dir),
        "target": target,
        "as_of": as_of.isoformat(),
        "home": str(settings.home),
    }
    name = TRAIN_DEPLOYMENT.format(target=target.replace("_", "-"))
    try:
        run = run_deployment(name=name, parameters=parameters, timeout=0)
        logger.warning("Alert: started deployment %s (flow run %s) to retrain", name, run.id)
        return {"how": "deployment", "deployment": name, "flow_run_id": str(run.id)}
    except ObjectNotFound:
        logger.warning("Alert: no deployment %s; retraining %s in this run", name, target)
    result = train_target(landing_dir=landing_dir, target=target, as_of=as_of, home=settings.home)
    return {
        "how": "flow",
        "model_version": result["model_version"],
        "alias": result["alias"],
        "promotion": result["promotion"],
    }
