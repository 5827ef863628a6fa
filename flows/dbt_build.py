"""dbt through prefect-dbt's runner, so every dbt node shows as a Prefect task.

Not named ``dbt.py``: Prefect loads a deployment's entrypoint as a script with ``flows/`` on
``sys.path``, where such a file would shadow the ``dbt`` package itself."""

from __future__ import annotations

import os

from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings

from bullseye.core.settings import DBT_PROJECT_DIR, Settings
from bullseye.core.warehouse import DbtInvocation, dbt_env, release_dbt_connection


class DbtBuildError(RuntimeError):
    pass


def dbt_build(settings: Settings, invocation: DbtInvocation, selection: list[str]) -> None:
    """``dbt build`` (models and their tests) for a selection; raises on any failure."""
    os.environ.update(dbt_env(settings))
    runner = PrefectDbtRunner(
        settings=PrefectDbtSettings(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR),
        raise_on_failure=True,
    )
    try:
        result = runner.invoke(["build", "--vars", invocation.vars_json(settings), *selection])
    finally:
        release_dbt_connection()
    if not result.success:
        raise DbtBuildError(f"dbt build {' '.join(selection)} failed: {result.exception}")
