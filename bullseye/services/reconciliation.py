"""Where every landing row went: rows in, staged, duplicates, superseded, quarantined by reason."""

from __future__ import annotations

from bullseye.core.catalog import RECONCILIATION_RELATION
from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_relation


def row_reconciliation(settings: Settings) -> dict[str, dict]:
    """Per landing table: rows in, staged, exact duplicates, rows superseded by a newer version
    of their key, and quarantined rows by reason."""
    frame = read_relation(settings, RECONCILIATION_RELATION)
    out: dict[str, dict] = {}
    for table, rows in frame.groupby("table_name", sort=True):
        by_outcome = dict(zip(rows["outcome"], rows["row_count"].astype(int), strict=True))
        quarantined = {
            k: v
            for k, v in sorted(by_outcome.items())
            if k not in ("staged", "exact_duplicate", "superseded") and v
        }
        out[str(table)] = {
            "rows_in": int(rows["rows_in"].iloc[0]),
            "staged": by_outcome.get("staged", 0),
            "exact_duplicates": by_outcome.get("exact_duplicate", 0),
            "superseded": by_outcome.get("superseded", 0),
            "quarantined": sum(quarantined.values()),
            "quarantined_by_reason": quarantined,
        }
    return out
