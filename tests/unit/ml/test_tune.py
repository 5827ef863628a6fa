"""Optuna search: budgets, a study that resumes from its storage, several workers on one study."""

import optuna

from ml.modelling.data import FeatureSpec, split_by_time
from ml.modelling.tune import TuningBudget, to_dmatrix, tune


def _matrices(frame):
    split = split_by_time(frame, seed=0)
    spec = FeatureSpec.from_frame(split.train)
    return (
        to_dmatrix(spec.matrix(split.train), split.train["label"]),
        to_dmatrix(spec.matrix(split.valid), split.valid["label"]),
    )


def test_interrupted_study_resumes_to_its_trial_budget(tmp_path, training_frame):
    dtrain, dvalid = _matrices(training_frame)
    storage = f"sqlite:///{tmp_path / 'optuna.sqlite3'}"
    first = tune(dtrain, dvalid, TuningBudget(3, 60, seed=1), storage, "resume")
    assert first.n_trials == 3
    resumed = tune(dtrain, dvalid, TuningBudget(5, 60, seed=1), storage, "resume")
    assert resumed.n_trials == 5  # two more trials, not five
    assert [h["number"] for h in resumed.history] == [0, 1, 2, 3, 4]


def test_several_workers_share_one_study(tmp_path, training_frame):
    dtrain, dvalid = _matrices(training_frame)
    storage = f"sqlite:///{tmp_path / 'optuna.sqlite3'}"
    budget = TuningBudget(6, 60, seed=1, n_workers=2)
    assert budget.threads_per_trial == 1
    result = tune(dtrain, dvalid, budget, storage, "parallel")
    study = optuna.load_study(study_name="parallel", storage=storage)
    assert len(study.trials) == result.n_trials >= 6
    assert {t.state for t in study.trials} <= {
        optuna.trial.TrialState.COMPLETE,
        optuna.trial.TrialState.PRUNED,
    }
    assert result.valid_auc == max(t.value for t in study.trials if t.value is not None)
