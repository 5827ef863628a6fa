"""HTML pages rendered from Jinja2 templates sharing one base page (templates/base.html.j2):
model and uplift reports per registered version, customer profiles, campaign measurement."""

from __future__ import annotations

from pathlib import Path

from bullseye.reports.model import write_model_report
from bullseye.reports.uplift import write_uplift_report
from ml.registry.store import ModelVersion


def write_version_report(version: ModelVersion, promotion: str | None = None) -> Path:
    """(Re)write a registered version's ``report.html`` from its folder; returns its path."""
    write = write_uplift_report if version.meta.is_uplift else write_model_report
    return write(version.path, version.meta.as_json(), promotion)
