from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd


def write_landing(out: Path, tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Write each table as ``<out>/landing/<table>/part-00000.parquet`` (replacing the folder)."""
    landing = Path(out) / "landing"
    shutil.rmtree(landing, ignore_errors=True)
    rows = {}
    for name, frame in tables.items():
        (landing / name).mkdir(parents=True)
        frame.to_parquet(landing / name / "part-00000.parquet", index=False)
        rows[name] = len(frame)
    return rows
