"""One mapped column's values: picked or derived from the source rows, translated by the value
map, then converted to the landing type with pandas.

A value that does not convert is not fatal, as in staging: in a contract column it is written
as its text (the column becomes text) so staging quarantines the row as ``invalid_<column>`` and
keeps the value to look at; in an attribute it becomes null. Only when no value converts at
all (a wrong date format, the wrong column) is it a :class:`MappingError`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bullseye.adapters.mapping.spec import ColumnSpec, MappingError
from bullseye.core.contract import Kind

TRUE_TEXT = frozenset({"true", "t", "1", "yes", "y"})  # what staging's boolean cast reads
FALSE_TEXT = frozenset({"false", "f", "0", "no", "n"})
EXAMPLES = 3


@dataclass(frozen=True)
class Target:
    """Where a column lands, for messages and the failure rule."""

    where: str  # "<mapping file>: table 'orders', column 'amount'"
    name: str  # the landing column
    kind: Kind | None  # None: an attribute without a cast keeps the source type
    is_contract_column: bool


def as_text(value: object) -> str:
    """A source value as text: booleans as true/false, whole floats without '.0'."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    return str(value)


def text(series: pd.Series) -> pd.Series:
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series.astype(object)
    return series.map(as_text, na_action="ignore").astype(object)


def _examples(values: pd.Series) -> str:
    return ", ".join(repr(v) for v in values.drop_duplicates().head(EXAMPLES))


def _picked(frame: pd.DataFrame, spec: ColumnSpec) -> pd.Series:
    if spec.column is not None:
        return frame[spec.column]
    if spec.concat is not None:
        first, *rest = (text(frame[c]) for c in spec.concat)
        return first.str.cat(rest, sep=spec.separator) if rest else first  # null if a part is
    if spec.date_parts is not None:
        parts = spec.date_parts
        year, month = text(frame[parts.year]), text(frame[parts.month])
        day = text(frame[parts.day]) if parts.day else pd.Series("1", index=frame.index)
        return year.str.cat([month.str.zfill(2), day.str.zfill(2)], sep="-")
    return pd.Series([spec.constant] * len(frame), index=frame.index, dtype=object)


def _mapped(values: pd.Series, spec: ColumnSpec, target: Target) -> pd.Series:
    if spec.map is None:
        return values
    lookup = {as_text(k): v for k, v in spec.map.items()}
    keys = text(values).str.strip()
    matched = keys.isin(list(lookup))
    unmapped = values.notna() & ~matched
    if unmapped.any() and spec.unmapped == "error":
        counts = keys[unmapped].value_counts().head(5)
        listed = ", ".join(f"{k!r} ({n} rows)" for k, n in counts.items())
        raise MappingError(
            f"{target.where}: {int(unmapped.sum())} values are not in the value map: {listed}. "
            "Add them to map, or set unmapped: keep or null."
        )
    result = values.astype(object).where(~matched, keys.map(lookup))
    return result.where(~unmapped, None) if spec.unmapped == "null" else result


def _number(values: pd.Series, decimal: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    written = text(values).str.strip()
    if decimal == ",":
        written = written.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    return pd.to_numeric(written, errors="coerce").astype("float64")


def _boolean(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    lowered = text(values).str.strip().str.lower()
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    result[lowered.isin(TRUE_TEXT)] = True
    result[lowered.isin(FALSE_TEXT)] = False
    return result


def _parse_times(written: pd.Series, form: str, zone: str | None) -> pd.Series:
    if zone is None:  # the contract's rule: no offset means UTC
        return pd.to_datetime(written, format=form, errors="coerce", utc=True)
    with warnings.catch_warnings():  # pandas warns before giving mixed offsets as objects
        warnings.simplefilter("ignore", FutureWarning)
        parsed = pd.to_datetime(written, format=form, errors="coerce")
    if not pd.api.types.is_datetime64_any_dtype(parsed):  # offsets that differ by row (DST)
        parsed = pd.to_datetime(written, format=form, errors="coerce", utc=True)
    return parsed


def _timestamp(values: pd.Series, spec: ColumnSpec) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    elif pd.api.types.infer_dtype(values, skipna=True) in ("date", "datetime"):
        parsed = pd.to_datetime(values, errors="coerce", utc=spec.timezone is None)
    else:
        # date_parts are composed as year-month-day text
        form = "%Y-%m-%d" if spec.date_parts else spec.format or "ISO8601"
        parsed = _parse_times(text(values).str.strip(), form, spec.timezone)
    if parsed.dt.tz is None and spec.timezone:
        # The hour repeated when clocks go back is read as standard time, and a time skipped
        # when they go forward as the first time after the gap, so no value is lost.
        standard_time = np.zeros(len(parsed), dtype=bool)
        parsed = parsed.dt.tz_localize(
            spec.timezone, ambiguous=standard_time, nonexistent="shift_forward"
        )
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)  # the contract's UTC
    return parsed.astype("datetime64[us]")


def _converted(values: pd.Series, kind: Kind | None, spec: ColumnSpec) -> pd.Series:
    if kind is None:
        mixed = pd.api.types.infer_dtype(values, skipna=True).startswith("mixed")
        return text(values) if mixed else values
    if kind is Kind.STRING:
        return text(values)
    if kind is Kind.NUMBER:
        return _number(values, spec.decimal)
    if kind is Kind.INTEGER:
        numbers = _number(values, spec.decimal)
        return numbers.where(numbers % 1 == 0).astype("Int64")
    if kind is Kind.BOOLEAN:
        return _boolean(values)
    return _timestamp(values, spec)


def column_values(
    frame: pd.DataFrame, spec: ColumnSpec, target: Target
) -> tuple[pd.Series, list[str]]:
    """The landing values of one column, and warnings about values that did not convert."""
    values = _mapped(_picked(frame, spec), spec, target)
    converted = _converted(values, target.kind, spec)
    failed = values.notna() & converted.isna()
    if not failed.any():
        return converted, []
    present = int(values.notna().sum())
    examples = _examples(values[failed])
    kind = target.kind.value if target.kind else "its type"
    if int(failed.sum()) == present:
        hint = f" with format {spec.format!r}" if spec.format else ""
        raise MappingError(
            f"{target.where}: none of the {present} values converts to {kind}{hint} "
            f"(e.g. {examples}). Check the source column, format, decimal or map."
        )
    message = (
        f"{target.where}: {int(failed.sum())} of {present} values are not {kind} "
        f"(e.g. {examples}); "
    )
    if not target.is_contract_column:
        return converted.where(~failed, None), [message + "they are written as null."]
    kept = text(converted).where(~failed, text(values))
    return kept, [
        message + f"they are kept as text, and staging quarantines those rows as "
        f"invalid_{target.name}."
    ]
