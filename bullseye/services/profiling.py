"""Profiling stage: cluster customers, write ``marts.customer_segments``, render the profiles."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from bullseye.core.catalog import (
    CUSTOMER_ID,
    FEATURES_RELATION,
    PROFILES_RELATION,
    SEGMENTS_RELATION,
)
from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_relation, write_table
from bullseye.reports.profile import render_profile_report, segment_summary
from ml.modelling.segments import segment_customers


@dataclass(frozen=True)
class ProfileOutcome:
    k: int
    by_rfm: pd.DataFrame
    by_cluster: pd.DataFrame
    report_path: Path


def profile_customers(settings: Settings, as_of: datetime, out_dir: Path) -> ProfileOutcome:
    """Cluster customers, write ``marts.customer_segments`` and the profile report (HTML)."""
    features = read_relation(settings, FEATURES_RELATION)
    profiles = read_relation(settings, PROFILES_RELATION)
    segmentation = segment_customers(features, settings.seed)
    write_table(settings, SEGMENTS_RELATION, segmentation.assignments)
    frame = features.merge(profiles[[CUSTOMER_ID, "rfm_segment"]], on=CUSTOMER_ID).merge(
        segmentation.assignments[[CUSTOMER_ID, "segment_label"]], on=CUSTOMER_ID
    )
    categories = [c.removeprefix("spend_365d_") for c in features if c.startswith("spend_365d_")]
    by_rfm = segment_summary(frame, "rfm_segment", categories)
    by_cluster = segment_summary(frame, "segment_label", categories)
    out_dir.mkdir(parents=True, exist_ok=True)
    report_path = out_dir / "customer_profiles.html"
    report_path.write_text(
        render_profile_report(by_rfm, by_cluster, segmentation.silhouettes, as_of)
    )
    return ProfileOutcome(segmentation.k, by_rfm, by_cluster, report_path)
