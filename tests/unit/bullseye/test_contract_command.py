"""``bullseye contract``: the printed contract, the code lists dbt checks, the JSON Schema."""

from __future__ import annotations

import json
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.core.codes import code_values
from bullseye.core.contract import CONTRACT, attribute_tables, check_landing
from bullseye.core.contract_schema import landing_json_schema
from bullseye.core.settings import DBT_PROJECT_DIR
from bullseye.datagen import GeneratorConfig, generate


@pytest.fixture(scope="module")
def printed() -> str:
    result = CliRunner().invoke(app, ["contract"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("table", list(CONTRACT))
def test_every_table_and_column_is_printed(printed, table):
    contract = CONTRACT[table]
    assert f"{table} (" in printed
    title = next(line for line in printed.splitlines() if f"{table} (" in line)
    assert f"key: {', '.join(contract.key)}" in title
    for column in contract.columns:
        assert re.search(rf"│ {column.name} +│ {column.kind.value} ", printed), column.name


def test_code_values_and_the_attribute_rule_are_printed(printed):
    for name, values in code_values().items():
        line = next(line for line in printed.splitlines() if f"│ {name} " in line)
        assert values[0] in line
    rule = next(line for line in printed.splitlines() if "name them attr_<name> on" in line)
    assert f"on {', '.join(attribute_tables())}." in rule


def _in_list_uses() -> set[tuple[str, str, str]]:
    """(table, column, var) for every `<column> not in {{ in_list('<var>') }}` in staging's
    checked models."""
    found = set()
    for path in (DBT_PROJECT_DIR / "models" / "intermediate").glob("int_*_checked.sql"):
        table = path.stem.removeprefix("int_").removesuffix("_checked")
        for column, var in re.findall(
            r"when (\w+) not in \{\{ in_list\('(\w+)'\) \}\}", path.read_text()
        ):
            found.add((table, column, var))
    return found


def _accepted_values_uses() -> set[tuple[str, str, str]]:
    """(table, column, var) for every accepted_values test on a var in the staging models."""
    models = yaml.safe_load((DBT_PROJECT_DIR / "models/staging/_staging__models.yml").read_text())
    found = set()
    for model in models["models"]:
        table = model["name"].removeprefix("stg_landing__")
        for column in model.get("columns", []):
            for test in column.get("data_tests", []):
                if isinstance(test, dict) and "accepted_values" in test:
                    values = test["accepted_values"]["arguments"]["values"]
                    var = re.fullmatch(r"\{\{ var\('(\w+)'\) \}\}", values)
                    found.add((table, column["name"], var.group(1) if var else values))
    return found


def test_the_contract_code_lists_are_the_ones_dbt_checks():
    in_contract = {
        (t.name, c.name, c.codes) for t in CONTRACT.values() for c in t.columns if c.codes
    }
    assert _in_list_uses() == in_contract  # staging quarantines exactly these
    assert _accepted_values_uses() <= in_contract  # and its tests use the same lists
    declared = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    for name, values in code_values().items():
        assert list(values) == declared[name]


def test_attr_columns_on_a_table_without_attributes_warn(tmp_path):
    pd.DataFrame(
        {"customer_id": ["c1"], "signup_at": ["2024-01-01"], "region": ["n"], "attr_x": [1]}
    ).to_csv(tmp_path / "customers.csv", index=False)
    orders = {c.name: ["x"] for c in CONTRACT["orders"].columns}
    pd.DataFrame({**orders, "attr_coupon": ["y"]}).to_csv(tmp_path / "orders.csv", index=False)
    warnings = check_landing(tmp_path).warnings
    assert len(warnings) == 1
    assert "'attr_coupon' of table 'orders'" in warnings[0]
    assert f"taken on {', '.join(attribute_tables())} only" in warnings[0]


@pytest.fixture(scope="module")
def schema() -> dict:
    result = CliRunner().invoke(app, ["contract", "--json-schema"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    Draft202012Validator.check_schema(document)
    return document


@pytest.fixture(scope="module")
def clean_landing(tmp_path_factory) -> dict[str, list[dict]]:
    """A small generated landing without dirty rows, as JSON rows per table."""
    result = generate(
        tmp_path_factory.mktemp("clean"), GeneratorConfig(customers=150, dirty_share=0)
    )
    return {
        table: json.loads(
            pq.read_table(result.landing_dir / table)
            .to_pandas()
            .to_json(orient="records", date_format="iso")
        )
        for table in CONTRACT
    }


def test_generated_rows_validate_against_the_schema(schema, clean_landing):
    errors = list(Draft202012Validator(schema).iter_errors(clean_landing))
    assert errors == [], errors[:3]
    assert all(len(rows) > 0 for rows in clean_landing.values())


def _with(rows: list[dict], **changes) -> list[dict]:
    return [{**rows[0], **changes}]


@pytest.mark.parametrize(
    ("table", "changes", "complaint"),
    [
        ("orders", {"channel": "fax"}, "is not one of"),
        ("orders", {"amount": "12.5"}, "is not of type 'number'"),
        ("orders", {"ordered_at": "31/12/2024"}, "does not match"),
        ("orders", {"attr_coupon": "x"}, "Additional properties"),
        ("customers", {"customer_id": None}, "is not of type 'string'"),
        ("contacts", {"is_control": "maybe"}, "is not of type 'boolean'"),
    ],
)
def test_the_schema_refuses_rows_the_contract_refuses(
    schema, clean_landing, table, changes, complaint
):
    landing = {**clean_landing, table: _with(clean_landing[table], **changes)}
    messages = [e.message for e in Draft202012Validator(schema).iter_errors(landing)]
    assert any(complaint in m for m in messages), messages


def test_the_schema_takes_attributes_where_the_contract_does(schema, clean_landing):
    validator = Draft202012Validator(schema)
    for table in attribute_tables():
        rows = _with(clean_landing[table], attr_tier="gold", attr_score=1.5, attr_flag=None)
        assert validator.is_valid({**clean_landing, table: rows}), table
    without_required = {k: v for k, v in clean_landing.items() if k not in ("orders", "contacts")}
    assert not validator.is_valid(without_required)


def test_json_schema_is_written_to_a_file(tmp_path):
    target = tmp_path / "landing.schema.json"
    result = CliRunner().invoke(app, ["contract", "--json-schema", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text()) == landing_json_schema()
    assert set(json.loads(target.read_text())["$defs"]) == set(CONTRACT)


def test_a_file_without_the_option_is_refused(tmp_path):
    result = CliRunner().invoke(app, ["contract", str(tmp_path / "x.json")])
    assert result.exit_code == 2
    assert not (tmp_path / "x.json").exists()
