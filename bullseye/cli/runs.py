"""The pipeline commands: ``bullseye run|train|evaluate|score|demo``.

Plain functions; ``bullseye.cli.main`` registers them on the root app, in help order.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bullseye.cli.errors import quiet_flow_failures, user_errors
from bullseye.cli.options import (
    AsOfOption,
    BudgetOption,
    CostOption,
    HomeOption,
    LandingOption,
    Policy,
    PolicyOption,
    ThresholdOption,
    TrialsOption,
    TuningTimeoutOption,
    ValueOption,
    _parse_filters,
    _policy,
    check_inputs,
    settings,
)


def _run_pipeline(**kwargs) -> dict:
    from flows.pipeline import pipeline

    with quiet_flow_failures():
        return pipeline(**kwargs)


@user_errors
def run(
    landing: LandingOption,
    campaign: Annotated[
        list[str] | None,
        typer.Option(
            help="Campaign to score (default: latest without contacts); repeat for several on "
            "the same day: each customer goes to the campaign where they are worth most."
        ),
    ] = None,
    as_of: AsOfOption = None,
    top_k: Annotated[int | None, typer.Option(min=1, help="Audience size (default: all).")] = None,
    truth: Annotated[Path | None, typer.Option(help="Ground-truth folder, for oracle AUC.")] = None,
    home: HomeOption = None,
    trials: TrialsOption = None,
    tuning_timeout: TuningTimeoutOption = None,
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Audience filter FIELD=V1,V2 on customer_profiles fields or segment_label; "
            "repeatable (e.g. --only rfm_segment=champions,loyal --only region=north)."
        ),
    ] = None,
    policy: PolicyOption = Policy.top_k,
    threshold: ThresholdOption = None,
    budget: BudgetOption = None,
    cost_per_contact: CostOption = None,
    value_per_response: ValueOption = None,
) -> None:
    """Run the whole pipeline on your own landing folder."""
    check_inputs(campaign, as_of, home, landing)
    _run_pipeline(
        policy=_policy(
            kind=policy,
            top_k=top_k,
            threshold=threshold,
            budget=budget,
            cost_per_contact=cost_per_contact,
            value_per_response=value_per_response,
            filters=_parse_filters(only or []),
        ),
        landing_dir=landing,
        campaign_ids=campaign,
        as_of=as_of,
        truth_dir=truth,
        home=home,
        n_trials=trials,
        tuning_timeout_s=tuning_timeout,
    )


@user_errors
def train(
    landing: LandingOption,
    target: Annotated[str, typer.Option(help="Declared target name (config/targets.yml).")],
    as_of: AsOfOption = None,
    home: HomeOption = None,
    trials: TrialsOption = None,
    tuning_timeout: TuningTimeoutOption = None,
) -> None:
    """Refresh the warehouse and train one declared target (campaign_response, purchase_within,
    churn)."""
    from bullseye.core.targets import get_target, load_targets

    check_inputs(None, as_of, home, landing)
    get_target(load_targets(settings(home).targets_file), target)  # a typo stops here
    from flows.train import train_target  # Prefect and the flows: after the quick checks

    with quiet_flow_failures():
        train_target(
            landing_dir=landing,
            target=target,
            as_of=as_of,
            home=home,
            n_trials=trials,
            tuning_timeout_s=tuning_timeout,
        )


@user_errors
def tune_worker(
    target: Annotated[str, typer.Option(help="Declared target name (config/targets.yml).")],
    home: HomeOption = None,
) -> None:
    """Tune a target's current Optuna study as one more worker, beside the run that trains it
    (on this or another machine): needs a shared BULLSEYE_OPTUNA_STORAGE and the warehouse that
    run refreshed (docs/scale-out.md). Stops when the study's trial budget is spent."""
    import os

    from bullseye.core.targets import get_target, load_targets
    from bullseye.services.training import join_study

    check_inputs(None, None, home, None)
    config = settings(home)
    if config.optuna_storage is None:
        raise typer.BadParameter(
            "BULLSEYE_OPTUNA_STORAGE is not set: a worker in another process needs a shared "
            "study storage (postgresql+psycopg://...), not the run's own SQLite file.",
            param_hint="BULLSEYE_OPTUNA_STORAGE",
        )
    from bullseye.core.warehouse import require_built

    declared = get_target(load_targets(config.targets_file), target)
    require_built(config, declared.training_relation)
    result = join_study(config, declared, os.getpid())
    typer.echo(
        f"Study {result.study_name}: {result.n_trials} trials in all, best validation ROC AUC "
        f"{result.valid_auc:.4f}"
    )


