"""``bullseye import table``: the user's own CSV or Parquet exports -> landing tables, through a
mapping file (bullseye/adapters/mapping/spec.py).

Everything happens in pandas and pyarrow: no user value (file name, column name, constant)
reaches SQL text. Every table is converted before anything is written; then each table's
folder ``<out>/landing/<table>/`` is replaced by one ``part-0.parquet`` (tables the mapping does
not name are left as they are), and the landing folder goes through the contract check.
"""

from __future__ import annotations

import difflib
import glob
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bullseye.adapters.mapping.loading import load_mapping, table_label
from bullseye.adapters.mapping.spec import (
    ColumnSpec,
    CsvOptions,
    MappingError,
    TableSpec,
    attribute_column,
)
from bullseye.adapters.mapping.values import Target, column_values, text
from bullseye.core.codes import allowed_values
from bullseye.core.contract import CONTRACT, Kind, LandingInventory, check_landing

PARQUET_SUFFIXES = (".parquet", ".pq")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
PART_FILE = "part-0.parquet"
_ARROW = {
    Kind.STRING: pa.string(),
    Kind.TIMESTAMP: pa.timestamp("us"),
    Kind.NUMBER: pa.float64(),
    Kind.INTEGER: pa.int64(),
    Kind.BOOLEAN: pa.bool_(),
}


@dataclass(frozen=True)
class ImportResult:
    landing_dir: Path
    rows: dict[str, int]  # rows written per mapped table
    sources: dict[str, tuple[Path, ...]]  # the files each table was read from
    warnings: tuple[str, ...]  # values that did not convert or map, unknown codes, extras
    inventory: LandingInventory


def source_files(spec: TableSpec, base: Path, where: str) -> tuple[Path, ...]:
    """The files of ``spec.source`` (names or globs, relative to ``base``), in order."""
    found: list[Path] = []
    for pattern in spec.sources():
        matched = sorted(glob.glob(pattern, root_dir=base, recursive=True))
        files = [base / m for m in matched if (base / m).is_file()]
        if not files:
            raise MappingError(f"{where}: no file matches source {pattern!r} (in {base}).")
        found += [f for f in files if f not in found]
    return tuple(found)


def _missing(needed: dict[str, str], names: list[str], path: Path, where: str) -> None:
    for column, target in needed.items():
        if column not in names:
            close = difflib.get_close_matches(column, names, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise MappingError(
                f"{where}: source column {column!r} (for {target}) is not in {path} (its "
                f"columns: {', '.join(names[:30])}){hint}"
            )


def read_source(path: Path, needed: dict[str, str], csv: CsvOptions, where: str) -> pd.DataFrame:
    """The ``needed`` columns (source column: the landing column it feeds) of one source file;
    CSV values as text, so ids keep their leading zeros."""
    suffix = path.suffix.lower()
    try:
        if suffix in PARQUET_SUFFIXES:
            _missing(needed, pq.read_schema(path).names, path, where)
            return pq.read_table(path, columns=list(needed)).to_pandas()
        if suffix not in CSV_SUFFIXES:
            raise MappingError(
                f"{where}: {path} is neither CSV ({', '.join(CSV_SUFFIXES)}) nor Parquet "
                f"({', '.join(PARQUET_SUFFIXES)})."
            )
        options = {"sep": csv.delimiter, "encoding": csv.encoding, "dtype": str}
        header = pd.read_csv(path, nrows=0, **options).columns.tolist()
        _missing(needed, header, path, where)
        return pd.read_csv(
            path,
            usecols=list(needed),
            keep_default_na=False,
            na_values=["", *csv.null_values],  # and nothing else: "NA" may be a region
            **options,
        )
    except (UnicodeDecodeError, LookupError) as error:
        raise MappingError(
            f"{where}: {path} cannot be read as {csv.encoding} text ({error}); set csv: "
            "{encoding: ...} for this table (e.g. latin-1 or cp1252)."
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, pa.ArrowException, OSError) as error:
        raise MappingError(f"{where}: {path} cannot be read: {error}") from None


def _targets(name: str, spec: TableSpec, where: str) -> list[tuple[ColumnSpec, Target]]:
    """Each mapped column with where it lands: contract columns in the contract's order, then
    the attributes."""
    targets = [
        (spec.columns[c.name], Target(f"{where}, column '{c.name}'", c.name, c.kind, True))
        for c in CONTRACT[name].columns
        if c.name in spec.columns
    ]
    for attribute, column in spec.attributes.items():
        landed = attribute_column(attribute)
        where_attr = f"{where}, attribute '{landed}'"
        targets.append((column, Target(where_attr, landed, column.attribute_kind(), False)))
    return targets


def shown(path: Path, base: Path) -> str:
    """A source file as the mapping names it: relative to the mapping's folder if inside."""
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)


