"""The command-line half of the bad-input catalogue: ids, moments, policies, homes, model
versions and targets a user may type wrong. Each is refused in one paragraph (exit 2, no
traceback) before any flow or Prefect server starts, and leaves nothing behind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bullseye.cli import app
from tests.reliability.test_bad_input_contract import one_paragraph_error, valid

HOSTILE_IDS = {
    "sql injection": ("x'; drop table marts.campaigns; --", "it contains ';'"),
    "path traversal": ("../../etc", "it contains '/'"),
    "absolute path": ("/tmp/evil", "it contains '/'"),
    "backslashes": ("..\\..\\evil", "it contains '\\\\'"),
    "leading space": (" spring", "starts or ends with a space"),
    "newline": ("spring\nsale", "it contains '\\n'"),
    "too long": ("x" * 101, "it has 101 characters"),
    "empty": ("", "it is empty"),
    "dots only": ("..", "it starts with '.'"),
}


@dataclass(frozen=True)
class ArgCase:
    name: str
    args: list[str]  # {landing} and {home} are filled in
    expected: tuple[str, ...]
    error: str  # the exception class the paragraph ends with
    doc: str  # how docs/operations.md's "When something goes wrong" table names it


def _cases() -> list[ArgCase]:
    run = ["run", "--landing", "{landing}", "--home", "{home}"]
    score = ["score", "--home", "{home}"]
    cases = [
        ArgCase(
            f"campaign id: {name}",
            [*run, "--campaign", value],
            ("is not allowed", why),
            "InvalidIdError",
            "Campaign id",
        )
        for name, (value, why) in HOSTILE_IDS.items()
    ]
    return [
        *cases,
        ArgCase(
            "score: campaign id with a slash",
            [*score, "--campaign", "a/b"],
            ("Campaign id 'a/b' is not allowed",),
            "InvalidIdError",
            "Campaign id",
        ),
        ArgCase(
            "evaluate: campaign id with a semicolon",
            ["evaluate", "--campaign", "a;b", "--home", "{home}"],
            ("it contains ';'",),
            "InvalidIdError",
            "Campaign id",
        ),
        ArgCase(
            "as-of far in the past",
            [*run, "--as-of", "1800-01-01"],
            ("As-of moment 1800-01-01 00:00:00 is out of range", "between 1970-01-01"),
            "RunParameterError",
            "As-of moment",
        ),
        ArgCase(
            "as-of far in the future",
            [*score, "--as-of", "2999-01-01T00:00:00"],
            ("As-of moment 2999-01-01 00:00:00 is out of range",),
            "RunParameterError",
            "As-of moment",
        ),
        ArgCase(
            "unwritable home (under a file)",
            ["run", "--landing", "{landing}", "--home", "{landing}/customers/part-0.csv/home"],
            ("cannot be used", "is a file, not a folder", "BULLSEYE_HOME"),
            "RunParameterError",
            "Bullseye home",
        ),
        ArgCase(
            "threshold policy without a threshold",
            [*run, "--policy", "threshold"],
            ("policy 'threshold' needs threshold",),
            "ValidationError",
            "ValidationError",
        ),
        ArgCase(
            "threshold above 1",
            [*run, "--policy", "threshold", "--threshold", "1.5"],
            ("threshold: Input should be less than or equal to 1 (got 1.5)",),
            "ValidationError",
            "ValidationError",
        ),
        ArgCase(
            "negative budget",
            [*score, "--policy", "budget", "--budget", "-5"],
            ("budget: Input should be greater than or equal to 0 (got -5.0)",),
            "ValidationError",
            "ValidationError",
        ),
        ArgCase(
            "negative cost per contact",
            [*run, "--cost-per-contact", "-1"],
            ("cost_per_contact: Input should be greater than or equal to 0",),
            "ValidationError",
            "ValidationError",
        ),
        ArgCase(
            "landing breaks the contract",
            ["run", "--landing", "{home}/nowhere", "--home", "{home}"],
            ("nowhere does not exist",),
            "ContractError",
            "does not exist",
        ),
        ArgCase(
            "unknown target",
            ["train", "--landing", "{landing}", "--target", "churn_9d", "--home", "{home}"],
            ("Unknown target 'churn_9d'; declared: campaign_response",),
            "TargetsFileError",
            "Unknown target",
        ),
        ArgCase(
            "unknown model version",
            ["models", "show", "v20990101000000-deadbeef", "--home", "{home}"],
            ("No model version 'v20990101000000-deadbeef'",),
            "FileNotFoundError",
            "No model version",
        ),
        ArgCase(
            "model version with a path",
            ["models", "promote", "../../../etc", "--home", "{home}"],
            ("Model version or alias '../../../etc' is not allowed",),
            "InvalidIdError",
            "is not allowed",
        ),
        ArgCase(
            "target with a path",
            ["models", "list", "--target", "../models", "--home", "{home}"],
            ("Target '../models' is not allowed",),
            "InvalidIdError",
            "is not allowed",
        ),
        ArgCase(
            "score before any warehouse",
            score,
            ("No built warehouse in", "bullseye run --landing DIR"),
            "WarehouseNotBuiltError",
            "No built warehouse",
        ),
        ArgCase(
            "acknowledging a hostile gate name",
            ["monitor", "ack", "../../../x", "--by", "ana", "--home", "{home}"],
            ("No gate for campaign '../../../x'",),
            "KeyError",
            "No gate for campaign",
        ),
    ]


ARG_CASES = _cases()


@pytest.fixture
def runner(monkeypatch) -> CliRunner:
    monkeypatch.delenv("BULLSEYE_DEBUG", raising=False)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)  # no flow may start
    return CliRunner()


@pytest.mark.parametrize("case", ARG_CASES, ids=[c.name for c in ARG_CASES])
def test_refused_before_anything_runs(case, runner, tmp_path):
    landing, home = tmp_path / "landing", tmp_path / "home"
    valid(landing)
    before = sorted(tmp_path.rglob("*"))
    args = [a.replace("{landing}", str(landing)).replace("{home}", str(home)) for a in case.args]
    result = runner.invoke(app, args)
    message = one_paragraph_error(result)
    assert message.endswith(f"({case.error})"), message
    for fragment in case.expected:
        assert fragment in message, message
    assert sorted(tmp_path.rglob("*")) == before, "a refused command wrote something"


@pytest.mark.parametrize("args", [["run", "--top-k", "0"], ["run", "--only", "region"]])
def test_typer_refuses_malformed_options_without_a_traceback(args, runner, tmp_path):
    valid(tmp_path / "landing")
    result = runner.invoke(app, [*args, "--landing", str(tmp_path / "landing")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "Invalid value" in result.output


def test_debug_shows_the_traceback_of_a_refused_id(runner, tmp_path):
    result = runner.invoke(app, ["--debug", "score", "--campaign", "a/b", "--home", str(tmp_path)])
    assert type(result.exception).__name__ == "InvalidIdError"


def test_allowed_ids_pass_the_edge():
    from bullseye.core.ids import check_campaign_id

    for value in ("winter-sale", "O'Brien spring", "Q4 (EU) #2", "été 2026", "a..b"):
        assert check_campaign_id(value) == value


def test_an_existing_home_file_is_named(tmp_path):
    from bullseye.core.params import RunParameterError, check_home

    (tmp_path / "home").write_text("not a folder")
    with pytest.raises(RunParameterError, match="is a file, not a folder"):
        check_home(tmp_path / "home")
    assert check_home(tmp_path / "new" / "home") == tmp_path / "new" / "home"
    assert not (tmp_path / "new").exists()  # checked, not created


def test_a_flow_refuses_a_hostile_id_as_a_parameter():
    """The flows' own parameters carry the same check (runs started from the UI or the API)."""
    from pydantic import TypeAdapter, ValidationError

    from bullseye.core.ids import CampaignId

    adapter = TypeAdapter(list[CampaignId])
    assert adapter.validate_python(["O'Brien spring"]) == ["O'Brien spring"]
    for value, _ in HOSTILE_IDS.values():
        with pytest.raises(ValidationError):
            adapter.validate_python([value])


def test_paths_never_leave_their_folder():
    from bullseye.core.ids import folder_name

    names = {folder_name(v) for v, _ in HOSTILE_IDS.values()} | {folder_name("winter-sale")}
    assert "winter-sale" in names
    for name in names:
        assert name
        assert not {"/", "\\"} & set(name)
        assert ".." not in name
        assert Path("/root/audiences", name).resolve().parent == Path("/root/audiences")
    assert len(names) == len(HOSTILE_IDS) + 1  # distinct ids, distinct folders
