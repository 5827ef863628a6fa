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
        workers = [subprocess.Popen([*command, str(i)], cwd=PROJECT_ROOT) for i in range(2)]
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
        # the second worker samples with its own seed: no trial is another's twin
        proposals = [tuple(sorted(t.params.items())) for t in trials]
        assert len(set(proposals)) == len(proposals)


def test_a_joining_worker_tunes_the_study_the_training_run_uses(warehouse, tmp_path):
    """`bullseye tune-worker` derives the run's own study name from the same warehouse: its
    trials count against the budget the training run then finds spent."""
    from bullseye.core.targets import get_target, load_targets
    from bullseye.services.training import (
        join_study,
        load_training_frame,
        training_config,
    )
    from ml.modelling.train import train_response_model

    storage = f"sqlite:///{tmp_path / 'o.db'}"
    shared = warehouse.model_copy(update={"n_trials": 3, "optuna_storage": storage})
    target = get_target(load_targets(shared.targets_file), "campaign_response")
    joined = join_study(shared, target, worker=1)
    assert joined.n_trials == 3
    model = train_response_model(
        load_training_frame(shared, target), training_config(shared, target)
    )
    assert model.tuning.study_name == joined.study_name
    assert model.tuning.n_trials == 3  # nothing left to run: the worker spent the budget
