"""The ``bullseye`` command line."""

from __future__ import annotations

import os
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

# Prefect's server sends anonymous usage analytics by default; Bullseye runs offline.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

app = typer.Typer(
    help="Bullseye: precision-marketing pipeline (dbt, XGBoost + Optuna, Evidently, Prefect).",
    no_args_is_help=True,
    add_completion=False,
)


@app.command()
def generate(
    out: Annotated[Path, typer.Option(help="Output folder: <out>/landing and <out>/truth.")],
    customers: Annotated[int, typer.Option(min=100, help="Number of customers.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same data).")] = 42,
    drift: Annotated[bool, typer.Option("--drift", help="Make the newest 60 days differ.")] = False,
    dirty_share: Annotated[
        float | None,
        typer.Option(min=0.0, max=1.0, help="Dirty rows per clean row (default: a few %)."),
    ] = None,
) -> None:
    """Write synthetic landing data (Parquet) and its ground truth."""
    from bullseye.datagen import GeneratorConfig
    from bullseye.datagen import generate as run_generator

    config = GeneratorConfig(
        customers=customers, seed=seed, has_drift=drift, dirty_share=dirty_share
    )
    result = run_generator(out, config)
    typer.echo(f"Landing tables in {result.landing_dir}; ground truth in {result.truth_dir}")
    for table, rows in result.rows.items():
        typer.echo(f"  {table:<10} {rows:>12,} rows")


import_app = typer.Typer(help="Map a public data set into the landing contract.")
app.add_typer(import_app, name="import")


@import_app.command("online-retail-ii")
def import_online_retail_ii(
    paths: Annotated[
        list[Path], typer.Argument(help="Online Retail II and/or Online Retail files.")
    ],
    out: Annotated[Path, typer.Option(help="Output folder: <out>/landing.")],
) -> None:
    """UCI Online Retail (II) invoice lines -> customers and orders."""
    from bullseye.adapters.online_retail import import_online_retail

    rows = import_online_retail(paths, out)
    typer.echo(f"Landing tables in {out / 'landing'}: {rows}")


@import_app.command("hillstrom")
def import_hillstrom_command(
    path: Annotated[Path, typer.Argument(help="The Hillstrom MineThatData CSV.")],
    out: Annotated[Path, typer.Option(help="Output folder: <out>/landing.")],
    response: Annotated[
        str, typer.Option(help="What counts as a response: conversion or visit.")
    ] = "conversion",
) -> None:
    """Hillstrom's e-mail test -> two campaigns with a shared no-e-mail control group."""
    from bullseye.adapters.hillstrom import import_hillstrom

    rows = import_hillstrom(path, out, response)
    typer.echo(f"Landing tables in {out / 'landing'}: {rows}")


models_app = typer.Typer(help="The model registry: list, inspect, report, promote, roll back.")
app.add_typer(models_app, name="models")
TargetOption = Annotated[str, typer.Option(help="Declared target name.")]
HomeOption = Annotated[Path | None, typer.Option(help="Bullseye home (default from settings).")]
TrialsOption = Annotated[int | None, typer.Option(min=1, help="Optuna trial budget.")]
TuningTimeoutOption = Annotated[
    float | None, typer.Option(min=0.001, help="Optuna wall-clock budget, seconds.")
]


def _settings(home: Path | None):
    from bullseye.core.settings import Settings

    return Settings(**({"home": home} if home else {}))


def _models_dir(home: Path | None) -> Path:
    return _settings(home).models_dir


@models_app.command("list")
def models_list(target: TargetOption = "campaign_response", home: HomeOption = None) -> None:
    """Every version of a target, newest first, with its test metrics and aliases."""
    from ml.registry import store as registry

    models_dir = _models_dir(home)
    aliases = registry.aliases(models_dir, target)
    names = {v: k for k, v in aliases.items()}
    typer.echo(f"{'version':<30}{'alias':<12}{'test ROC AUC':>14}{'baseline':>10}{'lift@10%':>10}")
    for model in registry.list_versions(models_dir, target):
        m, b = model.meta["metrics"], model.meta["baseline_metrics"]
        typer.echo(
            f"{model.version:<30}{names.get(model.version, ''):<12}{m['roc_auc']:>14.4f}"
            f"{b['roc_auc']:>10.4f}{m['top_decile_lift']:>10.2f}"
        )


