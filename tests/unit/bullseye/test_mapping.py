"""``bullseye import table``: a mapping file turns a user's own exports into landing tables."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from bullseye.adapters.mapping.importer import import_tables
from bullseye.adapters.mapping.spec import MappingError
from bullseye.cli import app
from bullseye.core.contract import ContractError, attribute_tables

CUSTOMERS = """\
Member No;Joined;Area;Born;Newsletter;Tier;Points
007;31.12.2023;N;1984;Y;Gold;12
008;01.02.2024;S;;N;Silver;x
009;15.06.2024;N;1990;yes;;3
"""
ORDERS = """\
shop,receipt,member,sold_at,total,dept,via,state
S1,0001,007,2024-07-01 10:00,"12,50",Boots,Webshop,OK
S1,0002,008,2024-01-15 09:30,"1.002,00",Tents,Store,Returned
S2,0001,009,not a date,"7,00",Tents,Store,OK
"""
CAMPAIGNS = """\
code,title,year,month,day,cost
C1,Summer,2024,7,1,0.1
C2,Autumn,2024,10,,0.2
"""
MAPPING = """\
tables:
  customers:
    source: crm/customers.csv
    csv: {delimiter: ";"}
    columns:
      customer_id: Member No
      signup_at: {column: Joined, format: "%d.%m.%Y"}
      region: {column: Area, map: {N: north, S: south}}
      birth_year: Born
    attributes:
      tier: Tier
      attr_points: {column: Points, cast: integer}
  consents:
    - source: crm/customers.csv
      csv: {delimiter: ";"}
      columns:
        customer_id: Member No
        channel: {constant: email}
        is_opted_in: {column: Newsletter, map: {"Y": true, "N": false}}
        updated_at: {column: Joined, format: "%d.%m.%Y"}
    - source: crm/customers.csv
      csv: {delimiter: ";"}
      columns:
        customer_id: Member No
        channel: {constant: sms}
        is_opted_in: {constant: false}
        updated_at: {column: Joined, format: "%d.%m.%Y"}
  orders:
    source: "till/orders-*.csv"
    columns:
      order_id: {concat: [shop, receipt], separator: "-"}
      customer_id: member
      ordered_at: {column: sold_at, timezone: Europe/Berlin}
      amount: {column: total, decimal: ","}
      category: dept
      channel: {column: via, map: {Webshop: web, Store: store}}
      status: {column: state, map: {OK: completed, Returned: returned}, unmapped: error}
  campaigns:
    source: campaigns.parquet
    columns:
      campaign_id: code
      name: title
      channel: {constant: email}
      starts_at: {date_parts: {year: year, month: month, day: day}}
      response_window_days: {constant: 14}
      cost_per_contact: cost
      value_per_response: {constant: 30}
