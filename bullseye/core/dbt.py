"""The one way Bullseye runs ``dbt build``: flows, tests and benches all come through here.

dbt runs through prefect-dbt's ``PrefectDbtRunner``. Inside a Prefect flow or task run, every
dbt node shows as a Prefect task with its logs. Outside one (the test fixtures, the benches)
the same runner invokes dbt with no task and no Prefect API call: prefect-dbt creates tasks
only in a run, but it asks for a Prefect client when constructed and resolves Prefect
placeholders in profiles.yml through the API, and with no ``PREFECT_API_URL`` either starts a
temporary Prefect server in a subprocess. Bullseye's profile has no Prefect placeholder, so
outside a run ``build`` skips both (see ``_runner``).

Every call is recorded for tests: ``with invocations() as calls: ...`` lists the builds made
meanwhile, e.g. to check that scoring three campaigns builds dbt once.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dbt_common.events.base_types import EventLevel
from prefect.context import FlowRunContext, TaskRunContext
from prefect_dbt import PrefectDbtRunner, PrefectDbtSettings
from prefect_dbt.core.runner import FAILURE_STATUSES

from bullseye.core import spark
from bullseye.core.settings import DBT_PROJECT_DIR, Settings
from bullseye.core.warehouse import (
    DbtInvocation,
    dbt_env,
    release_dbt_connection,
    write_scoring_requests,
)

# Rebuilds the list of campaigns due (upcoming, plus those in landing.scoring_requests) and
# everything built from it: campaign_eligibility, scoring_campaign and marts.campaigns, with
# their tests. The score flow runs it once for all the campaigns it scores.
SCORING_SELECT = ["--select", "int_campaigns_due+"]
# Everything but the purchase-within and churn training marts (one row per customer and
# snapshot: the largest marts, and a third of the build at a million customers), for runs
# that train and score campaign response only. Tests on them are left out with them.
WITHOUT_BEHAVIOUR_TRAINING = ["--exclude", "tag:behaviour_training"]


class DbtBuildError(RuntimeError):
    """``dbt build`` failed; the message names each failing node and dbt's message for it."""


@dataclass(frozen=True)
class BuildCall:
    """One ``build`` call, as recorded by ``invocations``."""

    selection: tuple[str, ...]
    as_of: datetime


_recorders: list[list[BuildCall]] = []
_recorders_lock = threading.Lock()


@contextmanager
def invocations() -> Iterator[list[BuildCall]]:
    """The ``build`` calls made while the block runs (in any thread of this process)."""
    global _recorders
    calls: list[BuildCall] = []
    with _recorders_lock:
        _recorders.append(calls)
    try:
        yield calls
    finally:
        with _recorders_lock:
            _recorders = [r for r in _recorders if r is not calls]


def build(settings: Settings, invocation: DbtInvocation, selection: Sequence[str] = ()) -> None:
    """``dbt build`` (models, unit and data tests) of ``selection`` (default: everything);
    raises ``DbtBuildError`` on any failure. The DuckDB file is free again on return."""
    call = BuildCall(tuple(selection), invocation.as_of)
    with _recorders_lock:
        for recorder in _recorders:
            recorder.append(call)
    os.environ.update(dbt_env(settings))
    if settings.engine == "spark":
        spark.session(settings)  # dbt-spark's session method then builds in this one
    dbt_vars = invocation.vars_json(settings)
    described = " ".join(["dbt build", *selection])
    try:
        result = _runner(settings).invoke(["build", "--vars", dbt_vars, *selection])
    except ValueError as error:  # dbt could not run (prefect-dbt re-raises dbt's exception)
        # prefect-dbt's message repeats the command line, whose vars hold the pii salt
        message = str(error).replace(dbt_vars, "<vars>")
        raise DbtBuildError(f"{described} failed: {message}") from None
    finally:
        release_dbt_connection()
    if not result.success:
        raise DbtBuildError(f"{described} failed:\n{_failures(result)}")


def _failures(result: Any) -> str:
    """One line per failing node: its type, name, status and dbt's message."""
    nodes = getattr(result.result, "results", None) or []
    lines = [
        f"{r.node.resource_type.title()} {r.node.name} {r.status}: {r.message}"
        for r in nodes
        if r.status in FAILURE_STATUSES
    ]
    return "\n".join(lines) or str(result.exception)


def manifest_hash(settings: Settings) -> str | None:
    """SHA-256 of the dbt manifest this home's last build or parse wrote (None before any):
    names the dbt project version a model or an audience came from."""
    manifest = settings.dbt_target_path / "manifest.json"
    return hashlib.sha256(manifest.read_bytes()).hexdigest() if manifest.is_file() else None


def build_scoring(
    settings: Settings, invocation: DbtInvocation, campaign_ids: Sequence[str]
) -> None:
    """Ask for ``campaign_ids`` to be scored (landing.scoring_requests) and rebuild the
    scoring marts in one dbt invocation: they then hold these campaigns and the upcoming
    ones, keyed by campaign_id (DuckDB; on a warehouse adapter the EL tool loads the
    requests table)."""
    write_scoring_requests(settings, campaign_ids)
    build(settings, invocation, SCORING_SELECT)


def _in_prefect_run() -> bool:
    return FlowRunContext.get() is not None or TaskRunContext.get() is not None


class _SettingsWithoutApi(PrefectDbtSettings):
    """Reads profiles.yml as is when it has no Prefect block or variable placeholder (resolving
    those needs the Prefect API)."""

    @contextmanager
    def resolve_profiles_yml(self) -> Iterator[str]:
        if "prefect." in (self.profiles_dir / "profiles.yml").read_text(encoding="utf-8"):
            with super().resolve_profiles_yml() as resolved:
                yield resolved
        else:
            yield str(self.profiles_dir)


class _NoPrefectApi:
    """Stands in for the Prefect client PrefectDbtRunner asks for: prefect-dbt 0.7 keeps it but
    reaches the API only to create tasks, in a flow or task run. Any use fails loudly rather
    than starting a temporary Prefect server."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(
            f"PrefectDbtRunner used its Prefect client ({name}) outside a flow run; "
            "bullseye.core.dbt gives it none there."
        )


def _runner(settings: Settings) -> PrefectDbtRunner:
    """In a flow or task run: prefect-dbt as is (a task per dbt node, logs in Prefect).
    Outside: the same runner, without the Prefect API, errors only on the console."""
    if _in_prefect_run():
        return PrefectDbtRunner(
            settings=PrefectDbtSettings(
                project_dir=DBT_PROJECT_DIR,
                profiles_dir=DBT_PROJECT_DIR,
                target_path=settings.dbt_target_path,
            ),
            raise_on_failure=False,  # build() reports the failing nodes itself
        )
    return PrefectDbtRunner(
        settings=_SettingsWithoutApi(
            project_dir=DBT_PROJECT_DIR,
            profiles_dir=DBT_PROJECT_DIR,
            target_path=settings.dbt_target_path,
            log_level=EventLevel.ERROR,
        ),
        raise_on_failure=False,
        client=_NoPrefectApi(),  # type: ignore[arg-type]
    )