@models_app.command("show")
def models_show(
    version: str, target: TargetOption = "campaign_response", home: HomeOption = None
) -> None:
    """A version's metadata (features, params, metrics, split, calibration) as JSON."""
    import json

    from ml.registry import store as registry

    model = registry.resolve(_models_dir(home), target, version)
    typer.echo(json.dumps(model.meta, indent=2, default=str))


@models_app.command("report")
def models_report(
    version: str = "champion", target: TargetOption = "campaign_response", home: HomeOption = None
) -> None:
    """(Re)write a version's HTML model report and print its path."""
    from ml.registry import store as registry

    model = registry.resolve(_models_dir(home), target, version)
    typer.echo(str(model.write_report()))


@models_app.command("promote")
def models_promote(
    version: str, target: TargetOption = "campaign_response", home: HomeOption = None
) -> None:
    """Make a version champion (scoring uses the champion)."""
    from ml.registry import store as registry

    registry.promote(_models_dir(home), target, version)
    typer.echo(f"{target}: {version} is champion")


@models_app.command("rollback")
def models_rollback(target: TargetOption = "campaign_response", home: HomeOption = None) -> None:
    """Return to the previous champion."""
    from ml.registry import store as registry

    try:
        previous = registry.rollback(_models_dir(home), target)
    except ValueError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from error
    typer.echo(f"{target}: {previous} is champion again")


@app.command()
def check(landing: Annotated[Path, typer.Option(help="Landing folder.")]) -> None:
    """Check a landing folder against the data contract (no data is read, only schemas)."""
    from bullseye.core.contract import ContractError, check_landing

    try:
        inventory = check_landing(landing)
    except ContractError as error:
        typer.echo(f"Contract check failed: {error}", err=True)
        raise typer.Exit(2) from error
    for name, table in inventory.tables.items():
        extra = f" extra columns: {', '.join(table.extra_columns)}" if table.extra_columns else ""
        typer.echo(f"  {name:<10} {len(table.files)} {table.file_format} file(s){extra}")
    for warning in inventory.warnings:
        typer.echo(f"Warning: {warning}", err=True)
    typer.echo("Contract check passed.")


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors that are about the user's data or configuration: a message, not a traceback."""
    from pydantic import ValidationError

    from bullseye.core.contract import ContractError
    from bullseye.core.quality import QualityGateError
    from bullseye.core.targets import TargetsFileError
    from ml.activation.policy import AudienceFilterError, PolicyError
    from ml.measurement.lift import MeasurementError
    from ml.modelling.data import TrainingDataError
    from monitoring.alerts import PublicationGatedError

    return (
        ContractError,
        QualityGateError,
        TargetsFileError,
        TrainingDataError,
        AudienceFilterError,
        PolicyError,
        ValidationError,
        MeasurementError,
        PublicationGatedError,
    )


def _run_pipeline(**kwargs) -> dict:
    from flows.pipeline import pipeline

    try:
        return pipeline(**kwargs)
    except _user_errors() as error:
        typer.echo(f"{type(error).__name__}: {error}", err=True)
        raise typer.Exit(2) from error


