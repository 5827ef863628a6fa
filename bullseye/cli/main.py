"""The root ``bullseye`` app: the global ``--debug`` option, the top-level commands and the
command groups (``import``, ``models``, ``monitor``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli import contract, imports, models, monitor, offers, runs, server
from bullseye.cli.errors import DEBUG_ENV, set_debug, user_errors
from bullseye.cli.options import HomeOption, console, settings

app = typer.Typer(
    help="Bullseye: precision-marketing pipeline (dbt, XGBoost + Optuna, Evidently, Prefect).",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def root(
    ctx: typer.Context,
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            envvar=DEBUG_ENV,
            help="Show the full traceback of data and configuration errors.",
        ),
    ] = False,
) -> None:
    set_debug(ctx, debug)


@user_errors
def generate(
    out: Annotated[Path, typer.Option(help="Output folder: <out>/landing and <out>/truth.")],
    customers: Annotated[int, typer.Option(min=100, help="Number of customers.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 42,
    drift: Annotated[bool, typer.Option("--drift", help="Make the newest 60 days differ.")] = False,
    dirty_share: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Dirty rows per clean row (default: a few %)."),
    ] = None,
) -> None:
    """Write synthetic landing data (Parquet) and its ground truth."""
    from bullseye.datagen import GeneratorConfig
    from bullseye.datagen import generate as run_generator

    config = GeneratorConfig(
        customers=customers, seed=seed, has_drift=drift, dirty_share=dirty_share
    )
    result = run_generator(out, config)
    typer.echo(f"Landing tables in {result.landing_dir}; ground truth in {result.truth_dir}")
    for table, rows in result.rows.items():
        typer.echo(f"  {table:<10} {rows:>12,} rows")


@user_errors
def check(landing: Annotated[Path, typer.Option(help="Landing folder.")]) -> None:
    """Check a landing folder against the data contract (no data is read, only schemas)."""
    from rich.table import Table

    from bullseye.core.contract import CONTRACT, check_landing

    inventory = check_landing(landing)
    table = Table()
    table.add_column("table", no_wrap=True)
    table.add_column("files", justify="right", no_wrap=True)
    table.add_column("format", no_wrap=True)
    table.add_column("attr_* columns")
    table.add_column("ignored columns")
    for name, found in inventory.tables.items():
        table.add_row(
            name,
            str(len(found.files)),
            found.file_format,
            ", ".join(found.attribute_columns),
            ", ".join(found.unknown_columns),
        )
    console().print(table)
    for warning in inventory.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    for name, found in inventory.tables.items():
        if found.attribute_columns and not CONTRACT[name].attributes_are_features:
            typer.echo(
                f"Note: {', '.join(found.attribute_columns)} of table '{name}' are staged and "
                "kept for measurement, not model features: they describe the send itself, so "
                "they do not exist when an upcoming campaign is scored.",
                err=True,
            )
    typer.echo("Contract check passed.")


@user_errors
def docs(home: HomeOption = None) -> None:
    """Generate the dbt docs site (models, columns, tests, lineage) from the built warehouse."""
    from bullseye.core.warehouse import generate_dbt_docs

    index = generate_dbt_docs(settings(home))
    typer.echo(f"dbt docs: {index} (serve with: cd {index.parent} && python -m http.server)")


# Top-level commands, in the order `bullseye --help` lists them; then the groups.
for command in (
    generate,
    contract.contract,
    check,
    runs.run,
    runs.train,
    runs.tune_worker,
    runs.plan_test,
    runs.evaluate,
    runs.score,
    offers.recommend,
    offers.value,
    server.serve,
    server.server,
    server.deploy,
    docs,
    runs.demo,
):
    app.command()(command)

app.add_typer(imports.app, name="import")
app.add_typer(models.app, name="models")
app.add_typer(monitor.app, name="monitor")
