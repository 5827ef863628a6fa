"""The landing files of a table: finding them, checking their bytes before their schema is read,
and, when a build could not read the landing, finding which file is at fault.

Every problem is a ``ContractError`` naming the file, what is wrong and what to do: an empty
file, a CSV that is not UTF-8 or starts with a byte-order mark, a file that is not readable
Parquet, a folder that mixes formats or holds no data file.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

FORMATS = ("parquet", "csv")
_CHUNK = 1 << 20


class ContractError(ValueError):
    """Landing data does not meet the contract; the message says where and what to do."""


# Landing file names Bullseye reads: letters, digits, dot, dash, underscore and "=" (Hive-style
# partitions), starting with a letter or digit. Anything else (quotes, semicolons, spaces,
# parentheses) is refused: a file name must never be able to change the SQL that reads it.
SAFE_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._=-]{0,254}")


def check_file_names(files: tuple[Path, ...], table: str) -> None:
    unsafe = [f.name for f in files if not SAFE_FILE_NAME.fullmatch(f.name)]
    if unsafe:
        raise ContractError(
            f"Landing table '{table}': {len(unsafe)} file name(s) outside the allowed pattern "
            f"(letters, digits, '.', '-', '_', '='; starting with a letter or digit): "
            f"{', '.join(repr(n) for n in unsafe[:3])}. Rename or remove them; nothing was read."
        )


def find_files(root: Path, table: str) -> tuple[tuple[Path, ...], str]:
    """The table's files and their format: ``<root>/<table>/*.parquet`` (or ``*.csv``), or a
    single ``<root>/<table>.parquet`` (or ``.csv``); ``((), "none")`` when there is none. A
    folder holding both formats, or no data file at all, is refused: one of its files would
    otherwise be silently ignored."""
    folder = root / table
    if folder.is_dir():
        found = {fmt: tuple(sorted(folder.glob(f"*.{fmt}"))) for fmt in FORMATS}
        if all(found.values()):
            raise ContractError(
                f"{folder}: holds both Parquet ({len(found['parquet'])}) and CSV "
                f"({len(found['csv'])}) files; Bullseye reads one format per table. Convert "
                "them to one format, or move the others out of the folder."
            )
        for fmt in FORMATS:
            if found[fmt]:
                return found[fmt], fmt
        others = sorted(p.name for p in folder.iterdir() if not p.name.startswith((".", "_")))
        if others:
            raise ContractError(
                f"{folder}: holds no *.parquet or *.csv file (found: {', '.join(others[:5])}). "
                "Export the table as Parquet or CSV (uncompressed, one of these extensions), or "
                "remove the folder if the table is not supplied."
            )
        return (), "none"
    for fmt in FORMATS:
        single = root / f"{table}.{fmt}"
        if single.is_file():
            return (single,), fmt
    return (), "none"


# Physical types a landing file may use for each kind of bullseye.core.contract.Kind (a StrEnum:
# its members are these keys). Strings are accepted for every kind: staging casts them safely
# and quarantines values that do not parse.
ACCEPTS: dict[str, tuple[Callable[[pa.DataType], bool], ...]] = {
    "string": (pa.types.is_string, pa.types.is_large_string, pa.types.is_integer),
    "timestamp": (
        pa.types.is_timestamp,
        pa.types.is_date,
        pa.types.is_string,
        pa.types.is_large_string,
    ),
    "number": (pa.types.is_integer, pa.types.is_floating, pa.types.is_decimal, pa.types.is_string),
    "integer": (pa.types.is_integer, pa.types.is_string),
    "boolean": (pa.types.is_boolean, pa.types.is_integer, pa.types.is_string),
}


@dataclass(frozen=True)
class ColumnRule:
    """A contract column as the file check needs it."""

    name: str
    kind: str
    is_required: bool
    accepts: tuple[Callable[[pa.DataType], bool], ...]  # physical types taken for its kind


@dataclass(frozen=True)
class TableFiles:
    """What a table's files hold: the files, their format, every column found (in order of
    first appearance) and the files with no data row."""

    files: tuple[Path, ...]
    fmt: str
    columns: tuple[str, ...]
    empty_files: tuple[Path, ...]


def scan_table(root: Path, table: str, rules: Sequence[ColumnRule], mandatory: bool) -> TableFiles:
    """Find a table's files and check each one's bytes, schema and columns against ``rules``."""
    files, fmt = find_files(root, table)
    if not files:
        return TableFiles((), "none", (), ())
    check_file_names(files, table)
    seen: list[str] = []
    empty: list[Path] = []
    for path in files:
        found = read_schema(path, fmt)
        check_columns(path, found.schema, table, rules)
        seen.extend(n for n in found.schema.names if n not in seen)
        if not found.has_rows:
            empty.append(path)
    if mandatory and len(empty) == len(files):
        raise ContractError(
            f"Table '{table}' has no rows: every file of it is empty "
            f"({', '.join(str(p) for p in empty[:3])}). Nothing can be scored without them."
        )
    return TableFiles(files, fmt, tuple(seen), tuple(empty))


def check_columns(path: Path, schema: pa.Schema, table: str, rules: Sequence[ColumnRule]) -> None:
    """Every required column is there, and every contract column has an accepted type."""
    for rule in rules:
        if rule.name not in schema.names:
            if rule.is_required:
                raise ContractError(
                    f"{path}: required column '{rule.name}' of table '{table}' is missing "
                    f"(found: {', '.join(schema.names)}){column_hint(rule.name, schema)}."
                )
            continue
        found = schema.field(rule.name).type
        if not pa.types.is_null(found) and not any(accepts(found) for accepts in rule.accepts):
            raise ContractError(
                f"{path}: column '{rule.name}' of table '{table}' has type {found}, expected "
                f"{rule.kind}. Export it as {rule.kind} (or as text: staging quarantines the "
                "values that do not parse)."
            )


@dataclass(frozen=True)
class FileSchema:
    schema: pa.Schema
    has_rows: bool


def read_schema(path: Path, fmt: str) -> FileSchema:
    """The file's schema (and whether it has any data row) after checking its bytes."""
    if path.stat().st_size == 0:
        raise ContractError(
            f"{path}: the file is empty (0 bytes): not even a header. Re-export it, or remove "
            "it if the table has no rows."
        )
    if fmt == "parquet":
        try:
            metadata = pq.read_metadata(path)
        except (pa.ArrowException, OSError) as error:
            raise ContractError(
                f"{path}: not a readable Parquet file ({_first_line(error)}); it is truncated, "
                "corrupt or not Parquet. Re-export or re-copy it."
            ) from None
        return FileSchema(metadata.schema.to_arrow_schema(), metadata.num_rows > 0)
    has_rows = _check_csv_bytes(path)
    with duckdb.connect() as con:  # the path is a bound parameter, never SQL text
        sql = "select * from read_csv(?, header = true) limit 0"
        try:
            schema = con.execute(sql, [path.as_posix()]).arrow().schema
        except duckdb.Error as error:
            raise ContractError(
                f"{path}: the CSV header could not be read ({_first_line(error)}). Check that "
                "the first line names the columns, separated by commas."
            ) from None
    return FileSchema(schema, has_rows)


