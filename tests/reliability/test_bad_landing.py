"""The row-level half of the bad-input catalogue, on one bad landing built once by real dbt
(tests/reliability/bad_landing.py), and what a run does with it: every bad row quarantined with
its reason and accounted for, a campaign nobody may receive published as an empty audience
with its reason, hostile campaign ids from the data kept inside the home and out of the SQL,
and a data error inside a flow reported as one paragraph (no Prefect traceback)."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from prefect.settings import PREFECT_API_URL
from prefect.testing.utilities import prefect_test_harness
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.cli.errors import quiet_flow_failures
from bullseye.core.contract import ContractError, check_landing
from bullseye.core.ids import folder_name
from bullseye.core.params import AudiencePolicyParams, CampaignSelectionError
from bullseye.core.quality import Breach, QualityGateError
from bullseye.core.settings import Settings
from bullseye.core.targets import get_target, load_targets
from bullseye.core.warehouse import read_query
from bullseye.services.publishing import publish_candidates
from bullseye.services.scoring import resolve_campaigns, score_candidates
from bullseye.services.training import train_and_register
from flows.refresh import unreadable_landing
from ml.registry import store
from tests.conftest import AS_OF, build_warehouse
from tests.reliability.bad_landing import (
    HOSTILE_CAMPAIGN,
    NOBODY_CAMPAIGN,
    QUOTED_CAMPAIGN,
    ROW_CASES,
    write_bad_landing,
)

# Asked for by id on the first build: goes to landing.scoring_requests as a bound parameter.
HOSTILE_REQUEST = "x'); drop table landing.customers; --"
BULLSEYE = str(Path(sys.executable).parent / "bullseye")


@dataclass(frozen=True)
class Bad:
    root: Path
    landing: Path
    settings: Settings
    keys: dict[str, dict[str, str]]  # case name -> its row's key


@pytest.fixture(scope="module")
def bad(small_data, tmp_path_factory) -> Bad:
    root = tmp_path_factory.mktemp("bad-landing")
    keys = write_bad_landing(small_data.landing_dir, root / "landing")
    settings = build_warehouse(root / "landing", root / "home", [HOSTILE_REQUEST])
    return Bad(root, root / "landing", settings, keys)


def _where(key: dict[str, str]) -> str:
    return " and ".join(f"{column} is not distinct from ?" for column in key)


@pytest.mark.parametrize("case", ROW_CASES, ids=[c.name for c in ROW_CASES])
def test_row(case, bad):
    key = bad.keys[case.name]
    quarantined = read_query(
        bad.settings,
        f"select reject_reason from quarantine.quarantine_{case.table} where {_where(key)}",
        list(key.values()),
    )["reject_reason"].tolist()
    staged = read_query(
        bad.settings,
        f"select count(*) as n from staging.stg_landing__{case.table} where {_where(key)}",
        list(key.values()),
    )["n"].iloc[0]
    if case.reason is None:
        assert (staged, quarantined) == (1, []), "the row must be staged as it is"
    else:
        assert case.reason in quarantined
        assert staged == 0 or len(quarantined) > 1  # a key shared with a staged clean row


def test_every_landing_row_is_accounted_for_by_reason(bad):
    outcomes = read_query(bad.settings, "select * from audit.dq_row_reconciliation")
    for table, rows in outcomes.groupby("table_name"):
        assert rows["row_count"].sum() == rows["rows_in"].iloc[0], table
        assert (rows["row_count"] >= 0).all(), table
    for case in ROW_CASES:
        if case.reason:
            found = outcomes[
                (outcomes["table_name"] == case.table) & (outcomes["outcome"] == case.reason)
            ]
            assert found["row_count"].sum() >= 1, case.name
            assert set(found["outcome_group"]) == {"quarantined"}


def test_duplicates_exact_and_by_key(bad):
    orders = read_query(
        bad.settings,
        "select outcome, row_count from audit.dq_row_reconciliation where table_name = 'orders'",
    ).set_index("outcome")["row_count"]
    assert orders["exact_duplicate"] >= 2  # the generator's and ours
    versions = read_query(
        bad.settings,
        "select reject_reason from quarantine.quarantine_orders where order_id = 'bad-dup'",
    )
    staged = read_query(
        bad.settings, "select amount from staging.stg_landing__orders where order_id = 'bad-dup'"
    )
    assert versions["reject_reason"].tolist() == ["duplicate_key"]
    assert len(staged) == 1
    exact = read_query(
        bad.settings,
        "select count(*) as n from staging.stg_landing__orders where order_id = ?",
        ["bad-exact"],
    )
    assert exact["n"].iloc[0] == 1


def test_csv_tables_are_read_whole(bad):
    """consents came as CSV with CRLF line endings, responses with ';' as the delimiter."""
    consents = pd.read_csv(bad.landing / "consents" / "part-0.csv", dtype=str)
    staged = read_query(bad.settings, "select channel from staging.stg_landing__consents")
    quarantined = read_query(
        bad.settings,
        "select reject_reason, count(*) as n from quarantine.quarantine_consents group by 1",
    ).set_index("reject_reason")["n"]
    assert "invalid_updated_at" not in quarantined  # the last column kept no '\r'
    assert len(staged) + quarantined.sum() <= len(consents)
    assert len(staged) > 0.9 * len(consents)
    assert not staged["channel"].str.contains("\r").any()
    responses = read_query(bad.settings, "select revenue from staging.stg_landing__responses")
    assert len(responses) > 100
    assert responses["revenue"].notna().all()


def test_hostile_ids_reach_sql_only_as_values(bad):
    requested = read_query(bad.settings, "select campaign_id from landing.scoring_requests")
    assert requested["campaign_id"].tolist() == [HOSTILE_REQUEST]
    campaigns = read_query(bad.settings, "select campaign_id from marts.campaigns")
    assert {HOSTILE_CAMPAIGN, QUOTED_CAMPAIGN} <= set(campaigns["campaign_id"])
    customers = read_query(bad.settings, "select count(*) as n from landing.customers")
    assert customers["n"].iloc[0] > 2_000  # not dropped
    with pytest.raises(CampaignSelectionError, match="'nope' is not in the staged campaigns"):
        resolve_campaigns(bad.settings, ["nope"])
    assert resolve_campaigns(bad.settings, None) == [HOSTILE_CAMPAIGN]  # the latest upcoming


# --- runs on the bad warehouse: a champion, then scoring -----------------------------------


@pytest.fixture(scope="module")
def champion(bad) -> Settings:
    """The bad warehouse's home with a champion trained on it (one Optuna trial)."""
    settings = Settings(home=bad.settings.home, n_trials=1, tuning_timeout_s=10)
    target = get_target(load_targets(settings.targets_file), "campaign_response")
    outcome = train_and_register(settings, target, "reliability")
    store.promote(settings.models_dir, target.name, outcome.version.version)
    return settings


