"""Profiling stage: cluster customers, write ``marts.customer_segments``, render the profiles.

A landing may lack orders or events (a bank's or an insurer's customer file has no order
history): the marts then carry no features of that table, and this stage says what it could
not compute (``ProfileOutcome.not_computed``, in the report and the run summary) instead of
failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd

from bullseye.core.catalog import (
    CUSTOMER_ID,
    CUSTOMER_KEY,
    FEATURES_RELATION,
    PROFILES_RELATION,
    SEGMENTS_RELATION,
    absent_sources,
)
from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_relation, write_table
from bullseye.reports.profile import render_profile_report, segment_summary
from ml.modelling.segments import SegmentationError, segment_customers

# What each absent landing table leaves uncomputed in the profiles (customer_profiles).
PROFILE_FIELDS_FROM = {
    "orders": "RFM scores and segment, lifecycle stage, value tier, preferred category and channel",
    "events": "engagement level",
}
SEGMENTS = "behavioural segments"


@dataclass(frozen=True)
class ProfileOutcome:
    k: int  # 0 when no clustering was possible
    by_rfm: pd.DataFrame
    by_cluster: pd.DataFrame
    report_path: Path
    not_computed: dict[str, str] = field(default_factory=dict)  # what -> why


def _missing(tables: list[str]) -> str:
    return f"no {' and no '.join(tables)} in the landing"


def profile_gaps(features: pd.DataFrame) -> dict[str, str]:
    """What the profiles cannot hold for lack of a landing table (what -> why)."""
    absent = absent_sources(features)
    gaps = {PROFILE_FIELDS_FROM[t]: _missing([t]) for t in absent}
    if absent and len(absent) < len(PROFILE_FIELDS_FROM):
        gaps[f"{', '.join(absent)} behaviour in the {SEGMENTS}"] = (
            f"{_missing(absent)}: clustered on the other behaviour only"
        )
    return gaps


def _unsegmented(features: pd.DataFrame) -> pd.DataFrame:
    """Every customer with no segment (typed, so filters on segment_label match nobody)."""
    return pd.DataFrame(
        {
            CUSTOMER_ID: features[CUSTOMER_ID].to_numpy(),
            CUSTOMER_KEY: features[CUSTOMER_KEY].to_numpy(),
            "segment_id": pd.array([None] * len(features), dtype="Int64"),
            "segment_label": pd.array([None] * len(features), dtype="string"),
        }
    )


def profile_customers(settings: Settings, as_of: datetime, out_dir: Path) -> ProfileOutcome:
    """Cluster customers, write ``marts.customer_segments`` and the profile report (HTML)."""
    features = read_relation(settings, FEATURES_RELATION)
    profiles = read_relation(settings, PROFILES_RELATION)
    not_computed = profile_gaps(features)
    try:
        segmentation = segment_customers(features, settings.seed)
    except SegmentationError as error:
        absent = absent_sources(features)
        every_source_absent = len(absent) == len(PROFILE_FIELDS_FROM)
        not_computed[SEGMENTS] = (
            f"{_missing(absent)}: no behaviour to cluster" if every_source_absent else str(error)
        )
        segmentation = None
    assignments = segmentation.assignments if segmentation else _unsegmented(features)
    write_table(settings, SEGMENTS_RELATION, assignments)
    frame = features.merge(profiles[[CUSTOMER_ID, "rfm_segment"]], on=CUSTOMER_ID).merge(
        assignments[[CUSTOMER_ID, "segment_label"]], on=CUSTOMER_ID
    )
    categories = [c.removeprefix("spend_365d_") for c in features if c.startswith("spend_365d_")]
    by_rfm = segment_summary(frame, "rfm_segment", categories)
    by_cluster = (
        segment_summary(frame, "segment_label", categories)
        if segmentation
        else pd.DataFrame({"segment_label": [], "customers": []})
    )
    silhouettes = segmentation.silhouettes if segmentation else {}
    out_dir.mkdir(parents=True, exist_ok=True)
    report_path = out_dir / "customer_profiles.html"
    report_path.write_text(
        render_profile_report(by_rfm, by_cluster, silhouettes, as_of, not_computed)
    )
    k = segmentation.k if segmentation else 0
    return ProfileOutcome(k, by_rfm, by_cluster, report_path, not_computed)
