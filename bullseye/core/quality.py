"""The data-quality gate: thresholds on the ``audit.dq_summary`` mart, checked after the
warehouse refresh and before anything is trained or published."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class QualityThresholds:
    max_quarantined_share: float = 0.05  # of a table's landing rows
    max_key_null_rate: float = 0.01  # of a key column's landing values
    max_data_age_days: int | None = 30  # newest row older than this at the as-of moment
    freshness_tables: tuple[str, ...] = ("orders", "events")


@dataclass(frozen=True)
class Breach:
    table: str
    rule: str
    figure: str

    def __str__(self) -> str:
        return f"{self.table}: {self.rule} ({self.figure})"


class QualityGateError(RuntimeError):
    """The refreshed data breaks a quality threshold; nothing downstream may run."""

    def __init__(self, breaches: list[Breach]):
        self.breaches = breaches
        lines = "\n".join(f"  - {b}" for b in breaches)
        super().__init__(
            f"Data-quality gate stopped the run before training and publishing:\n{lines}\n"
            "Inspect quarantine.quarantine_<table> (each row has its reject_reason), fix the "
            "landing data, or raise the threshold in settings (BULLSEYE_DQ_*)."
        )


def find_breaches(summary: pd.DataFrame, thresholds: QualityThresholds) -> list[Breach]:
    """Every threshold the dq_summary rows break, in table order."""
    breaches = []
    for row in summary.sort_values("table_name").itertuples(index=False):
        if row.rows_in and row.quarantined_share > thresholds.max_quarantined_share:
            breaches.append(
                Breach(
                    row.table_name,
                    f"quarantined share above {thresholds.max_quarantined_share:.1%}",
                    f"{row.quarantined_share:.1%}: {row.rows_quarantined:,} of {row.rows_in:,} "
                    f"rows; {row.quarantine_reasons}",
                )
            )
        if row.key_null_rate > thresholds.max_key_null_rate:
            breaches.append(
                Breach(
                    row.table_name,
                    f"null key values above {thresholds.max_key_null_rate:.1%}",
                    f"{row.key_null_rate:.1%}",
                )
            )
        limit = thresholds.max_data_age_days
        is_stale = (
            row.table_name in thresholds.freshness_tables
            and limit is not None
            and not pd.isna(row.data_age_days)
            and row.data_age_days > limit
        )
        if is_stale:
            breaches.append(
                Breach(
                    row.table_name,
                    f"data older than {limit} days",
                    f"newest row {row.newest_at} is {int(row.data_age_days)} days old",
                )
            )
    return breaches


def enforce(summary: pd.DataFrame, thresholds: QualityThresholds) -> None:
    breaches = find_breaches(summary, thresholds)
    if breaches:
        raise QualityGateError(breaches)
