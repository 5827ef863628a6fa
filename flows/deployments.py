"""The deployments of prefect.yaml as Python objects, for `bullseye serve` (one process, no work
pool) and for checks; prefect.yaml stays the one place they are declared."""

from __future__ import annotations

import importlib
from pathlib import Path

import yaml
from prefect.schedules import Cron

from bullseye.core.settings import PROJECT_ROOT

PREFECT_YAML = PROJECT_ROOT / "prefect.yaml"


def declared(path: Path = PREFECT_YAML) -> list[dict]:
    return yaml.safe_load(path.read_text())["deployments"]


def runner_deployments(path: Path = PREFECT_YAML) -> list:
    """``RunnerDeployment``s with the names, schedules and parameters of prefect.yaml."""
    out = []
    for spec in declared(path):
        file, name = spec["entrypoint"].split(":")
        module = importlib.import_module(file.removesuffix(".py").replace("/", "."))
        flow = getattr(module, name)
        out.append(
            flow.to_deployment(
                name=spec["name"],
                description=spec.get("description"),
                parameters=spec.get("parameters") or {},
                schedules=[
                    Cron(s["cron"], timezone=s.get("timezone")) for s in spec.get("schedules") or []
                ],
            )
        )
    return out
