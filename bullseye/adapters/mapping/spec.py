"""The mapping file: which of the user's files and columns fill which landing table and column.

```yaml
tables:
  customers:
    source: exports/customers.csv        # a file, a glob or a list; relative to this file
    csv: {delimiter: ";"}                # optional: delimiter, encoding, null_values
    columns:
      customer_id: CustNo                # a source column
      signup_at: {column: Joined, format: "%d/%m/%Y"}
      region: {column: Area, map: {N: north, S: south}}
    attributes:                          # attr_* columns: your own features
      loyalty_tier: Tier                 # -> attr_loyalty_tier
```

A column is a source ``column``, a ``constant``, a ``concat`` of columns or a date from
``date_parts`` (year, month, day columns); a ``map`` translates values (codes, yes/no), ``cast``
sets the type written (default: the contract column's kind). Validated by pydantic, then
against the contract; every problem is a :class:`MappingError` naming the mapping file, the
table and the column (bullseye/adapters/mapping/loading.py).
"""

from __future__ import annotations

import re
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bullseye.core.contract import ATTRIBUTE_PREFIX, ContractError, Kind

Scalar = str | bool | int | float | None


class MappingError(ContractError):
    """The mapping file or the files it names cannot fill the landing contract."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvOptions(_Strict):
    delimiter: str = Field(",", min_length=1, max_length=1)
    encoding: str = "utf-8-sig"  # also reads plain UTF-8; drops a byte-order mark
    null_values: tuple[str, ...] = ()  # text read as null besides empty fields ("NULL")


class DateParts(_Strict):
    year: str
    month: str
    day: str | None = None  # the first of the month when absent


class ColumnSpec(_Strict):
    """Where one landing column's values come from, and how they are converted."""

    column: str | None = None
    constant: Scalar = None
    concat: tuple[str, ...] | None = Field(None, min_length=1)
    separator: str = ""
    date_parts: DateParts | None = None
    map: dict[str | bool | int | float, Scalar] | None = None
    unmapped: Literal["keep", "null", "error"] = "keep"
    cast: Kind | None = None
    format: str | None = None  # strptime format of a timestamp ("%d/%m/%Y %H:%M")
    timezone: str | None = None  # of timestamps without an offset (default UTC)
    decimal: Literal[".", ","] = "."

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, value: Any) -> Any:
        return {"column": value} if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_source(self) -> ColumnSpec:
        given = [
            name
            for name in ("column", "constant", "concat", "date_parts")
            if name in self.model_fields_set
        ]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of column, constant, concat or date_parts"
                + (f" (found {', '.join(given)})" if given else "")
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, zone: str | None) -> str | None:
        if zone is not None:
            try:
                ZoneInfo(zone)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {zone!r} (e.g. Europe/Berlin)") from None
        return zone

    def attribute_kind(self) -> Kind | None:
        """The type an attribute is written as: its cast; a timestamp when it is a date; else
        the source's own type (None)."""
        if self.cast is None and (self.date_parts or self.format or self.timezone):
            return Kind.TIMESTAMP
        return self.cast

    def source_columns(self) -> tuple[str, ...]:
        if self.column is not None:
            return (self.column,)
        if self.concat is not None:
            return self.concat
        if self.date_parts is not None:
            parts = self.date_parts
            return tuple(c for c in (parts.year, parts.month, parts.day) if c is not None)
        return ()


class TableSpec(_Strict):
    source: str | tuple[str, ...]
    csv: CsvOptions = CsvOptions()
    columns: dict[str, ColumnSpec]
    attributes: dict[str, ColumnSpec] = {}

    @field_validator("attributes", mode="before")
    @classmethod
    def _attribute_list(cls, value: Any) -> Any:
        # `attributes: [Tier, Home Store]` passes columns through as attr_tier, attr_home_store
        if isinstance(value, list):
            return {attribute_column(str(v)): v for v in value}
        return value

    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else self.source


class Mapping(_Strict):
    # A table is one spec, or a list of specs whose rows are appended (consents from an e-mail
    # and an SMS opt-in column, orders from two systems).
    tables: dict[str, tuple[TableSpec, ...]] = Field(min_length=1)

    @field_validator("tables", mode="before")
    @classmethod
    def _parts(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return value


def attribute_column(name: str) -> str:
    """The landing column of attribute ``name`` (``Tier``, ``tier`` or ``attr_tier``:
    ``attr_tier``): lower case, other characters as underscores."""
    words = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    return words if words.startswith(ATTRIBUTE_PREFIX) else ATTRIBUTE_PREFIX + words
