"""What every flow run shares: its settings, as-of moment and run id at the start, and one closing
sequence at the end (summary.json beside the run, a markdown artifact, the result returned)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from prefect.artifacts import create_markdown_artifact
from pydantic import BaseModel

from bullseye.core.jsonio import write_json_atomic
from bullseye.core.params import RunParameterError, check_as_of, check_home
from bullseye.core.settings import Settings


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    as_of: datetime  # naive UTC, to the second
    run_id: str

    @property
    def run_dir(self) -> Path:
        return self.settings.runs_dir / self.run_id

    def close(
        self,
        result: BaseModel | dict[str, Any],
        markdown: str,
        key: str,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Write ``summary.json`` (with its own path in ``summary_path``), leave the markdown
        artifact, and return the summary as the flow's result."""
        summary = result.model_dump() if isinstance(result, BaseModel) else dict(result)
        path = self.run_dir / "summary.json"
        summary["summary_path"] = str(path)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(path, summary)
        create_markdown_artifact(markdown=markdown, key=key, description=description)
        return summary


def start_run(home: Path | None, as_of: datetime | None, **overrides: object) -> RunContext:
    """Settings with the flow's overrides (those given, not None), the as-of moment as naive
    UTC (default: now; a naive value is taken as UTC) and a new run id. A home Bullseye cannot
    write to, or an implausible as-of moment, stops the run here (``RunParameterError``)."""
    overrides = {k: v for k, v in (overrides | {"home": home}).items() if v is not None}
    as_of = (as_of or datetime.now(UTC)).replace(microsecond=0)
    if as_of.tzinfo:
        as_of = as_of.astimezone(UTC).replace(tzinfo=None)
    run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    settings = Settings(**overrides)
    check_home(settings.home)
    return RunContext(settings, check_as_of(as_of), run_id)


def require_landing(landing_dir: Path | None, settings: Settings) -> Path:
    landing = landing_dir or settings.landing_dir
    if landing is None:
        raise RunParameterError(
            "No landing folder: pass landing_dir, or set BULLSEYE_LANDING_DIR (landing_dir in "
            "bullseye.toml) for scheduled runs."
        )
    return Path(landing)
