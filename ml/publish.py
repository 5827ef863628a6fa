"""Write a published audience so a campaign tool can load it: all of it, or none of it.

A publication is a folder ``<audiences>/<campaign_id>/<run_date>/`` with ``audience.csv``,
``audience.parquet`` and ``manifest.json``. It is written aside, then swapped in by renames,
so a reader never sees a half-written audience, and a rerun for the same campaign and date
replaces the previous one instead of adding to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from ml.schema import CAMPAIGN_ID, CUSTOMER_KEY

PUBLISHED_COLUMNS = (
    CAMPAIGN_ID,
    CUSTOMER_KEY,
    "rank",
    "score",
    "decile",
    "group",
    "model_version",
    "run_id",
)


@dataclass(frozen=True)
class Publication:
    folder: Path
    csv_path: Path
    parquet_path: Path
    manifest_path: Path
    rows_by_group: dict[str, int]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def publish_audience(
    audience: pd.DataFrame,
    audiences_dir: Path,
    campaign_id: str,
    run_date: date,
    model_version: str,
    run_id: str,
    fail_before_swap: bool = False,
    policy: dict | None = None,
) -> Publication:
    """Write CSV, Parquet and a manifest, then swap them in atomically.

    ``fail_before_swap`` raises after writing aside, to prove a crash leaves the previous
    publication intact (used by tests).
    """
    optional = [c for c in audience.columns if c.startswith("reason_") or c == "uplift"]
    frame = audience.assign(model_version=model_version, run_id=run_id)[
        [*PUBLISHED_COLUMNS, *optional]
    ]
    campaign_dir = audiences_dir / campaign_id
    campaign_dir.mkdir(parents=True, exist_ok=True)
    final = campaign_dir / run_date.isoformat()
    _recover(final)
    staging = campaign_dir / f".{final.name}.{uuid.uuid4().hex}.tmp"
    staging.mkdir()
    try:
        frame.to_csv(staging / "audience.csv", index=False, float_format="%.6f")
        frame.to_parquet(staging / "audience.parquet", index=False)
        rows_by_group = {
            str(k): int(v) for k, v in frame["group"].value_counts().sort_index().items()
        }
        manifest = {
            "campaign_id": campaign_id,
            "run_date": run_date.isoformat(),
            "run_id": run_id,
            "model_version": model_version,
            "policy": policy or {},
            "rows": len(frame),
            "rows_by_group": rows_by_group,
            "files": {
                name: {"sha256": _sha256(staging / name), "bytes": (staging / name).stat().st_size}
                for name in ("audience.csv", "audience.parquet")
            },
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2))
        for name in ("audience.csv", "audience.parquet", "manifest.json"):
            with open(staging / name, "rb") as handle:
                os.fsync(handle.fileno())
        if fail_before_swap:
            raise RuntimeError("injected failure before the publication swap")
        _swap_in(staging, final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Publication(
        final,
        final / "audience.csv",
        final / "audience.parquet",
        final / "manifest.json",
        rows_by_group,
    )


def _swap_in(staging: Path, final: Path) -> None:
    previous = final.with_name(f".{final.name}.previous")
    if final.exists():
        os.replace(final, previous)
    os.replace(staging, final)
    shutil.rmtree(previous, ignore_errors=True)


def _recover(final: Path) -> None:
    """If a crash fell between the two renames of a swap, put the previous publication back."""
    previous = final.with_name(f".{final.name}.previous")
    if previous.exists():
        if final.exists():
            shutil.rmtree(previous)
        else:
            os.replace(previous, final)