def column_hint(name: str, schema: pa.Schema) -> str:
    """What the user probably meant: a column differing only in case or spaces, or a header
    read as one column (another delimiter)."""
    near = [n for n in schema.names if n.strip().lower() == name.lower()]
    if near:
        return f"; '{near[0]}' differs only in case or spaces: column names must match exactly"
    if len(schema.names) == 1 and re.search(r"[;|\t]", schema.names[0]):
        return "; the header was read as a single column: separate columns with commas"
    return ""


def _check_csv_bytes(path: Path) -> bool:
    """Refuse a CSV that starts with a byte-order mark or is not UTF-8, naming the first bad
    line; returns whether any line follows the header. Reads the whole file once, in chunks:
    DuckDB samples only the start of a file, so a bad byte further down would otherwise fail
    the build later, far from its cause."""
    with path.open("rb") as handle:
        head = handle.read(4)
        if head.startswith(codecs.BOM_UTF8):
            raise ContractError(
                f"{path}: starts with a UTF-8 byte-order mark (BOM, bytes EF BB BF), which "
                "would become part of the first column's name. Save the file as UTF-8 without "
                "BOM (Excel's 'CSV UTF-8' adds one)."
            )
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ContractError(f"{path}: is UTF-16 encoded; save it as UTF-8 (without BOM).")
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        lines, offset, header_done, has_rows = 0, 0, False, False
        while chunk := handle.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                line = lines + chunk.count(b"\n", 0, error.start) + 1
                raise ContractError(
                    f"{path}: line {line:,} is not valid UTF-8 (byte 0x{chunk[error.start]:02x} "
                    f"at offset {offset + error.start:,}); the file is probably in a legacy "
                    "encoding such as Latin-1 or Windows-1252. Re-export it as UTF-8."
                ) from None
            if not has_rows:  # any non-blank byte after the header line is a data row
                rest = chunk
                if not header_done:
                    header_done, rest = b"\n" in chunk, chunk.partition(b"\n")[2]
                has_rows = bool(rest.strip())
            lines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise ContractError(
                f"{path}: ends in the middle of a UTF-8 character (truncated?). Re-export it "
                "as UTF-8."
            ) from None
    return has_rows


def unreadable_file(files: tuple[Path, ...], fmt: str) -> tuple[Path, str] | None:
    """The first of ``files`` that cannot be read to the end, and why (None when all can).
    Reads every row: for finding the culprit after a build failed, not for every run."""
    for path in files:
        try:
            if fmt == "parquet":
                with pq.ParquetFile(path) as parquet:
                    for group in range(parquet.num_row_groups):
                        parquet.read_row_group(group)
            else:
                with duckdb.connect() as con:
                    sql = "select count(*) from read_csv(?, header = true, all_varchar = true)"
                    con.execute(sql, [path.as_posix()]).fetchall()
        except (pa.ArrowException, OSError, duckdb.Error) as error:
            return path, _first_line(error)
    return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