@pytest.fixture(scope="module")
def prefect_api() -> Iterator[str]:
    """The Prefect API of the test session's harness when one runs (tests/e2e), else one of
    this module's own."""
    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    with prefect_test_harness(server_startup_timeout=120):
        yield PREFECT_API_URL.value()


def test_a_hostile_campaign_id_from_the_data_is_published_inside_the_home(champion, bad):
    """The default campaign is the latest upcoming one: its id comes from the landing data,
    where no edge checks it. Its files go to a safe folder under audiences/, its rows to the
    table under the id itself, and every warehouse table is still there."""
    tables = read_query(champion, "select table_schema, table_name from information_schema.tables")
    outside = sorted(p.name for p in bad.root.iterdir())
    model = store.champion(champion.models_dir, "campaign_response")
    request = AudiencePolicyParams(top_k=50)
    candidates = score_candidates(champion, model, HOSTILE_CAMPAIGN, request)
    outcome = publish_candidates(champion, candidates, AS_OF, "hostile-run")
    folder = champion.audiences_dir / folder_name(HOSTILE_CAMPAIGN) / AS_OF.date().isoformat()
    assert outcome.publication.folder == folder
    assert folder.resolve().is_relative_to(champion.home.resolve())
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["campaign_id"] == HOSTILE_CAMPAIGN
    assert manifest["rows"] == 50
    rows = read_query(
        champion,
        "select count(*) as n from publish.audience_members where campaign_id = ?",
        [HOSTILE_CAMPAIGN],
    )
    assert rows["n"].iloc[0] == 50
    after = read_query(champion, "select table_schema, table_name from information_schema.tables")
    assert set(map(tuple, tables.to_numpy())) <= set(map(tuple, after.to_numpy()))
    assert sorted(p.name for p in bad.root.iterdir()) == outside  # nothing beside the home
    assert folder_name(HOSTILE_CAMPAIGN) in {p.name for p in champion.audiences_dir.iterdir()}


def test_nobody_eligible_is_an_outcome_not_an_error(champion, prefect_api, tmp_path):
    """`bullseye score` of a campaign nobody may receive (no phone consents) beside one with an
    apostrophe in its id: the run completes, the first gets an empty audience with its manifest
    and the reason, in the CLI output, the run summary and the Prefect artifact."""
    from prefect.artifacts import Artifact

    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "score",
            "--campaign",
            NOBODY_CAMPAIGN,
            "--campaign",
            QUOTED_CAMPAIGN,
            "--top-k",
            "100",
            "--as-of",
            AS_OF.isoformat(),
            "--home",
            str(champion.home),
        ],
    )
    assert result.exit_code == 0, result.output
    why = "not opted in for the campaign's channel"
    assert f"{NOBODY_CAMPAIGN}: 0 published in" in result.output
    assert why in result.output
    quoted = champion.audiences_dir / folder_name(QUOTED_CAMPAIGN) / AS_OF.date().isoformat()
    assert f"{QUOTED_CAMPAIGN}: 100 published in {quoted}" in result.output

    empty = champion.audiences_dir / NOBODY_CAMPAIGN / AS_OF.date().isoformat()
    manifest = json.loads((empty / "manifest.json").read_text())
    assert manifest["rows"] == 0
    assert why in manifest["note"]
    assert pd.read_csv(empty / "audience.csv").empty
    assert list(pd.read_csv(empty / "audience.csv").columns)[:2] == ["campaign_id", "customer_key"]

    (summary_path,) = sorted(champion.runs_dir.glob("*/summary.json"))[-1:]
    summary = json.loads(summary_path.read_text())
    assert why in summary["campaigns"][NOBODY_CAMPAIGN]["empty_reason"]
    assert summary["campaigns"][QUOTED_CAMPAIGN]["empty_reason"] is None
    assert why in Artifact.get("score-summary").data
    members = read_query(
        champion,
        "select campaign_id, count(*) as n from publish.audience_members group by 1",
    ).set_index("campaign_id")["n"]
    assert NOBODY_CAMPAIGN not in members
    assert members[QUOTED_CAMPAIGN] == 100


