"""``bullseye import``: public data sets, or your own files through a mapping, mapped into the
landing contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.errors import user_errors

app = typer.Typer(help="Map a public data set, or your own files, into the landing contract.")


@app.command("online-retail-ii")
@user_errors(ValueError, FileNotFoundError)
def import_online_retail_ii(
    paths: Annotated[
        list[Path], typer.Argument(help="Online Retail II and/or Online Retail files.")
    ],
    out: Annotated[Path, typer.Option(help="Output folder: <out>/landing.")],
) -> None:
    """UCI Online Retail (II) invoice lines -> customers and orders."""
    from bullseye.adapters.online_retail import import_online_retail

    rows = import_online_retail(paths, out)
    typer.echo(f"Landing tables in {out / 'landing'}: {rows}")


@app.command("hillstrom")
@user_errors(ValueError, FileNotFoundError)
def import_hillstrom_command(
    path: Annotated[Path, typer.Argument(help="The Hillstrom MineThatData CSV.")],
    out: Annotated[Path, typer.Option(help="Output folder: <out>/landing.")],
    response: Annotated[
        str, typer.Option(help="What counts as a response: conversion or visit.")
    ] = "conversion",
) -> None:
    """Hillstrom's e-mail test -> two campaigns with a shared no-e-mail control group."""
    from bullseye.adapters.hillstrom import import_hillstrom

    rows = import_hillstrom(path, out, response)
    typer.echo(f"Landing tables in {out / 'landing'}: {rows}")


@app.command("table")
@user_errors
def import_table_command(
    mapping: Annotated[
        Path, typer.Option(help="YAML mapping: your files and columns -> the landing contract.")
    ],
    out: Annotated[Path, typer.Option(help="Output folder: <out>/landing/<table>/.")],
) -> None:
    """Your own CSV or Parquet exports -> landing tables, as a mapping file says (see
    `bullseye contract` and docs/your-data.md); then the contract check."""
    from rich.table import Table

    from bullseye.adapters.mapping.importer import import_tables, shown
    from bullseye.cli.options import console

    result = import_tables(mapping, out)
    table = Table()
    table.add_column("table", no_wrap=True)
    table.add_column("rows", justify="right", no_wrap=True)
    table.add_column("from")
    for name, rows in result.rows.items():
        files = ", ".join(shown(p, mapping.resolve().parent) for p in result.sources[name])
        table.add_row(name, f"{rows:,}", files)
    console().print(table)
    for warning in result.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    typer.echo(f"Landing tables in {result.landing_dir}; contract check passed.")