def _parse_filters(specs: list[str]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for spec in specs:
        field, sep, values = spec.partition("=")
        if not sep or not field or not values:
            raise typer.BadParameter(
                f"{spec!r}: expected FIELD=VALUE[,VALUE...]", param_hint="--only"
            )
        filters.setdefault(field.strip(), []).extend(v.strip() for v in values.split(","))
    return filters


class Policy(StrEnum):
    top_k = "top_k"
    threshold = "threshold"
    budget = "budget"
    expected_profit = "expected_profit"
    uplift = "uplift"


PolicyOption = Annotated[
    Policy,
    typer.Option(
        help="top_k: best scores; threshold: scores >= --threshold; budget: as many as --budget "
        "pays for; expected_profit: p x value > cost; uplift: most changed by a contact."
    ),
]
ThresholdOption = Annotated[float | None, typer.Option(help="threshold policy: minimum score.")]
BudgetOption = Annotated[
    float | None, typer.Option(help="Spend limit (budget policy; cap for the others).")
]
CostOption = Annotated[
    float | None, typer.Option(help="Cost per contact (default: the campaign's).")
]
ValueOption = Annotated[
    float | None, typer.Option(help="Value per response (default: the campaign's).")
]


def _policy(**values) -> dict:
    """The policy parameters as the flow takes them; pydantic checks them there."""
    values["kind"] = values.pop("kind").value
    return {k: v for k, v in values.items() if v is not None and v != {}}


@app.command()
def run(
    landing: Annotated[Path, typer.Option(help="Landing folder (one sub-folder per table).")],
    campaign: Annotated[
        list[str] | None,
        typer.Option(
            help="Campaign to score (default: latest without contacts); repeat for several on "
            "the same day: each customer goes to the campaign where they are worth most."
        ),
    ] = None,
    as_of: Annotated[
        datetime | None, typer.Option(help="Point-in-time moment, UTC (default: now).")
    ] = None,
    top_k: Annotated[int | None, typer.Option(min=1, help="Audience size (default: all).")] = None,
    truth: Annotated[Path | None, typer.Option(help="Ground-truth folder, for oracle AUC.")] = None,
    home: Annotated[
        Path | None, typer.Option(help="Bullseye home (default from settings).")
    ] = None,
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


@app.command()
def train(
    landing: Annotated[Path, typer.Option(help="Landing folder (one sub-folder per table).")],
    target: Annotated[str, typer.Option(help="Declared target name (config/targets.yml).")],
    as_of: Annotated[
        datetime | None, typer.Option(help="Point-in-time moment, UTC (default: now).")
    ] = None,
    home: Annotated[
        Path | None, typer.Option(help="Bullseye home (default from settings).")
    ] = None,
    trials: TrialsOption = None,
    tuning_timeout: TuningTimeoutOption = None,
) -> None:
    """Refresh the warehouse and train one declared target (campaign_response, purchase_within,
    churn)."""
    from flows.train import train_target

    try:
        train_target(
            landing_dir=landing,
            target=target,
            as_of=as_of,
            home=home,
            n_trials=trials,
            tuning_timeout_s=tuning_timeout,
        )
    except _user_errors() as error:
        typer.echo(f"{type(error).__name__}: {error}", err=True)
        raise typer.Exit(2) from error


@app.command()
def evaluate(
    campaign: Annotated[str, typer.Option(help="Campaign to measure (its window must be closed).")],
    landing: Annotated[
        Path | None, typer.Option(help="Refresh from this landing folder first.")
    ] = None,
    as_of: Annotated[
        datetime | None, typer.Option(help="Point-in-time moment, UTC (default: now).")
    ] = None,
    home: Annotated[
        Path | None, typer.Option(help="Bullseye home (default from settings).")
    ] = None,
    truth: Annotated[Path | None, typer.Option(help="Ground truth, for the true lift.")] = None,
) -> None:
    """Measure a past campaign: target vs control lift with 95% intervals, incremental
    responses and revenue, ROI, cost per incremental response, response by predicted decile."""
    from flows.evaluate import evaluate_campaign

    try:
        result = evaluate_campaign(
            campaign_id=campaign, landing_dir=landing, as_of=as_of, home=home, truth_dir=truth
        )
    except _user_errors() as error:
        typer.echo(f"{type(error).__name__}: {error}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"Report: {result['report']}")


@app.command()
def score(
    campaign: Annotated[
        list[str] | None,
        typer.Option(help="Campaign to score (repeatable); default: the latest without contacts."),
    ] = None,
    as_of: Annotated[
        datetime | None, typer.Option(help="Point-in-time moment, UTC (default: now).")
    ] = None,
    home: HomeOption = None,
    top_k: Annotated[int | None, typer.Option(min=1, help="Audience size.")] = None,
    policy: PolicyOption = Policy.top_k,
    threshold: ThresholdOption = None,
    budget: BudgetOption = None,
    cost_per_contact: CostOption = None,
    value_per_response: ValueOption = None,
) -> None:
    """Score campaigns with the current champion and publish (the warehouse must be built)."""
    from flows.score import score as score_flow

    try:
        result = score_flow(
            campaign_ids=campaign,
            as_of=as_of,
            home=home,
            policy=_policy(
                kind=policy,
                top_k=top_k,
                threshold=threshold,
                budget=budget,
                cost_per_contact=cost_per_contact,
                value_per_response=value_per_response,
            ),
        )
    except _user_errors() as error:
        typer.echo(f"{type(error).__name__}: {error}", err=True)
        raise typer.Exit(2) from error
    for campaign_id, info in result["campaigns"].items():
        typer.echo(f"{campaign_id}: {info['audience_size']} published in {info['files']}")


@app.command()
def serve() -> None:
    """Serve the deployments of prefect.yaml from this process (schedules and UI-triggered
    runs) without a work pool. Needs a Prefect server: `bullseye server` in another shell and
    PREFECT_API_URL=http://127.0.0.1:4200/api."""
    from prefect import serve as prefect_serve

    from flows.deployments import runner_deployments

    deployments = runner_deployments()
    typer.echo(
        f"Serving {len(deployments)} deployments: "
        + ", ".join(f"{d.flow_name}/{d.name}" for d in deployments)
    )
    prefect_serve(*deployments)


@app.command()
def server(
    port: Annotated[int, typer.Option(help="Port of the API and UI.")] = 4200,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Start a local Prefect server (API and UI) that keeps run history."""
    import subprocess
    import sys

    prefect = str(Path(sys.executable).parent / "prefect")
    typer.echo(
        f"Prefect UI on http://{host}:{port}; in other shells: "
        f"export PREFECT_API_URL=http://{host}:{port}/api"
    )
    env = os.environ | {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        # the UI calls this API; without it the UI looks for port 4200 whatever --port says
        "PREFECT_UI_API_URL": f"http://{host}:{port}/api",
    }
    raise typer.Exit(
        subprocess.call([prefect, "server", "start", "--host", host, "--port", str(port)], env=env)
    )


@app.command()
def deploy() -> None:
    """Apply prefect.yaml's deployments to the Prefect server at PREFECT_API_URL (process work
    pool "bullseye"; run `prefect worker start --pool bullseye` to execute them)."""
    import subprocess
    import sys

    from bullseye.core.settings import PROJECT_ROOT

    prefect = str(Path(sys.executable).parent / "prefect")
    env = os.environ | {"BULLSEYE_PROJECT_DIR": str(PROJECT_ROOT)}
    subprocess.call(
        [prefect, "work-pool", "create", "bullseye", "--type", "process", "--overwrite"],
        env=env,
        cwd=PROJECT_ROOT,
    )
    raise typer.Exit(
        subprocess.call([prefect, "--no-prompt", "deploy", "--all"], env=env, cwd=PROJECT_ROOT)
    )


monitor_app = typer.Typer(help="Monitoring: the Evidently UI, publication gates.")
app.add_typer(monitor_app, name="monitor")


@monitor_app.command("ui")
def monitor_ui(
    home: HomeOption = None,
    port: Annotated[int, typer.Option(help="Port of the Evidently UI.")] = 8000,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Start `evidently ui` on the monitoring workspace (projects, snapshots, dashboards)."""
    import shutil
    import subprocess
    import sys

    folder = _settings(home).monitoring_dir / "workspace"
    folder.mkdir(parents=True, exist_ok=True)
    evidently = shutil.which("evidently") or str(Path(sys.executable).parent / "evidently")
    typer.echo(f"Evidently UI on http://{host}:{port} (workspace {folder})")
    raise typer.Exit(
        subprocess.call(
            [evidently, "ui", "--workspace", str(folder), "--host", host, "--port", str(port)]
        )
    )


@monitor_app.command("gates")
def monitor_gates(home: HomeOption = None) -> None:
    """Campaigns whose publication monitoring stopped, and whether someone acknowledged."""
    from bullseye.services.steps import gates

    rows = gates(_settings(home)).list()
    if not rows:
        typer.echo("No publication gate.")
    for gate in rows:
        ack = gate["acknowledged"]
        state = f"acknowledged by {ack['by']} at {ack['at']}" if ack else "WAITING"
        typer.echo(f"{gate['campaign_id']:<24}{state}  (run {gate['run_id']})")
        for alert in gate["alerts"]:
            typer.echo(f"    {alert['kind']}: {alert['message']}")


@monitor_app.command("ack")
def monitor_ack(
    campaign: Annotated[str, typer.Argument(help="Campaign whose gate to lift.")],
    by: Annotated[str, typer.Option(help="Who reviewed the alerts.")],
    note: Annotated[str, typer.Option(help="Why publishing may go on.")] = "",
    home: HomeOption = None,
) -> None:
    """Acknowledge a campaign's monitoring alerts: its next run publishes again (the same
    alerts do not stop it again; new ones do)."""
    from bullseye.services.steps import gates

    try:
        gates(_settings(home)).acknowledge(campaign, by, note)
    except KeyError as error:
        typer.echo(str(error.args[0]), err=True)
        raise typer.Exit(2) from error
    typer.echo(f"{campaign}: acknowledged by {by}; the next run publishes.")


@app.command()
def docs(
    home: Annotated[
        Path | None, typer.Option(help="Bullseye home (default from settings).")
    ] = None,
) -> None:
    """Generate the dbt docs site (models, columns, tests, lineage) from the built warehouse."""
    from bullseye.core.settings import Settings
    from bullseye.core.warehouse import generate_dbt_docs

    index = generate_dbt_docs(Settings(**({"home": home} if home else {})))
    typer.echo(f"dbt docs: {index} (serve with: cd {index.parent} && python -m http.server)")


@app.command()
def demo(
    customers: Annotated[
        int, typer.Option(min=500, help="Number of synthetic customers.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 42,
    top_k: Annotated[int | None, typer.Option(min=1, help="Audience size.")] = 5_000,
    home: Annotated[
        Path | None, typer.Option(help="Bullseye home (default from settings).")
    ] = None,
    trials: TrialsOption = None,
    tuning_timeout: TuningTimeoutOption = None,
    policy: PolicyOption = Policy.top_k,
    threshold: ThresholdOption = None,
    budget: BudgetOption = None,
) -> None:
    """Generate synthetic data and run the whole pipeline on it (embedded DuckDB, local Prefect)."""
    from bullseye.core.settings import Settings
    from bullseye.datagen import GeneratorConfig
    from bullseye.datagen import generate as run_generator

    settings = Settings(**({"home": home} if home else {}))
    config = GeneratorConfig(customers=customers, seed=seed)
    data = run_generator(settings.home / "demo_data", config)
    typer.echo(f"Generated {customers:,} customers in {data.landing_dir}")
    _run_pipeline(
        landing_dir=data.landing_dir,
        as_of=config.end_at,
        policy=_policy(kind=policy, top_k=top_k, threshold=threshold, budget=budget),
        truth_dir=data.truth_dir,
        home=settings.home,
        n_trials=trials,
        tuning_timeout_s=tuning_timeout,
    )


if __name__ == "__main__":
    app()
