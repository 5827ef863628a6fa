"""Real `bullseye` processes for the crash, concurrency and webhook-failure tests: started in a
session of their own (so the temporary Prefect server a killed run leaves behind is found and
stopped), watched through the files they write, killed with SIGKILL."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import AS_OF

ROOT = Path(__file__).resolve().parents[2]
BULLSEYE = str(Path(sys.executable).parent / "bullseye")
RUN_TIMEOUT_S = 1_800  # a run on the small landing takes 1 to 5 minutes on a busy 2-core machine


@dataclass(frozen=True)
class CliHome:
    """A Bullseye home after one successful `bullseye run` (warehouse, champion, audience)."""

    home: Path
    landing: Path
    prefect_home: Path
    campaign: str

    def copy(self, to: Path) -> CliHome:
        shutil.copytree(self.home, to)
        return CliHome(to, self.landing, self.prefect_home, self.campaign)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BULLSEYE_", "PREFECT_"))}
        return (
            env
            | {
                "BULLSEYE_HOME": str(self.home),
                "PREFECT_HOME": str(self.prefect_home),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "BULLSEYE_N_TRIALS": "2",
            }
            | extra
        )

    @property
    def audience_dir(self) -> Path:
        return self.home / "audiences" / self.campaign

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse" / "bullseye.duckdb"


def run_args(landing: Path, top_k: int) -> list[str]:
    return ["run", "--landing", str(landing), "--as-of", AS_OF.isoformat(), "--top-k", str(top_k)]


def score_args(top_k: int) -> list[str]:
    return ["score", "--as-of", AS_OF.isoformat(), "--top-k", str(top_k)]


class Run:
    """One `bullseye` command in its own process session, its output in ``log``."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.started = time.monotonic()
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [BULLSEYE, *args],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait(self, timeout: float = RUN_TIMEOUT_S) -> int:
        try:
            return self.process.wait(timeout)
        finally:
            self.reap()

    def until(self, moment: Callable[[], bool], what: str, interval: float = 0.2) -> float:
        """Poll ``moment`` until it holds, while the run lives; the seconds it took."""
        while not moment():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"the run ended (code {self.process.returncode}) before {what}:\n"
                    + self.output()[-3_000:]
                )
            if time.monotonic() - self.started > RUN_TIMEOUT_S:
                raise AssertionError(f"no {what} after {RUN_TIMEOUT_S} s")
            time.sleep(interval)
        return time.monotonic() - self.started

    def kill(self) -> None:
        """SIGKILL the `bullseye` process itself, as the OOM killer would; what it started
        (the temporary Prefect server) lives on until ``reap``."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(60)

    def reap(self) -> None:
        """Stop what is left of the run's process session (a temporary Prefect server)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)


def dbt_nodes_done(log: Path) -> int:
    """dbt nodes finished so far, from the run's own log ("12 of 132 OK created ...")."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return len(re.findall(r"\b\d+ of \d+ (?:OK|PASS)\b", text))


def staging_folders(audience_dir: Path) -> list[str]:
    """Publication staging folders (``.<run date>.<uuid>.tmp``) in a campaign's folder."""
    try:
        return [e.name for e in os.scandir(audience_dir) if e.name.endswith(".tmp")]
    except FileNotFoundError:
        return []
