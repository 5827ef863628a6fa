"""Reading a mapping file: YAML, then pydantic (bullseye/adapters/mapping/spec.py), then the
contract. Every problem is one :class:`MappingError` naming the file, the table and the column.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bullseye.adapters.mapping.spec import Mapping, MappingError, TableSpec, attribute_column
from bullseye.core.contract import ATTRIBUTE_PREFIX, CONTRACT, Kind, attribute_tables

# An attribute becomes a landing column that dbt names unquoted: plain lower-case words only.
ATTRIBUTE_NAME = re.compile(rf"{ATTRIBUTE_PREFIX}[a-z0-9_]{{1,58}}")


class _YamlLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 booleans: only true/false. YAML 1.1 also reads yes, no,
    on, off as booleans, which would turn a value map's keys ({yes: true, no: false}) and
    country codes (NO) into booleans; PyYAML has no switch for it, hence this subclass."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def table_label(name: str, part: int, parts: int) -> str:
    return f"table '{name}'" + (f" (part {part + 1})" if parts > 1 else "")


def _where(path: Path, loc: tuple, document: Any) -> str:
    where = [str(path)]
    if len(loc) > 1 and loc[0] == "tables":
        given = document["tables"].get(loc[1]) if isinstance(document, dict) else None
        part = loc[2] if len(loc) > 2 and isinstance(loc[2], int) else 0
        where.append(table_label(loc[1], part, 2 if isinstance(given, list) else 1))
        if len(loc) > 4 and loc[3] in ("columns", "attributes"):
            where.append(f"{'column' if loc[3] == 'columns' else 'attribute'} '{loc[4]}'")
    return ", ".join(where)


def _validation_message(path: Path, error: ValidationError, document: Any) -> str:
    problems = []
    for item in error.errors():
        loc = item["loc"]
        in_column = loc[:1] == ("tables",) and len(loc) > 4 and loc[3] in ("columns", "attributes")
        field = loc[5:] if in_column else loc[-1:]
        message = item["msg"].removeprefix("Value error, ")
        named = f" ({'.'.join(str(f) for f in field)})" if field else ""
        problems.append(f"{_where(path, loc, document)}: {message}{named}")
    return "; ".join(problems) + "."


def load_mapping(path: Path) -> Mapping:
    """Read and validate ``path`` (YAML), against the contract too."""
    path = Path(path)
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)  # safe
    except FileNotFoundError:
        raise MappingError(f"Mapping file {path} does not exist.") from None
    except UnicodeDecodeError as error:
        raise MappingError(f"{path} is not UTF-8 text ({error}).") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise MappingError(f"{path} is not valid YAML{at}: {problem}.") from None
    try:
        mapping = Mapping.model_validate(document)
    except ValidationError as error:
        raise MappingError(_validation_message(path, error, document)) from None
    problems = [
        problem
        for name, parts in mapping.tables.items()
        for part, table in enumerate(parts)
        for problem in contract_problems(name, table, table_label(name, part, len(parts)))
    ]
    if problems:
        raise MappingError(f"{path}: " + "; ".join(problems) + ".")
    return mapping


def contract_problems(name: str, table: TableSpec, label: str) -> list[str]:
    """What in one table's spec the contract refuses: unknown tables and columns, casts it does
    not take, required columns not mapped, attributes where they are not taken."""
    if name not in CONTRACT:
        return [f"unknown table '{name}' (the contract has {', '.join(CONTRACT)})"]
    contract = CONTRACT[name]
    known = {c.name: c for c in contract.columns}
    problems = []
    for column, spec in table.columns.items():
        if column not in known:
            problems.append(
                f"{label}: unknown column '{column}' (the contract's columns are "
                f"{', '.join(known)}; put your own columns under attributes)"
            )
        elif spec.cast not in (None, known[column].kind, Kind.STRING):
            problems.append(
                f"{label}, column '{column}': cast to {spec.cast.value} where the contract "
                f"takes {known[column].kind.value} (or string, which staging casts)"
            )
    kinds = [
        (c, s, s.cast or getattr(known.get(c), "kind", None)) for c, s in table.columns.items()
    ]
    kinds += [(a, s, s.attribute_kind()) for a, s in table.attributes.items()]
    for column, spec, kind in kinds:
        if (spec.format or spec.timezone) and kind != Kind.TIMESTAMP:
            problems.append(f"{label}, column '{column}': format and timezone are for timestamps")
        if spec.date_parts and kind != Kind.TIMESTAMP:
            problems.append(f"{label}, column '{column}': date_parts make a timestamp")
    missing = [c.name for c in contract.columns if c.is_required and c.name not in table.columns]
    if missing:
        problems.append(
            f"{label}: required column(s) {', '.join(missing)} not mapped (give a source "
            "column or a constant)"
        )
    if table.attributes and not contract.accepts_attributes:
        problems.append(
            f"{label} takes no attributes (attr_* columns are taken on "
            f"{', '.join(attribute_tables())})"
        )
    return problems + _attribute_problems(table, label)


def _attribute_problems(table: TableSpec, label: str) -> list[str]:
    problems, seen = [], {}
    for attribute in table.attributes:
        landed = attribute_column(attribute)
        if not (ATTRIBUTE_NAME.fullmatch(landed) and re.fullmatch(r"[A-Za-z0-9_]+", attribute)):
            problems.append(
                f"{label}, attribute '{attribute}': use letters, digits and underscores, at "
                "most 58 after attr_"
            )
        elif landed in seen:
            problems.append(
                f"{label}: attributes '{seen[landed]}' and '{attribute}' both land as {landed}"
            )
        seen[landed] = attribute
    return problems
