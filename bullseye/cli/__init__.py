"""The ``bullseye`` command line: one Typer app per command group, wired in ``main``."""

from __future__ import annotations

import os

# Prefect's server sends anonymous usage analytics by default; Bullseye runs offline.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# A plain `bullseye run` starts Prefect's temporary server in a subprocess; Prefect waits 20 s
# for it, which a loaded 2-core machine or a first start (database migrations, cold imports)
# exceeds. Wait longer unless the user set their own value.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
# Bullseye's own loggers ("bullseye.*": progress of tuning, fitting, scoring; locks; alerts)
# go through Prefect's handlers: on the console, and in the run's logs in the UI.
os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "bullseye")

from bullseye.cli.main import app

__all__ = ["app"]
