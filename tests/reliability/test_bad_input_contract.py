"""The contract half of the bad-input catalogue: landing folders, files and bytes that
`bullseye check` must refuse in one paragraph (exit 2, no traceback, the file and what to do),
or accept with a warning. Schema reads only: no dbt, no Prefect."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bullseye.cli import app

TS = pa.timestamp("us", tz="UTC")
CUSTOMERS = "customer_id,signup_at,region\nc1,2026-01-01 00:00:00,north\n"
ORDERS_HEADER = "order_id,customer_id,ordered_at,amount,category,channel,status\n"
ORDER = "o1,c1,2026-02-01 10:00:00,12.5,toys,web,completed\n"


def _parquet(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(data), path)


def _text(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)


def _customers(root: Path) -> None:
    _text(root / "customers" / "part-0.csv", CUSTOMERS)


def _orders_parquet(amount: pa.Array | None = None, **changes) -> dict:
    data = {
        "order_id": ["o1"],
        "customer_id": ["c1"],
        "ordered_at": pa.array([0], TS),
        "amount": amount if amount is not None else pa.array([12.5]),
        "category": ["toys"],
        "channel": ["web"],
        "status": ["completed"],
    }
    data |= changes
    return {k: v for k, v in data.items() if v is not None}  # None: leave the column out


def valid(root: Path) -> None:
    _customers(root)
    _text(root / "orders" / "part-0.csv", ORDERS_HEADER + ORDER)


@dataclass(frozen=True)
class ContractCase:
    name: str
    make: Callable[[Path], None]  # writes the landing into the folder it gets
    expected: tuple[str, ...]  # fragments of the error (or, with passes, of a warning)
    doc: str  # how docs/operations.md's "When something goes wrong" table names it
    passes: bool = False


def _case(name, make, *expected, doc, passes=False) -> ContractCase:
    return ContractCase(name, make, expected, doc, passes)


def _with(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def make(root: Path) -> None:
        for step in steps:
            step(root)

    return make


def _orders_csv(text: str | bytes, name: str = "part-0.csv"):
    return lambda root: _text(root / "orders" / name, text)


def _orders_pq(name: str = "part-0.parquet", **changes):
    return lambda root: _parquet(root / "orders" / name, _orders_parquet(**changes))


def _truncated(root: Path) -> None:
    _orders_pq()(root)
    path = root / "orders" / "part-0.parquet"
    path.write_bytes(path.read_bytes()[:-20])


LATIN1 = (ORDERS_HEADER + ORDER + "o2,c1,2026-02-01 10:00:00,3,caf\xe9,web,completed\n").encode(
    "latin-1"
)
CASES = [
    _case("missing landing folder", lambda root: None, "does not exist", doc="does not exist"),
    _case(
        "landing path is a file",
        lambda root: _text(root / "landing.csv", "x"),
        "is a file, not a folder",
        doc="is a file, not a folder",
    ),
    _case(
        "empty landing folder",
        lambda root: root.mkdir(),
        "Table 'customers' is missing",
        doc="is missing: expected",
    ),
    _case(
        "empty table folder",
        _with(lambda root: (root / "customers").mkdir(parents=True), _orders_csv(ORDERS_HEADER)),
        "Table 'customers' is missing",
        doc="is missing: expected",
    ),
    _case(
        "folder without data files",
        _with(_customers, lambda root: _text(root / "orders" / "orders.xlsx", b"PK")),
        "holds no *.parquet or *.csv file",
        "orders.xlsx",
        doc="holds no *.parquet or *.csv file",
    ),
    _case(
        "neither orders nor contacts",
        _customers,
        "neither 'orders' nor 'contacts'",
        doc="neither 'orders' nor 'contacts'",
    ),
    _case(
        "missing column (CSV)",
        _with(_customers, _orders_csv("order_id,customer_id,ordered_at\no1,c1,2026-01-01\n")),
        "required column 'amount'",
        "part-0.csv",
        doc="required column",
    ),
    _case(
        "missing column (Parquet)",
        _with(_customers, _orders_pq(status=None)),
        "required column 'status'",
        doc="required column",
    ),
    _case(
        "column name in another case",
        _with(_customers, _orders_csv(ORDERS_HEADER.replace("amount", "Amount") + ORDER)),
        "'Amount' differs only in case",
        doc="differs only in case",
    ),
    _case(
        "extra column",
        _with(_customers, _orders_csv(ORDERS_HEADER[:-1] + ",coupon\n" + ORDER[:-1] + ",x\n")),
        "column 'coupon' of table 'orders' is not in the contract",
        doc="is not in the contract",
        passes=True,
    ),
    _case(
        "wrong type (list)",
        _with(_customers, _orders_pq(amount=pa.array([[1, 2]]))),
        "column 'amount' of table 'orders' has type list",
        "expected number",
        doc="has type",
    ),
    _case(
        "wrong type (integer timestamp)",
        _with(_customers, _orders_pq(ordered_at=pa.array([0]))),
        "column 'ordered_at' of table 'orders' has type int64, expected timestamp",
        doc="has type",
    ),
    _case(
        "CSV not UTF-8",
        _with(_customers, _orders_csv(LATIN1)),
        "line 3 is not valid UTF-8",
        "byte 0xe9",
        "Re-export it as UTF-8",
        doc="is not valid UTF-8",
    ),
    _case(
        "CSV truncated inside a character",
        _with(_customers, _orders_csv((ORDERS_HEADER + ORDER).encode() + b"\xc3")),
        "ends in the middle of a UTF-8 character",
        doc="ends in the middle of a UTF-8 character",
    ),
    _case(
        "CSV with a UTF-8 BOM",
        _with(_customers, _orders_csv(b"\xef\xbb\xbf" + (ORDERS_HEADER + ORDER).encode())),
        "byte-order mark (BOM",
        "without BOM",
        doc="byte-order mark",
    ),
    _case(
        "CSV in UTF-16",
        _with(_customers, _orders_csv((ORDERS_HEADER + ORDER).encode("utf-16"))),
        "is UTF-16 encoded",
        doc="UTF-16",
    ),
    _case(
        "CSV with CRLF line endings",
        _with(_customers, _orders_csv((ORDERS_HEADER + ORDER).replace("\n", "\r\n"))),
        doc="CRLF",
        passes=True,
    ),
    _case(
        "CSV with semicolons",
        _with(_customers, _orders_csv((ORDERS_HEADER + ORDER).replace(",", ";"))),
        doc="semicolon",
        passes=True,
    ),
    _case(
        "zero-byte CSV",
        _with(_customers, _orders_csv(b"")),
        "the file is empty (0 bytes)",
        doc="the file is empty (0 bytes)",
    ),
    _case(
        "zero-byte Parquet",
        _with(_customers, lambda root: _text(root / "orders" / "part-0.parquet", b"")),
        "the file is empty (0 bytes)",
        doc="the file is empty (0 bytes)",
    ),
    _case(
        "header-only CSV",
        _with(_customers, _orders_csv(ORDERS_HEADER)),
        "part-0.csv: has no data rows",
        doc="has no data rows",
        passes=True,
    ),
    _case(
        "header-only customers",
        _with(
            lambda root: _text(root / "customers" / "part-0.csv", CUSTOMERS.splitlines()[0]),
            _orders_csv(ORDERS_HEADER + ORDER),
        ),
        "Table 'customers' has no rows",
        doc="has no rows",
    ),
    _case(
        "truncated Parquet",
        _with(_customers, _truncated),
        "part-0.parquet: not a readable Parquet file",
        "truncated, corrupt or not Parquet",
        doc="not a readable Parquet file",
    ),
    _case(
        "text file named .parquet",
        _with(_customers, lambda root: _text(root / "orders" / "part-0.parquet", ORDER)),
        "not a readable Parquet file",
        doc="not a readable Parquet file",
    ),
    _case(
        "Parquet and CSV in one folder",
        _with(_customers, _orders_pq(), _orders_csv(ORDERS_HEADER + ORDER, "part-1.csv")),
        "holds both Parquet (1) and CSV (1) files",
        doc="holds both Parquet",
    ),
    _case(
        "mixed types across parts",
        _with(_customers, _orders_pq(), _orders_pq("part-1.parquet", amount=pa.array(["12,5"]))),
        doc="mixed types across parts",
        passes=True,
    ),
    _case(
        "file name with a quote",
        _with(_customers, _orders_csv(ORDERS_HEADER + ORDER, "o'; drop table x.csv")),
        "outside the allowed pattern",
        doc="outside the allowed pattern",
    ),
    _case(
        "file name with a space",
        _with(_customers, _orders_csv(ORDERS_HEADER + ORDER, "my orders.csv")),
        "'my orders.csv'",
        doc="outside the allowed pattern",
    ),
    _case(
        "hidden and marker files",
        _with(
            valid,
            lambda root: _text(root / "orders" / ".DS_Store", b"\0"),
            lambda root: _text(root / "orders" / "_SUCCESS", b""),
        ),
        doc="hidden",
        passes=True,
    ),
]


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.delenv("BULLSEYE_DEBUG", raising=False)
    return CliRunner()


def one_paragraph_error(result) -> str:
    """The command's whole output: one ``Error: ...`` paragraph, exit code 2, no traceback."""
    assert result.exit_code == 2, result.output
    message = result.output.strip()
    assert message.startswith("Error: "), message
    assert "Traceback" not in result.output
    assert "\n\n" not in message
    return message


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_check(case, runner, tmp_path):
    landing = tmp_path / "landing"
    case.make(landing)
    if case.name == "landing path is a file":
        landing = landing / "landing.csv"
    result = runner.invoke(app, ["check", "--landing", str(landing)])
    if case.passes:
        assert result.exit_code == 0, result.output
        assert "Contract check passed." in result.output
    else:
        assert one_paragraph_error(result).endswith("(ContractError)")
    for fragment in case.expected:
        assert fragment in result.output, result.output


def test_crlf_and_semicolon_files_are_read_as_their_columns(runner, tmp_path):
    """Passing is not enough: every contract column is found, none with a stray '\\r'."""
    from bullseye.core.contract import check_landing

    for name, text in (
        ("crlf", (ORDERS_HEADER + ORDER).replace("\n", "\r\n")),
        ("semicolons", (ORDERS_HEADER + ORDER).replace(",", ";")),
    ):
        landing = tmp_path / name
        _customers(landing)
        _text(landing / "orders" / "part-0.csv", text)
        orders = check_landing(landing).tables["orders"]
        assert orders.extra_columns == ()
        assert "status" in orders.columns
