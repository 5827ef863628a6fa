"""``bullseye monitor``: the Evidently UI and publication gates."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.errors import user_errors
from bullseye.cli.options import HomeOption, console, settings

app = typer.Typer(help="Monitoring: the Evidently UI, publication gates.")


@app.command("ui")
def monitor_ui(
    home: HomeOption = None,
    port: Annotated[int, typer.Option(help="Port of the Evidently UI.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Start `evidently ui` on the monitoring workspace (projects, snapshots, dashboards)."""
    import shutil
    import subprocess
    import sys

    folder = settings(home).monitoring_dir / "workspace"
    folder.mkdir(parents=True, exist_ok=True)
    evidently = shutil.which("evidently") or str(Path(sys.executable).parent / "evidently")
    typer.echo(f"Evidently UI on http://{host}:{port} (workspace {folder})")
    raise typer.Exit(
        subprocess.call(
            [evidently, "ui", "--workspace", str(folder), "--host", host, "--port", str(port)]
        )
    )


@app.command("gates")
@user_errors
def monitor_gates(home: HomeOption = None) -> None:
    """Campaigns whose publication monitoring stopped, and whether someone acknowledged."""
    from rich.table import Table

    from bullseye.services.monitoring import gates

    rows = gates(settings(home)).list()
    if not rows:
        typer.echo("No publication gate.")
        return
    table = Table()
    table.add_column("campaign", no_wrap=True)
    table.add_column("state", no_wrap=True)
    table.add_column("run", no_wrap=True)
    table.add_column("alerts")
    for gate in rows:
        ack = gate["acknowledged"]
        state = f"acknowledged by {ack['by']} at {ack['at']}" if ack else "WAITING"
        alerts = "\n".join(f"{alert['kind']}: {alert['message']}" for alert in gate["alerts"])
        table.add_row(gate["campaign_id"], state, str(gate["run_id"]), alerts)
    console().print(table)


@app.command("ack")
@user_errors(KeyError)
def monitor_ack(
    campaign: Annotated[str, typer.Argument(help="Campaign whose gate to lift.")],
    by: Annotated[str, typer.Option(help="Who reviewed the alerts.")],
    note: Annotated[str, typer.Option(help="Why publishing may go on.")] = "",
    home: HomeOption = None,
) -> None:
    """Acknowledge a campaign's monitoring alerts: its next run publishes again (the same
    alerts do not stop it again; new ones do)."""
    from bullseye.services.monitoring import gates

    gates(settings(home)).acknowledge(campaign, by, note)
    typer.echo(f"{campaign}: acknowledged by {by}; the next run publishes.")
