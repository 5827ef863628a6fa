"""The landing data contract (DESIGN.md section 2) and the check that runs before dbt.

A landing folder holds one sub-folder (or one file) per table, as Parquet or CSV. The check
reads only file schemas, never the rows, so it is cheap on large folders. It fails with a
:class:`ContractError` that names the file, the column, what was found and what was expected.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq


class Kind(StrEnum):
    STRING = "string"
    TIMESTAMP = "timestamp"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    is_required: bool = True  # must exist as a column (values may still be null when nullable)
    is_nullable: bool = False
    # The dbt variable (dbt_project/dbt_project.yml `vars`) listing the allowed code values, for
    # columns whose values come from a fixed list; staging quarantines any other value.
    codes: str | None = None


@dataclass(frozen=True)
class TableContract:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    is_mandatory: bool = False
    # Whether the table takes the user's own `attr_<name>` columns (ATTRIBUTE_PREFIX) through
    # staging; on other tables they are ignored with a warning.
    accepts_attributes: bool = False
    # Whether those attributes are model features, in training and at scoring: true where they
    # are known before a campaign is sent (customers; campaigns, whose attr_<name> become
    # campaign_attr_<name> features). Contact attributes describe the send itself and do not
    # exist for an upcoming campaign: staged and kept for measurement, never features.
    attributes_are_features: bool = False

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


S, T, N, INT, B = Kind.STRING, Kind.TIMESTAMP, Kind.NUMBER, Kind.INTEGER, Kind.BOOLEAN
ATTRIBUTE_PREFIX = "attr_"
# Besides the mandatory tables, a landing needs at least one of these.
AT_LEAST_ONE_OF = ("orders", "contacts")

CONTRACT: dict[str, TableContract] = {
    t.name: t
    for t in (
        TableContract(
            "customers",
            ("customer_id",),
            (
                Column("customer_id", S),
                Column("signup_at", T),
                Column("region", S),
                Column("birth_year", INT, is_required=False, is_nullable=True),
                Column("gender", S, is_required=False, is_nullable=True),
                Column("email", S, is_required=False, is_nullable=True),
                Column("phone", S, is_required=False, is_nullable=True),
            ),
            is_mandatory=True,
            accepts_attributes=True,
            attributes_are_features=True,
        ),
        TableContract(
            "consents",
            ("customer_id", "channel"),
            (
                Column("customer_id", S),
                Column("channel", S, codes="consent_channels"),
                Column("is_opted_in", B),
                Column("updated_at", T),
            ),
        ),
        TableContract(
            "orders",
            ("order_id",),
            (
                Column("order_id", S),
                Column("customer_id", S),
                Column("ordered_at", T),
                Column("amount", N),
                Column("category", S),
                Column("channel", S, codes="order_channels"),
                Column("status", S, codes="order_statuses"),
            ),
        ),
        TableContract(
            "events",
            ("event_id",),
            (
                Column("event_id", S),
                Column("customer_id", S),
                Column("occurred_at", T),
                Column("event_type", S, codes="event_types"),
                Column("category", S, is_required=False, is_nullable=True),
            ),
        ),
        TableContract(
            "campaigns",
            ("campaign_id",),
            (
                Column("campaign_id", S),
                Column("name", S),
                Column("channel", S, codes="consent_channels"),
                Column("category", S, is_required=False, is_nullable=True),
                Column("starts_at", T),
                Column("response_window_days", INT),
                Column("cost_per_contact", N),
                Column("value_per_response", N),
            ),
            accepts_attributes=True,
            attributes_are_features=True,
        ),
        TableContract(
            "contacts",
            ("campaign_id", "customer_id"),
            (
                Column("campaign_id", S),
                Column("customer_id", S),
                Column("contacted_at", T),
                Column("is_control", B),
            ),
            accepts_attributes=True,
        ),
        TableContract(
            "responses",
            ("campaign_id", "customer_id"),
            (
                Column("campaign_id", S),
                Column("customer_id", S),
                Column("responded_at", T),
                Column("revenue", N),
            ),
        ),
    )
}

# Physical types a landing file may use for each kind. Strings are accepted for every kind:
# staging casts them safely and quarantines values that do not parse.
_ACCEPTS: dict[Kind, tuple] = {
    S: (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer),
    T: (pa.types.is_timestamp, pa.types.is_date, pa.types.is_string, pa.types.is_large_string),
    N: (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal, pa.types.is_string),
    INT: (pa.types.is_integer, pa.types.is_string),
    B: (pa.types.is_boolean, pa.types.is_integer, pa.types.is_string),
}


def is_attribute(column: str) -> bool:
    """A user's own ``attr_<name>`` column (the prefix in any case, as dbt reads it)."""
    return column.lower().startswith(ATTRIBUTE_PREFIX)


def attribute_tables() -> tuple[str, ...]:
    """The tables whose ``attr_*`` columns flow through staging."""
    return tuple(name for name, table in CONTRACT.items() if table.accepts_attributes)


def feature_attribute_tables() -> tuple[str, ...]:
    """The tables whose ``attr_*`` columns are model features (known before a send)."""
    return tuple(name for name, table in CONTRACT.items() if table.attributes_are_features)


def is_usable_attribute_name(column: str) -> bool:
    """``attr_`` then letters, digits and underscores only: dbt writes the name into SQL
    unquoted, so any other character would break the build (or change the SQL)."""
    rest = column[len(ATTRIBUTE_PREFIX) :]
    return is_attribute(column) and rest.isascii() and rest.replace("_", "").isalnum()


