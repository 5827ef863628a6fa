from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bullseye.core.contract import (
    ContractError,
    attribute_tables,
    check_landing,
    feature_attribute_tables,
)


def _write(root: Path, table: str, data: dict) -> Path:
    folder = root / table
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "part-0.parquet"
    pq.write_table(pa.table(data), path)
    return path


def _customers(root: Path, **overrides) -> Path:
    data = {"customer_id": ["c1"], "signup_at": pa.array([0], pa.timestamp("us")), "region": ["n"]}
    data.update(overrides)
    return _write(root, "customers", {k: v for k, v in data.items() if v is not None})


def _orders(root: Path) -> Path:
    return _write(
        root,
        "orders",
        {
            "order_id": ["o1"],
            "customer_id": ["c1"],
            "ordered_at": pa.array([0], pa.timestamp("us")),
            "amount": [1.0],
            "category": ["toys"],
            "channel": ["web"],
            "status": ["completed"],
        },
    )


def test_minimal_landing_passes_and_lists_optional_tables_as_absent(tmp_path):
    _customers(tmp_path)
    _orders(tmp_path)
    inventory = check_landing(tmp_path)
    assert inventory.tables["orders"].file_format == "parquet"
    assert inventory.tables["events"].files == ()


def test_missing_column_names_file_and_column(tmp_path):
    path = _customers(tmp_path, region=None)
    _orders(tmp_path)
    with pytest.raises(ContractError) as error:
        check_landing(tmp_path)
    assert str(path) in str(error.value)
    assert "'region'" in str(error.value)


def test_wrong_type_names_file_column_and_types(tmp_path):
    path = _customers(tmp_path, signup_at=[1.5])
    _orders(tmp_path)
    with pytest.raises(ContractError, match="signup_at") as error:
        check_landing(tmp_path)
    assert str(path) in str(error.value)
    assert "expected timestamp" in str(error.value)


def test_missing_mandatory_table(tmp_path):
    _orders(tmp_path)
    with pytest.raises(ContractError, match="'customers' is missing"):
        check_landing(tmp_path)


def test_needs_orders_or_contacts(tmp_path):
    _customers(tmp_path)
    with pytest.raises(ContractError, match="neither 'orders' nor 'contacts'"):
        check_landing(tmp_path)


def test_extra_columns_are_listed(tmp_path):
    _customers(tmp_path, attr_loyalty_tier=["gold"])
    _orders(tmp_path)
    assert check_landing(tmp_path).tables["customers"].extra_columns == ("attr_loyalty_tier",)


def test_campaigns_take_attributes_as_features_contacts_only_as_data():
    assert {"customers", "campaigns", "contacts"} <= set(attribute_tables())
    assert set(feature_attribute_tables()) == {"customers", "campaigns"}


@pytest.mark.parametrize("name", ["attr_market index", "attr_a;drop", "attr_été"])
def test_attribute_names_dbt_cannot_write_unquoted_are_refused(tmp_path, name):
    """An attr_* name reaches dbt's SQL as an identifier: anything but letters, digits and _
    is refused by the check, naming the column, before dbt runs."""
    _customers(tmp_path, **{name: ["x"]})
    _orders(tmp_path)
    with pytest.raises(ContractError, match="letters, digits and underscores") as error:
        check_landing(tmp_path)
    assert repr(name) in str(error.value)


def test_csv_landing_is_accepted(tmp_path):
    (tmp_path / "customers.csv").write_text("customer_id,signup_at,region\nc1,2024-01-01,north\n")
    _orders(tmp_path)
    assert check_landing(tmp_path).tables["customers"].file_format == "csv"


INJECTION = (
    "z'); copy (select 'owned by a file name' as msg) to 'PWNED_BY_FILENAME.txt'; "
    "select * from read_csv('z.csv"
)


@pytest.mark.parametrize("name", [f"{INJECTION}.csv", "my export.csv", "-x.csv", "a;b.parquet"])
def test_unsafe_landing_file_names_are_refused_before_any_sql(tmp_path, monkeypatch, name):
    """A file name reaches the SQL that reads the landing folder: one outside the safe pattern
    is refused with the file named, and nothing it says is ever run."""
    monkeypatch.chdir(tmp_path)
    _customers(tmp_path / "landing")
    _orders(tmp_path / "landing")
    events = tmp_path / "landing" / "events"
    events.mkdir()
    (events / name).write_text("event_id,customer_id\n1,c1\n")
    with pytest.raises(ContractError, match="outside the allowed pattern") as error:
        check_landing(tmp_path / "landing")
    assert repr(name) in str(error.value)
    assert not list(tmp_path.rglob("PWNED*"))


def test_csv_schema_is_read_with_the_path_as_a_parameter(tmp_path):
    """A folder name with a quote (the landing root is the user's) is data, not SQL."""
    root = tmp_path / "O'Brien's landing"
    _customers(root)
    _orders(root)
    events = root / "events"
    events.mkdir()
    (events / "part-0.csv").write_text("event_id,customer_id,event_type,occurred_at\n")
    inventory = check_landing(root)
    assert inventory.tables["events"].file_format == "csv"
