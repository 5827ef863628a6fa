"""Promotion and rollback, through the registry and through the command line."""

from typer.testing import CliRunner

from bullseye.cli import app
from ml.modelling.train import TrainingConfig, train_response_model
from ml.registry import store as registry
from tests.unit.ml.conftest import promote_if_better

TARGET = "campaign_response"


def _two_versions(tmp_path, training_frame):
    models_dir = tmp_path / "models"
    model = train_response_model(training_frame, TrainingConfig(n_trials=2, seed=1))
    first = registry.register(model, models_dir, None, "run1")
    registry.promote(models_dir, TARGET, first.version)
    second = registry.register(model, models_dir, None, "run2")
    registry.set_alias(models_dir, TARGET, "challenger", second.version)
    return models_dir, first.version, second.version


def test_promote_then_rollback(tmp_path, training_frame):
    models_dir, first, second = _two_versions(tmp_path, training_frame)
    registry.promote(models_dir, TARGET, second)
    assert registry.aliases(models_dir, TARGET) == {"champion": second}
    assert registry.rollback(models_dir, TARGET) == first
    assert registry.aliases(models_dir, TARGET)["champion"] == first
    assert registry.champion_history(models_dir, TARGET) == []


def test_models_commands(tmp_path, training_frame):
    models_dir, first, second = _two_versions(tmp_path, training_frame)
    home = ["--home", str(tmp_path)]
    runner = CliRunner()

    listed = runner.invoke(app, ["models", "list", *home])
    assert listed.exit_code == 0, listed.output
    assert first in listed.output
    assert "challenger" in listed.output

    promoted = runner.invoke(app, ["models", "promote", second, *home])
    assert promoted.exit_code == 0, promoted.output
    assert registry.resolve(models_dir, TARGET).version == second

    shown = runner.invoke(app, ["models", "show", "champion", *home])
    assert f'"version": "{second}"' in shown.output

    rolled = runner.invoke(app, ["models", "rollback", *home])
    assert rolled.exit_code == 0, rolled.output
    assert registry.resolve(models_dir, TARGET).version == first
    again = runner.invoke(app, ["models", "rollback", *home])
    assert again.exit_code == 2
    assert "No earlier champion" in again.output


def test_candidate_must_beat_champion_by_the_margin(tmp_path, training_frame):
    models_dir = tmp_path / "models"
    model = train_response_model(training_frame, TrainingConfig(n_trials=2, seed=1))
    first = registry.register(model, models_dir, None, "run1")
    assert promote_if_better(models_dir, first, training_frame).alias == "champion"
    test_rows = training_frame[training_frame["period_id"].isin(model.test_periods)]

    # The same model again: equal AUC, so a positive margin keeps it waiting as challenger.
    second = registry.register(model, models_dir, None, "run2")
    waiting = promote_if_better(models_dir, second, test_rows, margin=0.005)
    assert not waiting.is_promoted
    assert registry.aliases(models_dir, TARGET) == {
        "champion": first.version,
        "challenger": second.version,
    }
    assert waiting.champion_value == waiting.candidate_value

    third = registry.register(model, models_dir, None, "run3")
    assert promote_if_better(models_dir, third, test_rows, margin=0.0).is_promoted
    assert registry.resolve(models_dir, TARGET).version == third.version


def test_approval_without_a_server_leaves_the_new_model_waiting(tmp_path, training_frame):
    """With promotion_approval but only Prefect's ephemeral server (a plain `bullseye run`),
    nobody could answer a pause: the run goes on and the new model waits as challenger. The
    decision itself writes nothing: the champion never changes until the decision is final."""
    from prefect import flow
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from bullseye.core.settings import Settings
    from bullseye.services.training import TrainingOutcome
    from flows.approval import settle_now
    from ml.registry import promotion

    settings = Settings(home=tmp_path, promotion_approval=True)
    model = train_response_model(training_frame, TrainingConfig(n_trials=2, seed=1))
    first = registry.register(model, settings.models_dir, None, "run1")
    promote_if_better(settings.models_dir, first, training_frame)
    second = registry.register(model, settings.models_dir, None, "run2")
    test_rows = training_frame[training_frame["period_id"].isin(model.test_periods)]
    champion = registry.champion(settings.models_dir, TARGET)
    decision = promotion.decide(second, champion, test_rows)
    assert decision.is_promoted  # equal AUC, no margin
    assert registry.aliases(settings.models_dir, TARGET) == {"champion": first.version}

    @flow
    def decide() -> str | None:
        return settle_now(settings, TrainingOutcome(model, second, decision))

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        answer = decide()
    assert answer.startswith("awaiting approval")
    assert registry.aliases(settings.models_dir, TARGET) == {
        "champion": first.version,
        "challenger": second.version,
    }


def test_a_decision_against_a_replaced_champion_is_not_applied(tmp_path, training_frame):
    """Decided against champion A; while a person decided, B became champion: the approval
    leaves the candidate as challenger instead of replacing B unjudged."""
    from ml.registry import promotion

    models_dir = tmp_path / "models"
    model = train_response_model(training_frame, TrainingConfig(n_trials=2, seed=1))
    a = registry.register(model, models_dir, None, "a")
    registry.promote(models_dir, TARGET, a.version)
    candidate = registry.register(model, models_dir, None, "candidate")
    test_rows = training_frame[training_frame["period_id"].isin(model.test_periods)]
    decision = promotion.decide(candidate, registry.champion(models_dir, TARGET), test_rows)
    assert decision.is_promoted
    assert decision.champion_version == a.version
    b = registry.register(model, models_dir, None, "b")
    registry.promote(models_dir, TARGET, b.version)  # meanwhile
    assert promotion.apply(models_dir, TARGET, decision, approved=True) == "challenger"
    assert registry.aliases(models_dir, TARGET) == {
        "champion": b.version,
        "challenger": candidate.version,
    }
