"""Deliberately dirty rows, added on top of clean data so that their count is known exactly.

Each kind of defect is a new row (a modified copy of a clean one with a fresh key), so the
clean history the ground truth was computed from stays intact. The counts go to the ground
truth folder; the warehouse must account for every one of them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bullseye.datagen.world import DAY, YEAR

# table -> defect -> share of clean rows
DEFECTS: dict[str, dict[str, float]] = {
    "customers": {"duplicate": 0.01, "null_region": 0.004, "null_signup_at": 0.003},
    "orders": {
        "duplicate": 0.01,
        "negative_amount": 0.005,
        "unknown_customer": 0.005,
        "future_timestamp": 0.003,
        "null_category": 0.003,
    },
    "events": {
        "duplicate": 0.01,
        "unknown_customer": 0.004,
        "future_timestamp": 0.002,
        "null_event_type": 0.002,
    },
    "consents": {"duplicate": 0.005, "unknown_channel": 0.002},
    "contacts": {"duplicate": 0.005, "unknown_customer": 0.003},
    "responses": {"duplicate": 0.01, "unknown_contact": 0.01},
    "order_items": {"duplicate": 0.01, "unknown_order": 0.004, "null_quantity": 0.002},
}

_KEY = {"customers": "customer_id", "orders": "order_id", "events": "event_id"}
_TIME = {"orders": "ordered_at", "events": "occurred_at"}


def _with_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


def _suffix(values: pa.ChunkedArray, tag: str) -> pa.Array:
    return pc.binary_join_element_wise(values, pa.scalar(tag), "")


def add_dirty_rows(
    rng: np.random.Generator,
    name: str,
    clean: pa.Table,
    end_at: int,
    dirty_share: float | None = None,
) -> tuple[pa.Table, dict[str, int]]:
    """Return the clean rows plus defective ones, and how many of each defect were added.

    ``dirty_share`` rescales the table's defect mix so that dirty rows number that share of
    the clean rows (None keeps the default few percent).
    """
    defects = DEFECTS.get(name, {})
    scale = 1.0 if dirty_share is None or not defects else dirty_share / sum(defects.values())
    parts, counts = [clean], {}
    for defect, share in defects.items():
        n = int(rng.binomial(clean.num_rows, min(share * scale, 1.0))) if clean.num_rows else 0
        counts[defect] = n
        if n == 0:
            continue
        rows = clean.take(pa.array(np.sort(rng.choice(clean.num_rows, n, replace=False))))
        tag = f"-x{defect[:3]}"
        if defect != "duplicate" and name in _KEY:
            rows = _with_column(rows, _KEY[name], _suffix(rows[_KEY[name]], tag))
        if defect == "duplicate":
            pass
        elif defect in ("unknown_customer", "unknown_contact"):
            rows = _with_column(rows, "customer_id", _suffix(rows["customer_id"], "-unknown"))
        elif defect == "unknown_order":
            rows = _with_column(rows, "order_id", _suffix(rows["order_id"], "-unknown"))
        elif defect == "negative_amount":
            rows = _with_column(rows, "amount", pc.negate(rows["amount"]))
        elif defect == "future_timestamp":
            # Dated after the data was extracted: 1 day to 2 years past its end.
            future = end_at + rng.integers(DAY, 2 * YEAR, n)
            moved = pa.array(future * 1_000_000).cast(rows.schema.field(_TIME[name]).type)
            rows = _with_column(rows, _TIME[name], moved)
        elif defect == "unknown_channel":
            rows = _with_column(rows, "channel", pa.array(["fax"] * n))
        elif defect.startswith("null_"):
            column = defect.removeprefix("null_")
            rows = _with_column(rows, column, pa.nulls(n, rows.schema.field(column).type))
        parts.append(rows)
    return pa.concat_tables(parts), counts
