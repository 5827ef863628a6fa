"""The retrain action: start the training deployment, or the training flow in-process when no
Prefect server (or no such deployment) is there to run it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from prefect import get_run_logger
from prefect.exceptions import ObjectNotFound

from bullseye.settings import Settings

TRAIN_DEPLOYMENT = "train/train-{target}"


def trigger_training(settings: Settings, target: str, landing_dir: Path, as_of: datetime) -> dict:
    """Returns how training was started: the deployment's flow run id, or the in-process flow's
    new model version."""
    from prefect.deployments import run_deployment

    from flows.train import train_target

    logger = get_run_logger()
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
