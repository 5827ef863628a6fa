"""The ``bullseye`` command line: one Typer app per command group, wired in ``main``."""

from __future__ import annotations

import os

# Prefect's server sends anonymous usage analytics by default; Bullseye runs offline.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

from bullseye.cli.main import app

__all__ = ["app"]
