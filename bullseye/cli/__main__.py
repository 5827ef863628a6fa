"""``python -m bullseye.cli``."""

from bullseye.cli import app

app()
