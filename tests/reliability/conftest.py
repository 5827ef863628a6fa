"""Fixtures shared by the reliability tests. Each section belongs to the tests it names."""

from __future__ import annotations

import pytest

# --- crash, concurrency and webhook-failure tests (test_crash.py, test_concurrency.py,
# --- test_webhook_failures.py; helpers in runs.py and publications.py) -------------------


@pytest.fixture(scope="session")
def cli_home(small_data, tmp_path_factory):
    """A home after one successful `bullseye run` on the small generated landing (warehouse,
    champion, the upcoming campaign's audience), made by the real command in a subprocess with
    its own Prefect home. Tests copy it (``CliHome.copy``) before they run anything on it."""
    from tests.reliability.runs import CliHome, Run, run_args

    work = tmp_path_factory.mktemp("cli-home")
    made = CliHome(work / "home", small_data.landing_dir, work / "prefect", campaign="")
    run = Run(run_args(made.landing, top_k=200), made.env(), work / "first-run.log")
    assert run.wait() == 0, run.output()[-5_000:]
    (campaign,) = [d.name for d in (made.home / "audiences").iterdir() if d.name[0] != "."]
    return CliHome(made.home, made.landing, made.prefect_home, campaign)
