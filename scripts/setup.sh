#!/usr/bin/env bash
# Create .venv at the repository root and install exactly what uv.lock pins (dev tools included).
# Arguments go to `uv sync`: `--all-extras` (the test command) adds the optional engines, Spark
# and PostgreSQL (docs/scale-out.md); `--extra spark` just one. Safe to run again: it only
# installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-$(command -v python3.11 || command -v python3)}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Bullseye needs Python 3.11")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip --version >/dev/null 2>&1 || .venv/bin/python -m ensurepip >/dev/null  # a venv made by uv has no pip
# uv installs from the lock; it lives in the venv so nothing outside the project is touched.
.venv/bin/python -m pip install --quiet --disable-pip-version-check 'uv==0.13.9'
export UV_NATIVE_TLS=1 UV_PYTHON_DOWNLOADS=never
.venv/bin/python -m uv sync --frozen --inexact --quiet --compile-bytecode "$@"
# Create (or migrate) Prefect's database now, so the first run's temporary server starts fast.
PREFECT_SERVER_ANALYTICS_ENABLED=false .venv/bin/prefect server database upgrade -y >/dev/null
