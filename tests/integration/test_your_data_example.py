"""docs/your-data.md's worked example, run as documented so the page cannot rot: the mapping
shown is the mapping shipped, the commands work on the example exports, and the landing they
write is what the contract (and, in the slow test, dbt's staging) accepts."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from jsonschema import Draft202012Validator
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.core.contract import CONTRACT
from bullseye.core.contract_schema import landing_json_schema
from bullseye.core.settings import PROJECT_ROOT
from bullseye.core.warehouse import read_relation
from tests.conftest import build_warehouse

DOC = PROJECT_ROOT / "docs" / "your-data.md"
EXAMPLE = PROJECT_ROOT / "docs" / "examples" / "your-data"


def _documented(command: str) -> list[str]:
    """The arguments of the documented `.venv/bin/bullseye <command> ...` line."""
    line = next(
        line for line in DOC.read_text().splitlines() if line.startswith(f".venv/bin/{command}")
    )
    return shlex.split(line)[1:]


def _with_out(args: list[str], option: str, value: Path) -> list[str]:
    return [
        str(value) if previous == option else a
        for previous, a in zip(["", *args], args, strict=False)
    ]


def test_the_page_shows_the_shipped_mapping():
    shown = re.search(r"```yaml\n(# Fernhill.*?)```", DOC.read_text(), re.S)
    assert shown is not None
    assert shown.group(1) == (EXAMPLE / "mapping.yml").read_text()


@pytest.fixture(scope="module")
def imported(tmp_path_factory, monkeypatch_module) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("fernhill")
    args = _with_out(_documented("bullseye import table"), "--out", out)
    monkeypatch_module.chdir(PROJECT_ROOT)  # the documented paths are from the repository root
    monkeypatch_module.delenv("BULLSEYE_DEBUG", raising=False)
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return out / "landing", result.output


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def _rows(landing: Path, table: str) -> pd.DataFrame:
    return pq.read_table(landing / table / "part-0.parquet").to_pandas()


def test_every_table_is_imported_with_every_row(imported):
    landing, output = imported
    assert "contract check passed" in output
    customers = pd.read_csv(EXAMPLE / "customers.csv", sep=";", dtype=str)
    expected = {
        "customers": len(customers),
        "consents": 2 * len(customers),  # an e-mail and an SMS opt-in each
        "orders": len(pd.read_csv(EXAMPLE / "orders.csv")),
        "events": len(pd.read_csv(EXAMPLE / "web_events.csv")),
        "campaigns": len(pd.read_csv(EXAMPLE / "campaigns.csv", sep=";")),
        "contacts": len(pd.read_csv(EXAMPLE / "contact_log.csv")),
        "responses": len(pd.read_csv(EXAMPLE / "redemptions.csv")),
    }
    assert {t: len(_rows(landing, t)) for t in expected} == expected
    for table, rows in expected.items():  # the page's output table shows the same counts
        assert re.search(rf"│ {table} +│ +{rows:,} │", output), table


def test_the_one_bad_value_is_the_documented_warning(imported):
    _, output = imported
    warnings = [line for line in output.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1
    assert "column 'amount': 1 of" in warnings[0]
    assert "'n/a'" in warnings[0]
    assert warnings[0] in DOC.read_text()


def test_the_landing_rows_meet_the_json_schema(imported):
    landing, _ = imported
    tables = landing_json_schema()["$defs"]
    # one total is 'n/a', so that column is text: its values are checked apart
    orders = tables["orders"]
    tables["orders"] = {**orders, "required": [c for c in orders["required"] if c != "amount"]}
    problems = {}
    imported_tables = [t for t in CONTRACT if (landing / t).exists()]  # no products here
    for table in imported_tables:
        rows = json.loads(_rows(landing, table).to_json(orient="records", date_format="iso"))
        if table == "orders":
            amounts = pd.to_numeric(pd.Series([r.pop("amount") for r in rows]), errors="coerce")
            assert int(amounts.isna().sum()) == 1
        validator = Draft202012Validator({"$defs": tables, "$ref": f"#/$defs/{table}"})
        problems[table] = [e.message for row in rows for e in validator.iter_errors(row)][:3]
    assert problems == {table: [] for table in imported_tables}


def test_attributes_and_derived_values(imported):
    landing, _ = imported
    customers = _rows(landing, "customers")
    assert {"attr_tier", "attr_home_store"} <= set(customers.columns)
    assert customers["customer_id"].str.fullmatch(r"M\d{5}").all()
    campaigns = _rows(landing, "campaigns").set_index("campaign_id")
    assert campaigns.loc["SUM25-HIKE", "starts_at"] == pd.Timestamp("2025-06-05")
    assert campaigns.loc["AUT24-BOOTS", "cost_per_contact"] == pytest.approx(0.08)
    assert set(campaigns["attr_season"]) == {"autumn", "winter", "spring", "summer"}
    orders = _rows(landing, "orders")
    assert orders["order_id"].is_unique
    assert set(orders["channel"]) == {"web", "app", "store"}
    # shop time to UTC: British summer time is an hour ahead
    responses = _rows(landing, "responses")
    redemptions = pd.read_csv(EXAMPLE / "redemptions.csv")
    local = pd.to_datetime(redemptions["redeemed_at"], format="%d/%m/%Y %H:%M")
    expected = local.dt.tz_localize("Europe/London").dt.tz_convert("UTC").dt.tz_localize(None)
    assert (responses["responded_at"] == expected).all()


@pytest.mark.slow
def test_the_example_builds_with_one_quarantined_order(imported, tmp_path):
    """The documented landing through the real dbt build: every row staged except the order
    whose total is 'n/a', as the page's row summary says."""
    landing, _ = imported
    settings = build_warehouse(landing, tmp_path / "home")
    rows = read_relation(settings, "audit.dq_row_reconciliation")
    others = rows[(rows["outcome"] != "staged") & (rows["row_count"] > 0)]
    assert list(zip(others["table_name"], others["outcome"], others["row_count"], strict=True)) == [
        ("orders", "invalid_amount", 1)
    ]
    staged = rows[rows["outcome"] == "staged"].set_index("table_name")["row_count"]
    assert staged.to_dict() == {
        "customers": 600,
        "consents": 1200,
        "orders": 2306,
        "events": 2423,
        "campaigns": 4,
        "contacts": 1395,
        "responses": 166,
    }