# --- what a user sees on stderr when a data error stops a run -------------------------------


def _corrupt_copy(landing: Path, to: Path) -> Path:
    """The landing with one more orders part whose footer is fine and whose pages are not."""
    shutil.copytree(landing, to)
    good = next((to / "orders").glob("*.parquet"))
    data = bytearray(good.read_bytes())
    for i in range(200, min(4_000, len(data) - 2_000)):
        data[i] = (data[i] * 7 + 3) % 256
    (to / "orders" / "part-corrupt.parquet").write_bytes(bytes(data))
    return to / "orders" / "part-corrupt.parquet"


def test_a_corrupt_parquet_page_passes_the_schema_check_and_is_named_after_a_failed_build(
    small_data, tmp_path
):
    corrupt = _corrupt_copy(small_data.landing_dir, tmp_path / "landing")
    inventory = check_landing(tmp_path / "landing")  # footers are fine
    error = unreadable_landing(inventory)
    assert isinstance(error, ContractError)
    assert str(error).startswith(f"{corrupt}: cannot be read (")
    assert "stopped at table 'orders'" in str(error)
    assert unreadable_landing(check_landing(small_data.landing_dir)) is None


def test_prefect_prints_no_traceback_for_a_user_error(prefect_api):
    """A quality-gate failure inside a real flow: with the command's filter, Prefect's console
    handler shows the run's other logs but no traceback and no "Finished in state Failed" line
    for it; without the filter, it prints both."""
    from prefect import flow, get_run_logger, task
    from prefect.logging.handlers import PrefectConsoleHandler

    @task
    def gate() -> None:
        get_run_logger().warning("checking the landing")
        raise QualityGateError([Breach("orders", "quarantined share above 5.0%", "21.3%")])

    @flow
    def failing() -> None:
        gate()

    shown = []
    for quiet in (True, False):
        # the console handler Prefect puts on the root logger (pytest's handlers may stop
        # Prefect from adding its own in this process)
        handler = PrefectConsoleHandler(stream=io.StringIO())
        logging.getLogger().addHandler(handler)
        try:
            filtered = quiet_flow_failures() if quiet else contextlib.nullcontext()
            with filtered, pytest.raises(QualityGateError):
                failing()
        finally:
            logging.getLogger().removeHandler(handler)
        shown.append(handler.stream.getvalue())
    quiet_text, loud_text = shown
    assert "checking the landing" in quiet_text  # the run's own logs stay
    assert "Traceback" not in quiet_text
    assert "QualityGateError" not in quiet_text
    assert "Traceback" in loud_text
    assert "QualityGateError" in loud_text


@pytest.mark.slow
def test_a_corrupt_parquet_page_stops_the_run_with_one_paragraph(small_data, prefect_api, tmp_path):
    corrupt = _corrupt_copy(small_data.landing_dir, tmp_path / "landing")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BULLSEYE_", "PREFECT_"))}
    env |= {"PREFECT_API_URL": prefect_api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    args = ["run", "--landing", str(tmp_path / "landing"), "--as-of", AS_OF.isoformat()]
    done = subprocess.run(
        [BULLSEYE, *args, "--home", str(tmp_path / "home")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 2, done.stderr[-3_000:]
    assert "Traceback" not in done.stderr
    assert "Encountered exception" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Error: {corrupt}: cannot be read ("), last
    assert last.endswith("stopped at table 'orders'. (ContractError)"), last
    assert not (tmp_path / "home" / "models").exists()


def test_a_contract_error_in_a_subprocess_is_one_paragraph_on_stderr(tmp_path):
    landing = tmp_path / "landing"
    (landing / "customers").mkdir(parents=True)
    (landing / "customers" / "part-0.csv").write_bytes(b"\xef\xbb\xbfcustomer_id,signup_at\n")
    done = subprocess.run(
        [BULLSEYE, "run", "--landing", str(landing), "--home", str(tmp_path / "home")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    csv = landing / "customers" / "part-0.csv"
    assert line.startswith(f"Error: {csv}: starts with a UTF-8 byte-order mark"), line
    assert not (tmp_path / "home").exists()
