"""``bullseye generate``: a landing folder of synthetic marketing data, plus its ground truth.

Customers are made in chunks, and every table of a chunk is written as its own Parquet part,
so memory stays flat however many customers are asked for. Output:

- ``<out>/landing/<table>/part-NNNNN.parquet`` : the landing tables of the data contract;
- ``<out>/truth/contacts.parquet``: the true response probability of every contact
  (treated and control), for the oracle ROC AUC and for uplift checks;
- ``<out>/truth/preferences/``: every customer's true top products (bullseye.datagen.products);
- ``<out>/truth/dirty_rows.json``: how many defective rows of each kind were injected.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bullseye.datagen.campaigns import (
    ContactBatch,
    add_response_orders,
    plan_campaigns,
    run_campaign,
)
from bullseye.datagen.dirty import add_dirty_rows
from bullseye.datagen.products import (
    customer_tastes,
    make_catalogue,
    order_items_table,
    preferences_table,
)
from bullseye.datagen.world import (
    CATEGORIES,
    CONSENT_CHANNELS,
    DAY,
    ORDER_CHANNELS,
    ORDER_STATUSES,
    REGIONS,
    Customers,
    apply_drift,
    make_customers,
    make_events,
    make_orders,
)

TS = pa.timestamp("us", tz="UTC")
DEFAULT_END = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class GeneratorConfig:
    customers: int = 20_000
    seed: int = 42
    end_at: datetime = DEFAULT_END
    control_share: float = 0.10
    dirty_share: float | None = None  # dirty rows per clean row in every table; None: defaults
    has_drift: bool = False
    chunk_size: int = 50_000
    products: int = 500  # catalogue size; 0 writes no products and no order_items


@dataclass
class GeneratorResult:
    landing_dir: Path
    truth_dir: Path
    rows: dict[str, int] = field(default_factory=dict)
    dirty_rows: dict[str, dict[str, int]] = field(default_factory=dict)


def _ts(seconds: np.ndarray) -> pa.Array:
    return pa.array(seconds.astype(np.int64) * 1_000_000, type=pa.int64()).cast(TS)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pa.array(numbers.astype(np.int64)).cast(pa.string()), width, "0")
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def _customer_tables(c: Customers, ids: pa.Array, end_at: int, rng) -> dict[str, pa.Table]:
    n = len(c.signup_at)
    number = pc.utf8_lpad(pa.array(c.global_index).cast(pa.string()), 8, "0")
    has_email = rng.random(n) < 0.97
    email = pc.binary_join_element_wise(
        pa.scalar("customer"), number, pa.scalar("@example.com"), ""
    )
    phone = pc.binary_join_element_wise(pa.scalar("+44 7"), number, "")
    customers = pa.table(
        {
            "customer_id": ids,
            "signup_at": _ts(c.signup_at),
            "region": REGIONS[c.region],
            "birth_year": pa.array(c.birth_year, from_pandas=True).cast(pa.int32()),
            "gender": pa.array(c.gender, type=pa.string()),
            "email": pc.if_else(pa.array(has_email), email, pa.scalar(None, pa.string())),
            "phone": pc.if_else(pa.array(rng.random(n) < 0.6), phone, pa.scalar(None, pa.string())),
        }
    )
    # One consent record per customer and channel at sign-up; 5% changed their mind later
    # (the later record wins).
    who = np.tile(np.arange(n), len(CONSENT_CHANNELS))
    channel = np.repeat(np.arange(len(CONSENT_CHANNELS)), n)
    current = c.consent.T.ravel()
    has_changed = rng.random(len(who)) < 0.05
    changed_at = end_at - rng.integers(1, 200, len(who)) * DAY
    changed_at = np.maximum(changed_at, c.signup_at[who] + DAY)
    first = np.where(has_changed, ~current, current)
    sel = np.flatnonzero(has_changed)
    consents = pa.table(
        {
            "customer_id": pc.take(ids, pa.array(np.concatenate([who, who[sel]]))),
            "channel": CONSENT_CHANNELS[np.concatenate([channel, channel[sel]])],
            "is_opted_in": np.concatenate([first, current[sel]]),
            "updated_at": _ts(np.concatenate([c.signup_at[who], changed_at[sel]])),
        }
    )
    return {"customers": customers, "consents": consents}


class _Writer:
    """Appends tables as numbered Parquet parts and counts rows."""

    def __init__(self, root: Path):
        self.root = root
        self.rows: dict[str, int] = {}
        self.parts: dict[str, int] = {}

    def write(self, name: str, table: pa.Table) -> None:
        folder = self.root / name
        folder.mkdir(parents=True, exist_ok=True)
        part = self.parts.get(name, 0)
        pq.write_table(table, folder / f"part-{part:05d}.parquet", compression="zstd")
        self.parts[name] = part + 1
        self.rows[name] = self.rows.get(name, 0) + table.num_rows


def generate(out: Path, config: GeneratorConfig = GeneratorConfig()) -> GeneratorResult:
    """Write landing tables and ground truth under ``out`` (replacing what was there)."""
    out = Path(out)
    landing, truth = out / "landing", out / "truth"
    for folder in (landing, truth):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    end_at = int(config.end_at.timestamp())
    campaigns = plan_campaigns(end_at)
    past = [cp for cp in campaigns if cp.starts_at < end_at]
    writer, truth_writer = _Writer(landing), _Writer(truth)
    dirty: dict[str, dict[str, int]] = {}
    order_seq = event_seq = 0
    catalogue = make_catalogue(config.seed, config.products) if config.products else None
    for chunk, start in enumerate(range(0, config.customers, config.chunk_size)):
        rng = np.random.default_rng([config.seed, chunk])
        n = min(config.chunk_size, config.customers - start)
        c = make_customers(rng, start, n, end_at)
        ids = _ids("C", c.global_index, 8)
        orders, events = make_orders(rng, c, end_at), make_events(rng, c, end_at)
        if config.has_drift:
            apply_drift(rng, orders, events, since=end_at - 60 * DAY)
        batches: list[ContactBatch] = []
        for campaign in past:
            batch = run_campaign(rng, campaign, c, orders, events, config.control_share)
            cat = (
                int(np.flatnonzero(campaign.category == CATEGORIES)[0]) if campaign.category else -1
            )
            orders = add_response_orders(orders, batch, cat)
            batches.append(batch)
        tables = _customer_tables(c, ids, end_at, rng)
        no = len(orders.customer)
        tables["orders"] = pa.table(
            {
                "order_id": _ids("O", np.arange(order_seq, order_seq + no), 10),
                "customer_id": pc.take(ids, pa.array(orders.customer)),
                "ordered_at": _ts(orders.ordered_at),
                "amount": orders.amount,
                "category": CATEGORIES[orders.category],
                "channel": ORDER_CHANNELS[orders.channel],
                "status": ORDER_STATUSES[orders.status],
            }
        )
        order_seq += no
        ne = len(events.customer)
        tables["events"] = pa.table(
            {
                "event_id": _ids("E", np.arange(event_seq, event_seq + ne), 11),
                "customer_id": pc.take(ids, pa.array(events.customer)),
                "occurred_at": _ts(events.occurred_at),
                "event_type": events.event_type,
                "category": pa.array(
                    np.where(events.category >= 0, CATEGORIES[events.category], None),
                    type=pa.string(),
                ),
            }
        )
        event_seq += ne
        tables["contacts"], tables["responses"], contact_truth = _contact_tables(batches, ids)
        # last: its dirty rows draw from the chunk's stream after every other table's
        if catalogue is not None:
            tastes = customer_tastes(config.seed, chunk, n)
            tables["order_items"] = order_items_table(
                config.seed, chunk, orders, tastes, catalogue, tables["orders"]["order_id"]
            )
            truth_writer.write("preferences", preferences_table(tastes, c.affinity, ids, catalogue))
        for name, table in tables.items():
            table, counts = add_dirty_rows(rng, name, table, end_at, config.dirty_share)
            for defect, count in counts.items():
                dirty.setdefault(name, {}).setdefault(defect, 0)
                dirty[name][defect] += count
            writer.write(name, table)
        truth_writer.write("contacts", contact_truth)
    writer.write("campaigns", _campaign_table(campaigns))
    if catalogue is not None:
        writer.write("products", catalogue.table())
    _flatten_truth(truth)
    (truth / "dirty_rows.json").write_text(json.dumps(dirty, indent=2, sort_keys=True))
    meta = asdict(config) | {"end_at": config.end_at.isoformat(), "rows": writer.rows}
    (truth / "generator.json").write_text(json.dumps(meta, indent=2, default=str))
    return GeneratorResult(landing, truth, writer.rows, dirty)


def _contact_tables(batches: list[ContactBatch], ids: pa.Array):
    contacts, responses, truth = [], [], []
    for b in batches:
        cust = pc.take(ids, pa.array(b.customer))
        campaign = pa.array([b.campaign_id] * len(b.customer))
        contacts.append(
            pa.table(
                {
                    "campaign_id": campaign,
                    "customer_id": cust,
                    "contacted_at": _ts(b.contacted_at),
                    "is_control": b.is_control,
                }
            )
        )
        did = b.responded_at >= 0
        responses.append(
            pa.table(
                {
                    "campaign_id": campaign.filter(pa.array(did)),
                    "customer_id": cust.filter(pa.array(did)),
                    "responded_at": _ts(b.responded_at[did]),
                    "revenue": b.revenue[did],
                }
            )
        )
        truth.append(
            pa.table(
                {
                    "campaign_id": campaign,
                    "customer_id": cust,
                    "is_control": b.is_control,
                    "p_treated": b.p_treated,
                    "p_control": b.p_control,
                    "p_response": np.where(b.is_control, b.p_control, b.p_treated),
                    "has_responded": b.has_responded,
                    "expected_revenue": b.expected_revenue,
                }
            )
        )
    return pa.concat_tables(contacts), pa.concat_tables(responses), pa.concat_tables(truth)


def _campaign_table(campaigns) -> pa.Table:
    return pa.table(
        {
            "campaign_id": [c.campaign_id for c in campaigns],
            "name": [c.name for c in campaigns],
            "channel": [c.channel for c in campaigns],
            "category": pa.array([c.category for c in campaigns], type=pa.string()),
            "starts_at": _ts(np.array([c.starts_at for c in campaigns])),
            "response_window_days": pa.array(
                [c.response_window_days for c in campaigns], pa.int32()
            ),
            "cost_per_contact": [c.cost_per_contact for c in campaigns],
            "value_per_response": [c.value_per_response for c in campaigns],
        }
    )


def _flatten_truth(truth: Path) -> None:
    """Merge the per-chunk truth parts into one file."""
    folder = truth / "contacts"
    table = pq.read_table(folder)
    pq.write_table(table, truth / "contacts.parquet")
    shutil.rmtree(folder)
