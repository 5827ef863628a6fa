"""Tuning workers in separate processes sharing one Optuna study on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys

import optuna

from bullseye.core.settings import PROJECT_ROOT
from tests.postgres import postgres_server

TRIALS = 10


def test_two_processes_tune_one_study_on_postgresql():
    with postgres_server(("optuna",)) as urls:
        url = urls["optuna"]
        command = [sys.executable, "-m", "tests.tuning_worker", url, "shared", str(TRIALS)]
        # started together on an empty database: both create Optuna's schema at once
        workers = [subprocess.Popen(command, cwd=PROJECT_ROOT) for _ in range(2)]
        assert [w.wait(timeout=300) for w in workers] == [0, 0]
        study = optuna.load_study(study_name="shared", storage=url)
        trials = study.get_trials(deepcopy=False)
        by_worker = {t.user_attrs["worker"] for t in trials}
        assert {w.split(":")[1] for w in by_worker} == {str(w.pid) for w in workers}
        # the budget is the study's, not each worker's (a worker may start one more trial
        # while the other finishes the last)
        assert TRIALS <= len(trials) <= TRIALS + 1
        assert all(t.state.is_finished() for t in trials)
        assert study.best_value > 0.7