class ContractError(ValueError):
    """Landing data does not meet the contract; the message says where and what to do."""


@dataclass(frozen=True)
class LandingTable:
    name: str
    files: tuple[Path, ...]  # empty when an optional table is absent
    file_format: str  # "parquet", "csv" or "none"
    columns: tuple[str, ...]  # every column found (contract columns first, then attr_* and extras)
    extra_columns: tuple[str, ...]  # columns outside the contract (attr_* flow through)

    def __post_init__(self) -> None:
        if not CONTRACT[self.name].accepts_attributes:
            return  # ignored with a warning, never read
        unusable = [c for c in self.attribute_columns if not is_usable_attribute_name(c)]
        if unusable:
            raise ContractError(
                f"Table '{self.name}' ({self.files[0].parent if self.files else self.name}): "
                f"attribute column(s) {', '.join(repr(c) for c in unusable)} must be named "
                "attr_ followed by letters, digits and underscores only; rename them."
            )

    @property
    def attribute_columns(self) -> tuple[str, ...]:
        """The user's own ``attr_*`` columns, when the table takes them."""
        if not CONTRACT[self.name].accepts_attributes:
            return ()
        return tuple(c for c in self.extra_columns if is_attribute(c))

    @property
    def unknown_columns(self) -> tuple[str, ...]:
        """Extra columns that are not ``attr_*`` of a table taking attributes: ignored, with a
        warning."""
        if not CONTRACT[self.name].accepts_attributes:
            return self.extra_columns
        return tuple(c for c in self.extra_columns if not is_attribute(c))


@dataclass(frozen=True)
class LandingInventory:
    root: Path
    tables: dict[str, LandingTable]

    @property
    def warnings(self) -> list[str]:
        return [
            f"{self.root / t.name}: column '{c}' of table '{t.name}' is not in the contract; it "
            "is ignored ("
            + (
                "rename it attr_<name> to use it as a feature)."
                if CONTRACT[t.name].accepts_attributes
                else f"attr_* columns are taken on {', '.join(attribute_tables())} only)."
            )
            for t in self.tables.values()
            for c in t.unknown_columns
        ]


# Landing file names Bullseye reads: letters, digits, dot, dash, underscore and "=" (Hive-style
# partitions), starting with a letter or digit. Anything else (quotes, semicolons, spaces,
# parentheses) is refused: a file name must never be able to change the SQL that reads it.
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=-]{0,254}")


def _check_file_names(files: tuple[Path, ...], table: str) -> None:
    unsafe = [f.name for f in files if not SAFE_FILE_NAME.fullmatch(f.name)]
    if unsafe:
        raise ContractError(
            f"Landing table '{table}': {len(unsafe)} file name(s) outside the allowed pattern "
            f"(letters, digits, '.', '-', '_', '='; starting with a letter or digit): "
            f"{', '.join(repr(n) for n in unsafe[:3])}. Rename or remove them; nothing was read."
        )


def _find_files(root: Path, table: str) -> tuple[tuple[Path, ...], str]:
    folder = root / table
    for fmt in ("parquet", "csv"):
        if folder.is_dir():
            files = tuple(sorted(folder.glob(f"*.{fmt}")))
        else:
            single = root / f"{table}.{fmt}"
            files = (single,) if single.is_file() else ()
        if files:
            return files, fmt
    return (), "none"


def _file_schema(path: Path, fmt: str) -> pa.Schema:
    if fmt == "parquet":
        return pq.read_schema(path)
    with duckdb.connect() as con:  # the path is a bound parameter, never SQL text
        sql = "select * from read_csv(?, header = true) limit 0"
        return con.execute(sql, [path.as_posix()]).arrow().schema


def check_landing(root: Path) -> LandingInventory:
    """Check every landing table's files against the contract and list what was found."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise ContractError(f"Landing folder {root} does not exist.")
    tables: dict[str, LandingTable] = {}
    for contract in CONTRACT.values():
        files, fmt = _find_files(root, contract.name)
        if not files:
            if contract.is_mandatory:
                raise ContractError(
                    f"Table '{contract.name}' is missing: expected "
                    f"{root / contract.name}/*.parquet (or *.csv) with columns "
                    f"{', '.join(c.name for c in contract.columns)}."
                )
            tables[contract.name] = LandingTable(contract.name, (), "none", (), ())
            continue
        _check_file_names(files, contract.name)
        seen: list[str] = []
        for path in files:
            schema = _file_schema(path, fmt)
            for column in contract.columns:
                if column.name not in schema.names:
                    if column.is_required:
                        raise ContractError(
                            f"{path}: required column '{column.name}' of table '{contract.name}' "
                            f"is missing (found: {', '.join(schema.names)})."
                        )
                    continue
                found = schema.field(column.name).type
                if not pa.types.is_null(found) and not any(
                    accepts(found) for accepts in _ACCEPTS[column.kind]
                ):
                    raise ContractError(
                        f"{path}: column '{column.name}' of table '{contract.name}' has type "
                        f"{found}, expected {column.kind.value}."
                    )
            seen.extend(n for n in schema.names if n not in seen)
        known = [c.name for c in contract.columns]
        extras = tuple(n for n in seen if n not in known)
        tables[contract.name] = LandingTable(
            contract.name, files, fmt, tuple(n for n in known if n in seen) + extras, extras
        )
    if not any(tables[name].files for name in AT_LEAST_ONE_OF):
        raise ContractError(
            f"{root}: neither 'orders' nor 'contacts' was found; at least one of them is required."
        )
    return LandingInventory(root, tables)