def build_table(
    name: str, spec: TableSpec, files: tuple[Path, ...], base: Path, where: str
) -> tuple[pd.DataFrame, list[str]]:
    """One landing table from its source files, and the warnings about its values."""
    named = ", ".join(shown(p, base) for p in files[:3]) + (", ..." if len(files) > 3 else "")
    where = f"{where} (from {named})"
    targets = _targets(name, spec, where)
    needed: dict[str, str] = {}
    for column, target in targets:
        for source in column.source_columns():
            needed.setdefault(source, target.name)
    if not needed:
        raise MappingError(f"{where}: no column comes from the source files (only constants).")
    rows = pd.concat(
        [read_source(path, needed, spec.csv, where) for path in files], ignore_index=True
    )
    frame = pd.DataFrame(index=rows.index)
    warnings: list[str] = []
    for column, target in targets:
        frame[target.name], found = column_values(rows, column, target)
        warnings += found
    return frame, warnings + _code_warnings(name, frame, where)


def _arrow_table(frame: pd.DataFrame, name: str) -> pa.Table:
    """Contract columns in their kind's type, or as text where a value did not convert (staging
    quarantines it); attributes in the type pyarrow gives them (text when empty)."""
    kinds = {c.name: c.kind for c in CONTRACT[name].columns}
    arrays = {}
    for column, series in frame.items():
        if column not in kinds:
            found = pa.array(series, from_pandas=True)
            arrays[column] = found.cast(pa.string()) if pa.types.is_null(found.type) else found
            continue
        try:
            arrays[column] = pa.array(series, type=_ARROW[kinds[column]], from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, ValueError):
            arrays[column] = pa.array(text(series), type=pa.string(), from_pandas=True)
    return pa.table(arrays)


def write_tables(landing: Path, frames: dict[str, pd.DataFrame]) -> None:
    """Write every table aside, then swap each table's folder in: a failure while writing
    leaves the landing folder as it was."""
    landing.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=landing))
    try:
        for name, frame in frames.items():
            (staging / name).mkdir()
            pq.write_table(_arrow_table(frame, name), staging / name / PART_FILE)
        for name in frames:
            shutil.rmtree(landing / name, ignore_errors=True)
            os.replace(staging / name, landing / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def import_tables(mapping_path: Path, out: Path) -> ImportResult:
    """Read the mapping, build every table it names, write them to ``<out>/landing`` and check
    the landing folder against the contract."""
    mapping_path = Path(mapping_path)
    mapping = load_mapping(mapping_path)
    base = mapping_path.resolve().parent
    frames, sources, warnings = {}, {}, []
    for name, parts in mapping.tables.items():
        built, sources[name] = [], ()
        for part, spec in enumerate(parts):
            where = f"{mapping_path}: {table_label(name, part, len(parts))}"
            files = source_files(spec, base, where)
            frame, found = build_table(name, spec, files, base, where)
            built.append(frame)
            sources[name] += tuple(f for f in files if f not in sources[name])
            warnings += found
        frames[name] = pd.concat(built, ignore_index=True) if len(built) > 1 else built[0]
    landing = Path(out) / "landing"
    write_tables(landing, frames)
    inventory = check_landing(landing)
    return ImportResult(
        landing_dir=landing,
        rows={name: len(frame) for name, frame in frames.items()},
        sources=sources,
        warnings=tuple(warnings + inventory.warnings),
        inventory=inventory,
    )


def _code_warnings(name: str, frame: pd.DataFrame, where: str) -> list[str]:
    warnings = []
    for column in CONTRACT[name].columns:
        allowed = allowed_values(column)
        if allowed is None or column.name not in frame:
            continue
        written = text(frame[column.name]).str.strip()
        outside = written[written.notna() & ~written.str.lower().isin(allowed)]
        if len(outside):
            counts = ", ".join(f"{v!r} ({n})" for v, n in outside.value_counts().head(5).items())
            warnings.append(
                f"{where}, column '{column.name}': {len(outside)} row(s) have values outside "
                f"{column.codes} ({', '.join(allowed)}): {counts}; staging quarantines them as "
                f"unknown_{column.name} (translate them with map)."
            )
    return warnings
