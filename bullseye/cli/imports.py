"""``bullseye import``: public data sets mapped into the landing contract."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.errors import user_errors

app = typer.Typer(help="Map a public data set into the landing contract.")


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
