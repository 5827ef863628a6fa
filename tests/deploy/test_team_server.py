"""Acceptance for a team server (slow): Prefect's server on PostgreSQL instead of SQLite, the
deployments applied to its process work pool, and two workers each running one flow run."""

from __future__ import annotations

import os
import subprocess
import time

import psycopg
import pytest

from tests.conftest import AS_OF
from tests.deploy.test_served_deployments import BIN, ROOT, _prefect_server, _wait_run
from tests.postgres import postgres_server

pytestmark = pytest.mark.slow


def _wait_for_running(client, runs, count: int, seconds: float = 300) -> None:
    """Until ``count`` of ``runs`` have left the scheduled state (a worker took them)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        states = [client.read_flow_run(r.id).state for r in runs]
        if sum(not s.is_scheduled() for s in states) >= count:
            return
        time.sleep(1)
    raise TimeoutError(f"{count} run(s) taken by a worker")


def test_prefect_on_postgresql_runs_deployments_on_two_workers(small_data, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with postgres_server(("prefect",)) as urls:
        # Prefect's server talks to PostgreSQL through asyncpg
        database = urls["prefect"].replace("+psycopg", "+asyncpg")
        env = {
            "BULLSEYE_HOME": str(tmp_path / "home"),
            "PREFECT_API_DATABASE_CONNECTION_URL": database,
        }
        with _prefect_server(tmp_path / "prefect", os.environ | env) as env:
            subprocess.run(
                [str(BIN / "bullseye"), "deploy"], env=env, cwd=ROOT, check=True, timeout=300
            )
            parameters = {"landing_dir": str(small_data.landing_dir), "as_of": AS_OF.isoformat()}
            api = env["PREFECT_API_URL"]
            with (
                temporary_settings({PREFECT_API_URL: api}),
                get_client(sync_client=True) as client,
            ):
                deployment = client.read_deployment_by_name("refresh-warehouse/daily")
                runs = [
                    client.create_flow_run_from_deployment(deployment.id, parameters=parameters)
                    for _ in range(2)
                ]
                # a worker takes one run at a time (--limit 1): the first takes a run, and
                # the second, started once the first is busy, takes the other
                worker = [str(BIN / "prefect"), "worker", "start", "--pool", "bullseye"]
                workers = []
                try:
                    for i in range(2):
                        log = (tmp_path / f"worker-{i}.log").open("w")
                        workers.append(
                            subprocess.Popen(
                                [*worker, "--limit", "1", "--name", f"worker-{i}"],
                                env=env,
                                cwd=tmp_path,  # the pull step moves to the project itself
                                stdout=log,
                                stderr=subprocess.STDOUT,
                            )
                        )
                        _wait_for_running(client, runs, i + 1)
                    done = [_wait_run(client, r.id, seconds=900) for r in runs]
                finally:
                    for w in workers:
                        w.terminate()
                        w.wait(60)
            assert all(r.state.is_completed() for r in done), [r.state for r in done]
            assert {r.work_pool_name for r in done} == {"bullseye"}
            # each worker submitted one of the runs
            submitted = [
                {str(r.id) for r in done if str(r.id) in (tmp_path / f"worker-{i}.log").read_text()}
                for i in range(2)
            ]
            assert sorted(len(s) for s in submitted) == [1, 1]
            assert submitted[0] != submitted[1]
        # the server kept its state in PostgreSQL
        with psycopg.connect(urls["prefect"].replace("postgresql+psycopg", "postgresql")) as pg:
            (count,) = pg.execute("select count(*) from flow_run").fetchone()
        assert count >= 2
