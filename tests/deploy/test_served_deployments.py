"""Acceptance for orchestration (slow): a real Prefect server on localhost, the deployments of
prefect.yaml served by `bullseye serve`, a scoring deployment run through the API the UI uses
with non-default parameters, and two scoring runs started at the same moment that both
complete and leave a warehouse passing its dbt tests, and promotions that wait for a person's
answer in the form the UI shows (Prefect's pause with input), resumed over the same API."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bullseye.datagen import GeneratorConfig, generate
from tests.conftest import AS_OF

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(url)


@contextmanager
def _prefect_server(folder: Path, env: dict) -> Iterator[dict]:
    """A `prefect server` on a free localhost port with its own database; yields ``env``
    pointed at it."""
    folder.mkdir(parents=True, exist_ok=True)
    port = str(_free_port())
    api = f"http://127.0.0.1:{port}/api"
    env = env | {
        "PREFECT_HOME": str(folder),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    }
    with (folder / "server.log").open("w") as logs:
        server = subprocess.Popen(
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", port],
            env=env,
            stdout=logs,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for(f"{api}/health", 180)
            yield env
        finally:
            server.terminate()
            server.wait(30)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("stack")
    data = generate(work / "data", GeneratorConfig(customers=2_000))
    settings = {
        "BULLSEYE_HOME": str(work / "home"),
        "BULLSEYE_LANDING_DIR": str(data.landing_dir),
        "BULLSEYE_N_TRIALS": "3",
        # a retrained model on the same data ties the champion: with no margin it is promoted,
        # and promotions wait for a person
        "BULLSEYE_PROMOTION_APPROVAL": "true",
        "BULLSEYE_PROMOTION_MARGIN": "0",
    }
    with _prefect_server(work / "prefect", os.environ | settings) as env:
        # the warehouse and a champion, as a first pipeline run leaves them
        subprocess.run(
            [
                str(BIN / "bullseye"),
                "run",
                "--landing",
                str(data.landing_dir),
                "--as-of",
                AS_OF.isoformat(),
                "--top-k",
                "200",
            ],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        with (work / "serve.log").open("w") as logs:
            served = subprocess.Popen(
                [str(BIN / "bullseye"), "serve"],
                env=env,
                cwd=ROOT,
                stdout=logs,
                stderr=subprocess.STDOUT,
            )
            try:
                yield env, env["PREFECT_API_URL"], work
            finally:
                served.terminate()
                served.wait(30)


def _run_deployment(api: str, name: str, parameters: dict, wait: bool = True):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        deployment = _deployment(client, name)
        run = client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
        if not wait:
            return run
        return _wait_run(client, run.id)


def _deployment(client, name: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while True:  # `bullseye serve` registers the deployments when it starts
        try:
            return client.read_deployment_by_name(name)
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(2)


def _wait_run(client, run_id, seconds: float = 600, until=lambda state: state.is_final()):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        run = client.read_flow_run(run_id)
        if run.state and until(run.state):
            return run
        assert not run.state or not run.state.is_final(), run.state
        time.sleep(2)
    raise TimeoutError(f"flow run {run_id}")


def test_scoring_deployment_runs_from_the_api_with_its_parameters(stack):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL, temporary_settings

    _, api, _ = stack
    parameters = {
        "campaign_ids": ["winter-sale"],
        "policy": {"kind": "budget", "budget": 12.0, "cost_per_contact": 0.1},
        "as_of": AS_OF.isoformat(),
    }
    run = _run_deployment(api, "score/daily", parameters)
    assert run.state.is_completed(), run.state
    assert run.name.startswith("score-winter-sale-")
    assert run.parameters["policy"]["kind"] == "budget"
    assert run.parameters["policy"]["budget"] == 12.0
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run.id]))
        )
    keys = {a.key for a in artifacts}
    assert {"score-summary", "audience-winter-sale", "audience-files-winter-sale"} <= keys
    audience = next(a for a in artifacts if a.key == "audience-winter-sale")
    assert "120" in str(audience.data)  # 12.0 / 0.1 contacts paid for


def test_invalid_parameters_are_refused_before_any_work(stack):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    _, api, work = stack
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        deployment = _deployment(client, "score/daily")
        # a bound in the parameter schema: the server refuses to create the run
        with pytest.raises(Exception, match=r"top_k|greater|minimum"):
            client.create_flow_run_from_deployment(
                deployment.id, parameters={"policy": {"kind": "top_k", "top_k": 0}}
            )
    # a rule across fields (a threshold policy needs its threshold): the run fails when its
    # parameters are validated, before any work
    runs_before = sorted((work / "home" / "runs").iterdir())
    run = _run_deployment(api, "score/daily", {"policy": {"kind": "threshold"}})
    assert run.state.is_failed()
    assert "threshold" in run.state.message
    assert sorted((work / "home" / "runs").iterdir()) == runs_before


def test_two_scoring_runs_at_once_both_complete_and_the_warehouse_stays_valid(stack):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    _, api, work = stack
    parameters = {"campaign_ids": ["winter-sale"], "as_of": AS_OF.isoformat()}
    first = _run_deployment(api, "score/daily", parameters, wait=False)
    second = _run_deployment(api, "score/daily", parameters, wait=False)
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        done = [_wait_run(client, r.id) for r in (first, second)]
    assert all(r.state.is_completed() for r in done), [r.state for r in done]
    from dbt.cli.main import dbtRunner

    from bullseye.core.settings import Settings
    from bullseye.core.targets import dbt_targets_var, load_targets
    from bullseye.core.warehouse import DbtInvocation, dbt_args, dbt_env, release_dbt_connection

    settings = Settings(home=work / "home")
    os.environ.update(dbt_env(settings))
    targets = tuple(dbt_targets_var(load_targets()))
    args = dbt_args("test", DbtInvocation(AS_OF, targets), settings)
    try:
        result = dbtRunner().invoke([*args, "--quiet"])
    finally:
        release_dbt_connection()
    assert result.success, result.exception


def _answer_approval(stack, deployment: str, approve: bool) -> tuple[str, str]:
    """Start ``deployment``, wait for it to pause for approval, check what waits and that the
    warehouse is free meanwhile, answer the form as the UI does, and wait for the end.
    Returns the champion before and the version that waited."""
    from filelock import FileLock
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from ml.registry.store import aliases

    env, api, work = stack
    models = work / "home" / "models"
    champion = aliases(models, "campaign_response")["champion"]
    parameters = {"as_of": AS_OF.isoformat()}
    if deployment.startswith("pipeline"):
        parameters |= {
            "landing_dir": env["BULLSEYE_LANDING_DIR"],
            "campaign_ids": ["winter-sale"],
        }
    started = _run_deployment(api, deployment, parameters, wait=False)
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        paused = _wait_run(client, started.id, until=lambda state: state.is_paused())
        waiting = aliases(models, "campaign_response")
        assert waiting["champion"] == champion  # nothing replaced before the answer
        assert waiting["challenger"] != champion
        # the form the UI renders comes from the schema the run saved when it paused
        keyset = paused.state.state_details.run_input_keyset
        schema = json.loads(client.read_flow_run_input(started.id, keyset["schema"]))
        assert {"approve", "reviewer", "note"} <= set(schema["properties"])
        # a run waiting for a person does not hold the warehouse
        lock = FileLock(str(work / "home" / "warehouse" / ".writer.lock"))
        lock.acquire(timeout=0)
        lock.release()
        client.resume_flow_run(
            started.id, run_input={"approve": approve, "reviewer": "qa", "note": "acceptance"}
        )
        done = _wait_run(client, started.id)
    assert done.state.is_completed(), done.state
    return champion, waiting["challenger"]


def test_a_declined_promotion_leaves_the_champion(stack):
    from ml.registry.store import aliases

    work = stack[2]
    champion, waited = _answer_approval(stack, "train/train-campaign-response", False)
    after = aliases(work / "home" / "models", "campaign_response")
    assert after["champion"] == champion
    assert after["challenger"] == waited


def test_an_approved_promotion_makes_the_pipeline_score_with_the_new_champion(stack):
    from ml.registry.store import aliases

    work = stack[2]
    runs_before = set((work / "home" / "runs").iterdir())
    champion, waited = _answer_approval(stack, "pipeline/manual", True)
    assert aliases(work / "home" / "models", "campaign_response")["champion"] == waited
    (run_dir,) = set((work / "home" / "runs").iterdir()) - runs_before
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["promotion"].startswith("approved by qa")
    assert summary["scoring_model_version"] == waited != champion


def test_a_failed_run_retried_as_the_ui_does_completes(stack):
    """The 05:00 refresh fails because the landing files are late; once they arrive, Retry in
    the UI (a Scheduled "AwaitingRetry" state on the same run) completes it."""
    import shutil

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import State, StateType
    from prefect.settings import PREFECT_API_URL, temporary_settings

    env, api, work = stack
    late = work / "late-landing"
    parameters = {"landing_dir": str(late), "as_of": AS_OF.isoformat()}
    failed = _run_deployment(api, "refresh-warehouse/daily", parameters)
    assert failed.state.is_failed()
    assert str(late) in failed.state.message
    shutil.copytree(env["BULLSEYE_LANDING_DIR"], late)
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        retry = State(type=StateType.SCHEDULED, name="AwaitingRetry", message="Retry from the UI")
        client.set_flow_run_state(failed.id, retry, force=False)
        done = _wait_run(client, failed.id)
    assert done.state.is_completed(), done.state
    assert done.run_count == 2


SCHEDULES = {  # prefect.yaml
    "refresh-warehouse/daily": ["0 5 * * *"],
    "score/daily": ["0 6 * * *"],
    "monitor/daily": ["0 7 * * *"],
    "train/train-campaign-response": ["0 3 * * 1"],
    "pipeline/manual": [],
    "evaluate-campaign/manual": [],
}


def test_deployments_applied_to_a_work_pool_run_on_a_worker(stack, tmp_path):
    """The team-server path: `bullseye deploy` applies prefect.yaml to a server (process pool
    "bullseye"), and `prefect worker start --pool bullseye` runs what is triggered. A second
    server, so the first one's `bullseye serve` cannot take the run; same warehouse."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    base_env, _, _ = stack
    with _prefect_server(tmp_path / "prefect", base_env) as env:
        api = env["PREFECT_API_URL"]
        subprocess.run(
            [str(BIN / "bullseye"), "deploy"], env=env, cwd=ROOT, check=True, capture_output=True
        )
        with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
            for name, crons in SCHEDULES.items():
                deployment = client.read_deployment_by_name(name)
                assert deployment.work_pool_name == "bullseye", name
                assert [s.schedule.cron for s in deployment.schedules] == crons, name
            run = client.create_flow_run_from_deployment(
                client.read_deployment_by_name("score/daily").id,
                parameters={
                    "campaign_ids": ["winter-sale"],
                    "policy": {"kind": "top_k", "top_k": 150},
                    "as_of": AS_OF.isoformat(),
                },
            )
            subprocess.run(
                [str(BIN / "prefect"), "worker", "start", "--pool", "bullseye", "--run-once"],
                env=env,
                cwd=tmp_path,  # the deployment's pull step moves to the project itself
                check=True,
                capture_output=True,
                timeout=600,
            )
            done = _wait_run(client, run.id, seconds=60)
    assert done.state.is_completed(), done.state
    assert done.name.startswith("score-winter-sale-")
    assert done.work_pool_name == "bullseye"
