"""The public-data adapters on small slices of the real files in ../shared/data/raw."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from bullseye.adapters import hillstrom, online_retail
from bullseye.adapters._write import write_landing
from bullseye.core.contract import check_landing
from bullseye.core.settings import PROJECT_ROOT
from bullseye.core.warehouse import read_relation
from tests.conftest import build_warehouse

# The real files are read in place: ../shared/data/raw beside the repository (as in CI), or
# wherever BULLSEYE_RAW_DATA points.
RAW = Path(os.environ.get("BULLSEYE_RAW_DATA", PROJECT_ROOT.parent / "shared" / "data" / "raw"))
RETAIL_II = RAW / "online_retail_ii" / "online_retail_ii_year_2009-2010.parquet"
HILLSTROM = (
    RAW
    / "hillstrom"
    / "Kevin_Hillstrom_MineThatData_E-MailAnalytics_DataMiningChallenge_2008.03.20.csv"
)


@pytest.fixture(scope="module")
def retail_lines() -> pd.DataFrame:
    lines = online_retail.read_lines([RETAIL_II])
    invoices = lines["Invoice"].astype(str).drop_duplicates().head(1_500)
    return lines[lines["Invoice"].astype(str).isin(invoices)]


def test_online_retail_maps_invoices_to_orders(retail_lines):
    tables = online_retail.to_landing(retail_lines)
    orders = tables["orders"]
    assert orders["order_id"].is_unique
    cancelled = orders[orders["order_id"].str.startswith("C")]
    assert len(cancelled) > 0
    assert (cancelled["status"] == "cancelled").all()
    assert (cancelled["amount"] >= 0).all()
    assert orders["category"].notna().all()
    assert set(tables["customers"]["customer_id"]) == set(orders["customer_id"].dropna())


def test_online_retail_missing_customers_are_quarantined(retail_lines, tmp_path):
    tables = online_retail.to_landing(retail_lines)
    write_landing(tmp_path / "data", tables)
    check_landing(tmp_path / "data" / "landing")
    settings = build_warehouse(tmp_path / "data" / "landing", tmp_path / "home")
    quarantine = read_relation(settings, "quarantine.quarantine_orders")
    missing = int(tables["orders"]["customer_id"].isna().sum())
    assert missing > 0
    assert (quarantine["reject_reason"] == "missing_customer_id").sum() == missing


def test_online_retail_rejects_other_files(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="missing"):
        online_retail.read_lines([path])


@pytest.mark.parametrize("response", ["conversion", "visit"])
def test_hillstrom_control_and_responses(response):
    frame = pd.read_csv(HILLSTROM, nrows=3_000)
    tables = hillstrom.to_landing(frame, response)
    contacts = tables["contacts"]
    no_email = int((frame["segment"] == "No E-Mail").sum())
    for campaign in ("hillstrom-mens", "hillstrom-womens"):
        sent = contacts[(contacts["campaign_id"] == campaign)]
        assert int(sent["is_control"].sum()) == no_email
    assert int((~contacts["is_control"]).sum()) == int((frame["segment"] != "No E-Mail").sum())
    members_responding = frame[response].sum() + (
        frame.loc[frame["segment"] == "No E-Mail", response].sum()
    )
    assert len(tables["responses"]) == members_responding
    assert tables["orders"]["amount"].sum() == pytest.approx(
        frame.loc[(frame["mens"] == 1) | (frame["womens"] == 1), "history"].sum(), rel=1e-3
    )


def test_hillstrom_lands_and_builds(tmp_path):
    frame = pd.read_csv(HILLSTROM, nrows=2_000)
    write_landing(tmp_path / "data", hillstrom.to_landing(frame))
    settings = build_warehouse(tmp_path / "data" / "landing", tmp_path / "home")
    training = read_relation(settings, "marts.training_campaign_response")
    sent = int((frame["segment"] != "No E-Mail").sum())
    assert len(training) == sent
    assert training["label"].sum() == frame.loc[frame["segment"] != "No E-Mail", "conversion"].sum()
    assert set(training["campaign_category"]) == {"mens", "womens"}


def test_shared_data_is_where_the_tests_expect_it():
    assert Path(RETAIL_II).is_file()
    assert Path(HILLSTROM).is_file()
