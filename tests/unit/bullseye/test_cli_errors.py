"""The CLI's error handling (``@user_errors``, ``--debug``) and its table output."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import typer
from typer.testing import CliRunner

from bullseye.cli import app
from bullseye.cli.errors import user_errors
from bullseye.core.contract import ContractError


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.delenv("BULLSEYE_DEBUG", raising=False)
    return CliRunner()


def _write(root: Path, table: str, data: dict) -> None:
    folder = root / table
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table(data), folder / "part-0.parquet")


def _minimal_landing(root: Path) -> Path:
    ts = pa.array([0], pa.timestamp("us"))
    _write(root, "customers", {"customer_id": ["c1"], "signup_at": ts, "region": ["n"]})
    _write(
        root,
        "orders",
        {
            "order_id": ["o1"],
            "customer_id": ["c1"],
            "ordered_at": ts,
            "amount": [1.0],
            "category": ["toys"],
            "channel": ["web"],
            "status": ["completed"],
            "coupon": ["x"],  # not in the contract: listed as an extra column
        },
    )
    return root


def test_check_fails_with_one_paragraph_and_no_traceback(runner, tmp_path):
    result = runner.invoke(app, ["check", "--landing", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    message = result.output.strip()
    assert message.startswith("Error: ")
    assert message.endswith("(ContractError)")
    assert "\n\n" not in message
    assert "customers" in message  # the missing table


def test_debug_option_reraises_the_original_error(runner, tmp_path):
    result = runner.invoke(app, ["--debug", "check", "--landing", str(tmp_path)])
    assert isinstance(result.exception, ContractError)
    assert result.exit_code == 1
    assert "Error: " not in result.output


def test_debug_environment_variable_reraises_too(runner, tmp_path):
    result = runner.invoke(app, ["check", "--landing", str(tmp_path)], env={"BULLSEYE_DEBUG": "1"})
    assert isinstance(result.exception, ContractError)


def test_check_passes_and_prints_a_table(runner, tmp_path):
    result = runner.invoke(app, ["check", "--landing", str(_minimal_landing(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "Contract check passed." in result.output
    assert "customers" in result.output
    orders = next(line for line in result.output.splitlines() if "orders" in line)
    assert "parquet" in orders
    assert "coupon" in orders


def test_models_rollback_without_history_exits_2_with_a_message(runner, tmp_path):
    result = runner.invoke(app, ["models", "rollback", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert "Error: No earlier champion" in result.output
    assert "(ValueError)" in result.output
    assert "Traceback" not in result.output


def test_models_list_of_an_empty_registry_prints_the_header(runner, tmp_path):
    result = runner.invoke(app, ["models", "list", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    header = next(line for line in result.output.splitlines() if "version" in line)
    for column in ("alias", "test ROC AUC", "baseline", "lift@10%"):
        assert column in header


def test_monitor_ack_of_an_unknown_gate_exits_2(runner, tmp_path):
    result = runner.invoke(app, ["monitor", "ack", "nope", "--by", "ana", "--home", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: No gate for campaign 'nope'. (KeyError)"


def test_monitor_gates_without_gates(runner, tmp_path):
    result = runner.invoke(app, ["monitor", "gates", "--home", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "No publication gate." in result.output


def test_help_lists_the_groups_and_the_debug_option(runner):
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("models", "monitor", "import", "--debug"):
        assert group in result.output


def _probe_app(error: BaseException) -> typer.Typer:
    probe = typer.Typer()

    @probe.callback()
    def root() -> None:
        pass

    @probe.command()
    @user_errors
    def fail() -> None:
        raise error

    return probe


def test_a_user_error_as_the_cause_is_recognised(runner):
    def raise_chained() -> None:
        try:
            raise ContractError("the landing folder is wrong")
        except ContractError as cause:
            raise RuntimeError("flow run failed") from cause

    try:
        raise_chained()
    except RuntimeError as error:
        chained = error
    result = runner.invoke(_probe_app(chained), ["fail"])
    assert result.exit_code == 2
    assert result.output.strip() == "Error: the landing folder is wrong (ContractError)"


def test_other_errors_and_exits_pass_through(runner):
    bug = runner.invoke(_probe_app(ZeroDivisionError("bug")), ["fail"])
    assert isinstance(bug.exception, ZeroDivisionError)
    assert runner.invoke(_probe_app(typer.Exit(3)), ["fail"]).exit_code == 3
    assert runner.invoke(_probe_app(typer.Abort()), ["fail"]).exit_code == 1


def test_debug_lasts_one_invocation(runner, tmp_path):
    runner.invoke(app, ["--debug", "check", "--landing", str(tmp_path)])
    result = runner.invoke(app, ["check", "--landing", str(tmp_path)])
    assert result.exit_code == 2