"""


def _write_sources(root: Path, mapping: str = MAPPING) -> Path:
    (root / "crm").mkdir(parents=True)
    (root / "till").mkdir()
    (root / "crm" / "customers.csv").write_text(CUSTOMERS)
    (root / "till" / "orders-2024.csv").write_text(ORDERS)
    frame = pd.read_csv(pd.io.common.StringIO(CAMPAIGNS), dtype={"day": "Int64"})
    frame.to_parquet(root / "campaigns.parquet", index=False)  # typed: ints, a null day
    (root / "mapping.yml").write_text(mapping)
    return root / "mapping.yml"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    result = import_tables(_write_sources(root), root / "out")
    tables = {
        name: pq.read_table(result.landing_dir / name / "part-0.parquet") for name in result.rows
    }
    return result, tables


def test_columns_are_picked_converted_and_typed(imported):
    _, tables = imported
    customers = tables["customers"].to_pandas()
    assert customers["customer_id"].tolist() == ["007", "008", "009"]  # zeros kept
    assert tables["customers"].schema.field("signup_at").type == pa.timestamp("us")
    assert customers["signup_at"][0] == pd.Timestamp("2023-12-31")
    assert customers["region"].tolist() == ["north", "south", "north"]  # value map
    assert tables["customers"].schema.field("birth_year").type == pa.int64()
    assert customers["birth_year"].isna().tolist() == [False, True, False]


def test_attributes_pass_through_with_their_cast(imported):
    result, tables = imported
    customers = tables["customers"]
    assert customers.column_names[-2:] == ["attr_tier", "attr_points"]
    assert customers.schema.field("attr_tier").type == pa.string()
    assert customers["attr_tier"].to_pylist() == ["Gold", "Silver", None]
    assert customers.schema.field("attr_points").type == pa.int64()
    assert customers["attr_points"].to_pylist() == [12, None, 3]  # 'x' is not an integer
    assert any("attribute 'attr_points'" in w and "'x'" in w for w in result.warnings)
    assert result.inventory.tables["customers"].unknown_columns == ()


def test_parts_constants_and_boolean_maps(imported):
    _, tables = imported
    consents = tables["consents"].to_pandas()
    assert consents["channel"].tolist() == ["email"] * 3 + ["sms"] * 3
    assert tables["consents"].schema.field("is_opted_in").type == pa.bool_()
    # "yes" is not in the map: kept, and read as a boolean as staging would
    assert consents["is_opted_in"].tolist() == [True, False, True] + [False] * 3


def test_concat_decimal_comma_timezones_and_unparsed_values(imported):
    result, tables = imported
    orders = tables["orders"].to_pandas()
    assert orders["order_id"].tolist() == ["S1-0001", "S1-0002", "S2-0001"]
    assert orders["amount"].tolist() == [12.5, 1002.0, 7.0]
    # Berlin summer and winter time to UTC; the value that did not parse stays as text
    assert orders["ordered_at"].tolist() == [
        "2024-07-01 08:00:00",
        "2024-01-15 08:30:00",
        "not a date",
    ]
    assert orders["channel"].tolist() == ["web", "store", "store"]
    warning = next(w for w in result.warnings if "'ordered_at'" in w)
    assert "orders-2024.csv" in warning
    assert "invalid_ordered_at" in warning


def test_dates_from_parts_from_a_typed_parquet_source(imported):
    _, tables = imported
    campaigns = tables["campaigns"]
    assert campaigns.schema.field("starts_at").type == pa.timestamp("us")
    # a missing part gives no date (staging quarantines the row as missing_starts_at)
    assert campaigns["starts_at"].to_pylist() == [datetime(2024, 7, 1), None]
    assert campaigns["response_window_days"].to_pylist() == [14, 14]
    assert campaigns.schema.field("response_window_days").type == pa.int64()


def test_other_tables_of_the_landing_are_left_alone(tmp_path):
    mapping = _write_sources(tmp_path)
    events = tmp_path / "out" / "landing" / "events"
    events.mkdir(parents=True)
    (events / "part-0.csv").write_text("event_id,customer_id,occurred_at,event_type\n")
    stale = tmp_path / "out" / "landing" / "orders" / "old.parquet"
    stale.parent.mkdir()
    stale.write_bytes(b"not parquet")
    result = import_tables(mapping, tmp_path / "out")
    assert (events / "part-0.csv").exists()
    assert not stale.exists()  # a mapped table's folder is replaced
    assert result.inventory.tables["events"].file_format == "csv"


def _error(tmp_path: Path, mapping: str) -> str:
    with pytest.raises(MappingError) as raised:
        import_tables(_write_sources(tmp_path, mapping), tmp_path / "out")
    assert isinstance(raised.value, ContractError)  # a user error: one paragraph, exit 2
    assert not (tmp_path / "out" / "landing" / "customers").exists()  # nothing written
    return str(raised.value)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("customer_id: member\n", "customer_id: member_no\n"),
            [
                "till/orders-2024.csv",
                "'member_no'",
                "for customer_id",
                "table 'orders'",
                "did you mean 'member'",
            ],
        ),
        (
            ("      category: dept\n", "      category: dept\n      coupon: dept\n"),
            ["mapping.yml", "table 'orders'", "unknown column 'coupon'", "attributes"],
        ),
        (("  orders:\n", "  offers:\n"), ["unknown table 'offers'"]),
        (("      category: dept\n", ""), ["table 'orders'", "required column(s) category"]),
        (
            ("OK: completed, Returned: returned}", "OK: completed}"),
            ["table 'orders'", "column 'status'", "'Returned' (1 rows)", "orders-2024.csv"],
        ),
        (
            ('format: "%d.%m.%Y"}\n      region', 'format: "%m/%d/%Y"}\n      region'),
            [
                "table 'customers'",
                "column 'signup_at'",
                "none of the 3 values",
                "crm/customers.csv",
            ],
        ),
        (("till/orders-*.csv", "till/sales-*.csv"), ["table 'orders'", "no file matches"]),
        (
            ("  orders:\n    source", "  orders:\n    attributes: [x]\n    source"),
            ["table 'orders' takes no attributes"],
        ),
        (
            ("      tier: Tier\n", "      tier: Tier\n      Tier: Points\n"),
            ["both land as attr_tier"],
        ),
        (
            ("{constant: sms}", "{constant: sms, column: x}"),
            ["table 'consents' (part 2)", "column 'channel'", "exactly one of"],
        ),
        (("timezone: Europe/Berlin", "timezone: Mars/Olympus"), ["unknown time zone"]),
        (
            ("      tier: Tier\n", "      tier: {column: Tier, castt: string}\n"),
            ["attribute 'tier'", "castt"],
        ),
        (("tables:\n", "tables:\n  - [\n"), ["not valid YAML", "line"]),
    ],
)
def test_mapping_errors_name_file_table_and_column(tmp_path, change, expected):
    old, new = change
    assert old in MAPPING
    message = _error(tmp_path, MAPPING.replace(old, new, 1))
    for part in expected:
        assert part in message, message
    assert "\n\n" not in message


def test_orders_take_no_attributes_in_the_contract():
    assert "orders" not in attribute_tables()  # the premise of the case above


def test_yaml_booleans_are_only_true_and_false(tmp_path):
    # YAML 1.1 would read the keys yes and no as booleans, and the map would match nothing
    old = 'map: {"Y": true, "N": false}}'
    mapping = MAPPING.replace(old, "map: {Y: true, N: false, yes: true, no: false}}", 1)
    mapping = mapping.replace('"Y": true', "yes: false")  # the second part: yes -> false
    mapping = mapping.replace("{constant: false}", "{column: Newsletter, map: {yes: false}}")
    result = import_tables(_write_sources(tmp_path, mapping), tmp_path / "out")
    consents = pq.read_table(result.landing_dir / "consents").to_pandas()
    assert consents["is_opted_in"].tolist()[:3] == [True, False, True]
    assert consents["is_opted_in"].tolist()[5] is False  # "yes" mapped to false


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.delenv("BULLSEYE_DEBUG", raising=False)
    return CliRunner()


def test_cli_imports_checks_and_reports(runner, tmp_path):
    mapping = _write_sources(tmp_path)
    result = runner.invoke(
        app, ["import", "table", "--mapping", str(mapping), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    assert "contract check passed" in result.output
    orders = next(line for line in result.output.splitlines() if "│ orders" in line)
    assert "orders-2024.csv" in orders
    assert " 3 " in orders
    assert "Warning: " in result.output
    assert "invalid_ordered_at" in result.output


def test_cli_error_is_one_paragraph_with_exit_code_2(runner, tmp_path):
    mapping = _write_sources(
        tmp_path, MAPPING.replace("customer_id: member\n", "customer_id: who\n")
    )
    result = runner.invoke(
        app, ["import", "table", "--mapping", str(mapping), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert message.startswith("Error: ")
    assert message.endswith("(MappingError)")
    assert "'who'" in message
    assert "orders-2024.csv" in message


def test_cli_missing_mapping_file(runner, tmp_path):
    result = runner.invoke(
        app, ["import", "table", "--mapping", str(tmp_path / "no.yml"), "--out", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert "no.yml does not exist" in result.output
