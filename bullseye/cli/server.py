"""``bullseye server|serve|deploy``: the Prefect server, serving and deploying the flows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer


def serve() -> None:
    """Serve the deployments of prefect.yaml from this process (schedules and UI-triggered
    runs) without a work pool. Needs a Prefect server: `bullseye server` in another shell and
    PREFECT_API_URL=http://127.0.0.1:4200/api."""
    from prefect import serve as prefect_serve

    from flows.deployments import runner_deployments

    deployments = runner_deployments()
    typer.echo(
        f"Serving {len(deployments)} deployments: "
        + ", ".join(f"{d.flow_name}/{d.name}" for d in deployments)
    )
    prefect_serve(*deployments)


def server(
    port: Annotated[int, typer.Option(help="Port of the API and UI.")] = 4200,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Start a local Prefect server (API and UI) that keeps run history."""
    import subprocess
    import sys

    prefect = str(Path(sys.executable).parent / "prefect")
    typer.echo(
        f"Prefect UI on http://{host}:{port}; in other shells: "
        f"export PREFECT_API_URL=http://{host}:{port}/api"
    )
    env = os.environ | {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # the UI calls this API; without it the UI looks for port 4200 whatever --port says
        "PREFECT_UI_API_URL": f"http://{host}:{port}/api",
    }
    raise typer.Exit(
        subprocess.call([prefect, "server", "start", "--host", host, "--port", str(port)], env=env)
    )


def deploy() -> None:
    """Apply prefect.yaml's deployments to the Prefect server at PREFECT_API_URL (process work
    pool "bullseye"; run `prefect worker start --pool bullseye` to execute them)."""
    import subprocess
    import sys

    from bullseye.core.settings import PROJECT_ROOT

    prefect = str(Path(sys.executable).parent / "prefect")
    env = os.environ | {"BULLSEYE_PROJECT_DIR": str(PROJECT_ROOT)}
    subprocess.call(
        [prefect, "work-pool", "create", "bullseye", "--type", "process", "--overwrite"],
        env=env,
        cwd=PROJECT_ROOT,
    )
    raise typer.Exit(
        subprocess.call([prefect, "--no-prompt", "deploy", "--all"], env=env, cwd=PROJECT_ROOT)
    )
