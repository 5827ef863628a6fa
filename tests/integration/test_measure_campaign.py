"""Measuring a past generated campaign on a real dbt-built warehouse."""

from dataclasses import replace

import duckdb

from bullseye.core.catalog import MEASUREMENTS_RELATION
from bullseye.services.measurement import evaluate_campaign
from tests.conftest import build_warehouse


def test_past_campaign_lift_covers_the_generators_true_lift(small_data, tmp_path):
    settings = build_warehouse(small_data.landing_dir, tmp_path / "home")
    first = evaluate_campaign(
        settings, "summer-sports", None, tmp_path / "run", small_data.truth_dir
    )
    m = first.measurement
    true_lift = first.truth["true_absolute_lift"]
    assert m.absolute_lift_low <= true_lift <= m.absolute_lift_high
    assert m.contacts_control > 0
    assert first.report_path.read_text().count("summer-sports") >= 2

    # measuring again replaces the campaign's row instead of adding one
    evaluate_campaign(settings, "summer-sports", None, tmp_path / "run", small_data.truth_dir)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            f"select count(*) from {MEASUREMENTS_RELATION} where campaign_id = 'summer-sports'"
        ).fetchone()[0]
    assert rows == 1


def test_a_planned_test_sizes_the_control_group_and_its_measurement_states_the_power(
    small_data, tmp_path
):
    from typer.testing import CliRunner

    from bullseye.cli import app
    from bullseye.core.catalog import TEST_PLANS_RELATION
    from bullseye.core.params import AudiencePolicyParams
    from bullseye.core.targets import load_targets
    from bullseye.services.scoring import score_candidates
    from bullseye.services.test_plans import campaign_plan
    from bullseye.services.training import train_and_register, training_config

    settings = build_warehouse(small_data.landing_dir, tmp_path / "home")
    runner = CliRunner()

    def plan_test(campaign: str, lift: str, audience: str):
        options = ["--baseline-rate", "0.05", "--min-lift", lift, "--audience-size", audience]
        return runner.invoke(
            app, ["plan-test", "--campaign", campaign, *options, "--home", str(settings.home)]
        )

    planned = plan_test("winter-sale", "0.5", "8000")
    assert planned.exit_code == 0, planned.output
    assert "Control group" in planned.output
    assert "power 80%" in planned.output
    plan = campaign_plan(settings, "winter-sale")
    assert 0.02 < plan.control_share < 0.5
    assert plan.is_powered
    # an unknown campaign is named; a hostile id is refused before any SQL; nothing stored
    for campaign, said in (
        ("no-such-campaign", "not in the staged campaigns"),
        ("x'; drop table marts.campaigns; --", "is not allowed"),
    ):
        refused = plan_test(campaign, "0.5", "8000")
        assert refused.exit_code != 0
        assert said in refused.output

    # the audience step uses the plan's share
    target = load_targets()["campaign_response"]
    config = replace(training_config(settings, target), n_trials=2)
    trained = train_and_register(settings, target, "run", config)
    candidates = score_candidates(settings, trained.version, "winter-sale", AudiencePolicyParams())
    assert candidates.policy.control_share == plan.control_share
    assert settings.control_share != plan.control_share

    # a past campaign measured against its plan: the verdict at the groups' real sizes
    assert plan_test("summer-sports", "0.1", "1000").exit_code == 0
    m = evaluate_campaign(settings, "summer-sports", None, tmp_path / "run").measurement
    assert m.power_verdict.startswith("UNDERPOWERED")
    assert m.power_at_sizes < 0.8
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        stored = con.execute(
            f"select power_verdict from {MEASUREMENTS_RELATION} where campaign_id = 'summer-sports'"
        ).fetchone()[0]
        plans = con.execute(f"select count(*) from {TEST_PLANS_RELATION}").fetchone()[0]
    assert stored == m.power_verdict
    assert plans == 2
