"""The allowed code values of the landing contract (channels, order statuses, event types).

One list each, kept where dbt reads them: the ``vars`` of ``dbt_project/dbt_project.yml``, which
staging compares values against (``in_list``) and quarantines any other value as
``unknown_<column>``. Python reads the same file, so ``bullseye contract``, the JSON Schema and
the mapping importer cannot drift from what staging enforces. Which column takes which list is
the contract's ``Column.codes`` (bullseye/core/contract.py).
"""

from __future__ import annotations

import functools

import yaml

from bullseye.core.contract import CONTRACT, Column
from bullseye.core.settings import DBT_PROJECT_DIR

DBT_PROJECT_FILE = DBT_PROJECT_DIR / "dbt_project.yml"


@functools.cache
def code_values() -> dict[str, tuple[str, ...]]:
    """Every list the contract refers to, by its dbt variable name, in the file's order."""
    declared = yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]
    names = sorted({c.codes for t in CONTRACT.values() for c in t.columns if c.codes})
    return {name: tuple(str(v) for v in declared[name]) for name in names}


def allowed_values(column: Column) -> tuple[str, ...] | None:
    """The values ``column`` may take (compared trimmed and lower-cased), or None if free."""
    return code_values()[column.codes] if column.codes else None


def code_columns(codes: str) -> tuple[str, ...]:
    """The ``table.column`` names that take the list ``codes``."""
    return tuple(
        f"{t.name}.{c.name}" for t in CONTRACT.values() for c in t.columns if c.codes == codes
    )
