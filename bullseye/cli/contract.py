"""``bullseye contract``: the landing contract, as tables for a person or as JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.errors import user_errors
from bullseye.cli.options import console


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _print_tables() -> None:
    from rich.table import Table

    from bullseye.core.codes import allowed_values, code_columns, code_values
    from bullseye.core.contract import (
        AT_LEAST_ONE_OF,
        CONTRACT,
        attribute_tables,
        feature_attribute_tables,
    )

    out = console()
    for table in CONTRACT.values():
        presence = "mandatory" if table.is_mandatory else "optional"
        rows = Table(title=f"{table.name} ({presence}; key: {', '.join(table.key)})")
        for heading in ("column", "type", "required", "nullable", "key", "allowed values"):
            rows.add_column(heading, no_wrap=heading != "allowed values")
        for column in table.columns:
            values = allowed_values(column)
            rows.add_row(
                column.name,
                column.kind.value,
                _yes(column.is_required),
                _yes(column.is_nullable),
                _yes(column.name in table.key),
                f"{column.codes}: {', '.join(values)}" if values else "",
            )
        if table.accepts_attributes:
            rows.add_row("attr_<name>", "any", "", "yes", "", "your own columns (see below)")
        out.print(rows)

    codes = Table(title="Allowed code values (trimmed and lower-cased before the comparison)")
    for heading in ("list", "columns", "values"):
        codes.add_column(heading)
    for name, values in code_values().items():
        codes.add_row(name, ", ".join(code_columns(name)), ", ".join(values))
    out.print(codes)

    takers = ", ".join(attribute_tables())
    staged_only = ", ".join(t for t in attribute_tables() if t not in feature_attribute_tables())
    others = ", ".join(n for n in CONTRACT if n not in attribute_tables())
    one_of = " or ".join(AT_LEAST_ONE_OF)
    typer.echo(
        f"Tables: {', '.join(n for n, t in CONTRACT.items() if t.is_mandatory)} and at least one "
        f"of {one_of} are needed; the others are optional. Timestamps are UTC (ISO 8601 text, "
        "or typed in Parquet). A value of another code, a value that does not cast to its type "
        "and a null in a non-nullable column are quarantined with the reason, not fatal.\n"
        f"Your own columns: name them attr_<name> on {takers}. Letters, digits and _ only. "
        f"On {', '.join(feature_attribute_tables())} they become model features, in training and "
        "at scoring (numbers stay numeric, text becomes categorical; a campaign's attr_<name> "
        "is the feature campaign_attr_<name>, and the upcoming campaign's row supplies it). "
        f"attr_* columns on {others} are ignored with a warning, as is any other column outside "
        "the contract."
        + (
            f" On {staged_only} they are staged and kept for measurement but are not features: "
            "they describe the send itself, so they do not exist when an upcoming campaign is "
            "scored."
            if staged_only
            else ""
        )
    )


@user_errors(OSError)
def contract(
    json_schema: Annotated[
        bool,
        typer.Option(
            "--json-schema",
            help="Write the contract as JSON Schema (draft 2020-12), to FILE or standard output.",
        ),
    ] = False,
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE", help="With --json-schema: the file to write (default: standard output)."
        ),
    ] = None,
) -> None:
    """The landing contract: tables, columns, types, keys, allowed code values, attr_* columns."""
    if file is not None and not json_schema:
        raise typer.BadParameter("FILE is where --json-schema writes; add --json-schema.")
    if not json_schema:
        _print_tables()
        return

    import json

    from bullseye.core.contract_schema import landing_json_schema

    schema = landing_json_schema()
    if file is None:
        typer.echo(json.dumps(schema, indent=2))
        return
    from bullseye.core.jsonio import write_json_atomic

    write_json_atomic(file, schema)
    typer.echo(f"JSON Schema of {len(schema['$defs'])} landing tables written to {file}")
