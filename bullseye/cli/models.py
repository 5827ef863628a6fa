"""``bullseye models``: the model registry."""

from __future__ import annotations

from pathlib import Path

import typer

from bullseye.cli.errors import user_errors
from bullseye.cli.options import HomeOption, TargetOption, console, settings

app = typer.Typer(help="The model registry: list, inspect, report, promote, roll back.")


def _models_dir(home: Path | None) -> Path:
    return settings(home).models_dir


def _checked(target: str, version: str | None = None) -> None:
    """Target and version name one folder of the registry each: no '/', no '..'."""
    from bullseye.core.ids import check_name

    check_name(target, "target")
    if version is not None:
        check_name(version, "model version or alias")


@app.command("list")
@user_errors
def models_list(target: TargetOption = "campaign_response", home: HomeOption = None) -> None:
    """Every version of a target, newest first, with its test metrics and aliases."""
    from rich.table import Table

    from ml.registry import store as registry

    _checked(target)
    models_dir = _models_dir(home)
    aliases = registry.aliases(models_dir, target)
    names = {v: k for k, v in aliases.items()}
    table = Table()
    table.add_column("version", no_wrap=True)
    table.add_column("alias", no_wrap=True)
    table.add_column("test ROC AUC", justify="right", no_wrap=True)
    table.add_column("baseline", justify="right", no_wrap=True)
    table.add_column("lift@10%", justify="right", no_wrap=True)
    for model in registry.list_versions(models_dir, target):
        m, b = model.meta.metrics, model.meta.baseline_metrics or {}
        table.add_row(
            model.version,
            names.get(model.version, ""),
            _fmt(m.get("roc_auc"), ".4f"),
            _fmt(b.get("roc_auc"), ".4f"),
            _fmt(m.get("top_decile_lift"), ".2f"),
        )
    console().print(table)


@app.command("show")
@user_errors(FileNotFoundError)
def models_show(
    version: str, target: TargetOption = "campaign_response", home: HomeOption = None
) -> None:
    """A version's metadata (features, params, metrics, split, calibration) as JSON."""
    import json

    from ml.registry import store as registry

    _checked(target, version)
    model = registry.resolve(_models_dir(home), target, version)
    typer.echo(json.dumps(model.meta.as_json(), indent=2))


@app.command("report")
@user_errors(FileNotFoundError)
def models_report(
    version: str = "champion", target: TargetOption = "campaign_response", home: HomeOption = None
) -> None:
    """(Re)write a version's HTML model report and print its path."""
    from bullseye.reports import write_version_report
    from ml.registry import store as registry

    _checked(target, version)
    model = registry.resolve(_models_dir(home), target, version)
    typer.echo(str(write_version_report(model)))


@app.command("promote")
@user_errors(FileNotFoundError)
def models_promote(
    version: str, target: TargetOption = "campaign_response", home: HomeOption = None
) -> None:
    """Make a version champion (scoring uses the champion)."""
    from bullseye.core.locks import warehouse_lock
    from ml.registry import store as registry

    _checked(target, version)
    config = settings(home)
    with warehouse_lock(config, "bullseye models promote"):  # never between a run's reads
        registry.promote(config.models_dir, target, version)
    typer.echo(f"{target}: {version} is champion")


@app.command("rollback")
@user_errors(ValueError)
def models_rollback(target: TargetOption = "campaign_response", home: HomeOption = None) -> None:
    """Return to the previous champion."""
    from bullseye.core.locks import warehouse_lock
    from ml.registry import store as registry

    _checked(target)
    config = settings(home)
    with warehouse_lock(config, "bullseye models rollback"):
        previous = registry.rollback(config.models_dir, target)
    typer.echo(f"{target}: {previous} is champion again")


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)
