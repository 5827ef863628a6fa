"""Options and helpers shared by several commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bullseye.core.params import PolicyKind

if TYPE_CHECKING:
    from rich.console import Console

    from bullseye.core.settings import Settings

TargetOption = Annotated[str, typer.Option(help="Declared target name.")]
HomeOption = Annotated[Path | None, typer.Option(help="Bullseye home (default from settings).")]
LandingOption = Annotated[Path, typer.Option(help="Landing folder (one sub-folder per table).")]
AsOfOption = Annotated[
    datetime | None, typer.Option(help="Point-in-time moment, UTC (default: now).")
]
TrialsOption = Annotated[int | None, typer.Option(min=1, help="Optuna trial budget.")]
TuningTimeoutOption = Annotated[
    float | None, typer.Option(min=0.001, help="Optuna wall-clock budget, seconds.")
]


Policy = PolicyKind  # the one list of policies (bullseye/core/params.py)


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
    """The policy parameters as the flow takes them, checked here by the flow's own model
    (``ValidationError`` before anything starts) and again by the flow."""
    from bullseye.core.params import AudiencePolicyParams

    values["kind"] = values.pop("kind").value
    policy = {k: v for k, v in values.items() if v is not None and v != {}}
    AudiencePolicyParams(**policy)
    return policy


def _parse_filters(specs: list[str]) -> dict[str, list[str]]:
    """``--only FIELD=V1,V2`` (repeatable) as ``{field: [values]}``."""
    filters: dict[str, list[str]] = {}
    for spec in specs:
        field, sep, values = spec.partition("=")
        if not sep or not field or not values:
            raise typer.BadParameter(
                f"{spec!r}: expected FIELD=VALUE[,VALUE...]", param_hint="--only"
            )
        filters.setdefault(field.strip(), []).extend(v.strip() for v in values.split(","))
    return filters


def check_inputs(
    campaigns: list[str] | None = None,
    as_of: datetime | None = None,
    home: Path | None = None,
    landing: Path | None = None,
) -> None:
    """Refuse a campaign id outside the allowed characters, an implausible --as-of, a home
    Bullseye cannot write to or a landing folder that breaks the contract, in a second and
    before Prefect starts (the flows check them again for runs started from the UI or the
    API; the contract check reads only schemas and CSV bytes, cheap beside a run)."""
    from bullseye.core.contract import check_landing
    from bullseye.core.ids import check_campaign_id
    from bullseye.core.params import check_as_of, check_home

    for campaign in campaigns or []:
        check_campaign_id(campaign)
    if as_of is not None:
        check_as_of(as_of.astimezone(UTC).replace(tzinfo=None) if as_of.tzinfo else as_of)
    check_home(settings(home).home)
    if landing is not None:
        check_landing(landing)


def settings(home: Path | None) -> Settings:
    """The settings, with ``--home`` if given."""
    from bullseye.core.settings import Settings

    return Settings(**({"home": home} if home else {}))


MIN_TABLE_WIDTH = 160


def console() -> Console:
    """A rich console for tables on stdout: plain text (no markup, emoji or highlighting), at
    least 160 columns wide so that version strings are never wrapped or cut, tty or not."""
    from rich.console import Console

    out = Console(markup=False, emoji=False, highlight=False)
    out.width = max(out.width, MIN_TABLE_WIDTH)
    return out