@user_errors
def plan_test(
    campaign: Annotated[str, typer.Option(help="The campaign whose test is planned.")],
    baseline_rate: Annotated[
        float,
        typer.Option(min=0.0, max=1.0, help="Expected response rate without contact (control)."),
    ],
    min_lift: Annotated[
        float, typer.Option(help="Smallest relative lift worth detecting: 0.2 means +20%.")
    ],
    audience_size: Annotated[
        int, typer.Option(min=2, help="Planned audience, control group included (top-k).")
    ],
    power: Annotated[float, typer.Option(min=0.5, max=0.99, help="Wanted power.")] = 0.8,
    alpha: Annotated[
        float, typer.Option(min=0.001, max=0.2, help="Significance level (two-sided).")
    ] = 0.05,
    home: HomeOption = None,
) -> None:
    """Size the campaign's control group for the power wanted (two-proportion test); the
    campaign's next audiences use that control share and its measurement says whether the
    test had the power planned. The warehouse must be built (the campaign staged)."""
    from bullseye.core.catalog import CAMPAIGNS_RELATION
    from bullseye.core.warehouse import require_built
    from bullseye.services.test_plans import plan_campaign_test

    check_inputs([campaign], None, home)
    config = settings(home)
    require_built(config, CAMPAIGNS_RELATION)
    plan = plan_campaign_test(
        config, campaign, baseline_rate, min_lift, audience_size, alpha, power
    )
    typer.echo(f"{campaign}: {plan.describe()}")


@user_errors
def evaluate(
    campaign: Annotated[str, typer.Option(help="Campaign to measure (its window must be closed).")],
    landing: Annotated[
        Path | None, typer.Option(help="Refresh from this landing folder first.")
    ] = None,
    as_of: AsOfOption = None,
    home: HomeOption = None,
    truth: Annotated[Path | None, typer.Option(help="Ground truth, for the true lift.")] = None,
) -> None:
    """Measure a past campaign: target vs control lift with 95% intervals, incremental
    responses and revenue, ROI, cost per incremental response, response by predicted decile."""
    check_inputs([campaign], as_of, home, landing)
    from flows.evaluate import evaluate_campaign  # Prefect and the flows: after the checks

    with quiet_flow_failures():
        result = evaluate_campaign(
            campaign_id=campaign, landing_dir=landing, as_of=as_of, home=home, truth_dir=truth
        )
    typer.echo(f"Report: {result['report']}")


@user_errors
def score(
    campaign: Annotated[
        list[str] | None,
        typer.Option(help="Campaign to score (repeatable); default: the latest without contacts."),
    ] = None,
    as_of: AsOfOption = None,
    home: HomeOption = None,
    top_k: Annotated[int | None, typer.Option(min=1, help="Audience size.")] = None,
    policy: PolicyOption = Policy.top_k,
    threshold: ThresholdOption = None,
    budget: BudgetOption = None,
    cost_per_contact: CostOption = None,
    value_per_response: ValueOption = None,
) -> None:
    """Score campaigns with the current champion and publish (the warehouse must be built)."""
    from bullseye.core.warehouse import require_built

    selection = _policy(
        kind=policy,
        top_k=top_k,
        threshold=threshold,
        budget=budget,
        cost_per_contact=cost_per_contact,
        value_per_response=value_per_response,
    )
    check_inputs(campaign, as_of, home)
    require_built(settings(home))
    from flows.score import score as score_flow  # Prefect and the flows: after the checks

    with quiet_flow_failures():
        result = score_flow(campaign_ids=campaign, as_of=as_of, home=home, policy=selection)
    for campaign_id, info in result["campaigns"].items():
        typer.echo(f"{campaign_id}: {info['audience_size']} published in {info['files']}")
        if info["empty_reason"]:
            typer.echo(f"  {info['empty_reason']}")


@user_errors
def demo(
    customers: Annotated[
        int, typer.Option(min=500, help="Number of synthetic customers.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    top_k: Annotated[int | None, typer.Option(min=1, help="Audience size.")] = 5_000,
    home: HomeOption = None,
    trials: TrialsOption = None,
    tuning_timeout: TuningTimeoutOption = None,
    policy: PolicyOption = Policy.top_k,
    threshold: ThresholdOption = None,
    budget: BudgetOption = None,
) -> None:
    """Generate synthetic data and run the whole pipeline on it (embedded DuckDB, local Prefect)."""
    from bullseye.datagen import GeneratorConfig
    from bullseye.datagen import generate as run_generator

    check_inputs(None, None, home)
    home_dir = settings(home).home
    config = GeneratorConfig(customers=customers, seed=seed)
    data = run_generator(home_dir / "demo_data", config)
    typer.echo(f"Generated {customers:,} customers in {data.landing_dir}")
    _run_pipeline(
        landing_dir=data.landing_dir,
        as_of=config.end_at,
        policy=_policy(kind=policy, top_k=top_k, threshold=threshold, budget=budget),
        truth_dir=data.truth_dir,
        home=home_dir,
        n_trials=trials,
        tuning_timeout_s=tuning_timeout,
    )
