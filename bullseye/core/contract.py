"""The landing data contract and the check that runs before dbt.

A landing folder holds one sub-folder (or one file) per table, as Parquet or CSV. The check
reads file schemas and the bytes of CSV files (encoding), never loading rows
(``bullseye.core.landing_files``). It fails with a :class:`ContractError` that names the file,
the column, what was found and what to do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bullseye.core.landing_files import ACCEPTS, ColumnRule, ContractError, scan_table


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

# Each landed row carries the file it came from (both engines add it when they load the landing):
# incremental models load only files not seen yet.
LANDING_FILE_COLUMN = "_landing_file"

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
        # Optional, for recommendations: the catalogue (attr_<name> describe products) and lines.
        TableContract(
            "products",
            ("product_id",),
            (
                Column("product_id", S),
                Column("name", S, is_required=False, is_nullable=True),
                Column("category", S),
                Column("price", N, is_required=False, is_nullable=True),
            ),
            accepts_attributes=True,
        ),
        TableContract(
            "order_items",
            ("order_id", "product_id"),
            (
                Column("order_id", S),
                Column("product_id", S),
                Column("quantity", INT),
                Column("unit_price", N),
            ),
        ),
    )
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


@dataclass(frozen=True)
class LandingTable:
    name: str
    files: tuple[Path, ...]  # empty when an optional table is absent
    file_format: str  # "parquet", "csv" or "none"
    columns: tuple[str, ...]  # every column found (contract columns first, then attr_* and extras)
    extra_columns: tuple[str, ...]  # columns outside the contract (attr_* flow through)
    empty_files: tuple[Path, ...] = ()  # files with a header (or schema) and no row

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
            f"{path}: has no data rows (only a header or an empty schema)."
            for t in self.tables.values()
            for path in t.empty_files
        ] + [
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


def check_landing(root: Path) -> LandingInventory:
    """Check every landing table's files against the contract and list what was found."""
    root = Path(root).resolve()
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise ContractError(f"Landing folder {root} {what}: pass the folder of the tables.")
    tables: dict[str, LandingTable] = {}
    for contract in CONTRACT.values():
        rules = [
            ColumnRule(c.name, c.kind, c.is_required, ACCEPTS[c.kind]) for c in contract.columns
        ]
        found = scan_table(root, contract.name, rules, contract.is_mandatory)
        if not found.files and contract.is_mandatory:
            raise ContractError(
                f"Table '{contract.name}' is missing: expected {root / contract.name}/*.parquet "
                f"(or *.csv) with columns {', '.join(c.name for c in contract.columns)}."
            )
        known = [c.name for c in contract.columns]
        extras = tuple(n for n in found.columns if n not in known)
        columns = tuple(n for n in known if n in found.columns) + extras
        tables[contract.name] = LandingTable(
            contract.name, found.files, found.fmt, columns, extras, found.empty_files
        )
    if not any(tables[name].files for name in AT_LEAST_ONE_OF):
        raise ContractError(
            f"{root}: neither 'orders' nor 'contacts' was found; at least one of them is required."
        )
    return LandingInventory(root, tables)
