"""The row-level half of the bad-input catalogue: one landing that carries every kind of bad row
at once, built by real dbt once, and what each row must become.

The landing is the shared small generated one plus, per table, one more Parquet part whose
columns are all text (the generated parts are typed: "mixed types across parts" is itself a
case) holding the bad rows below; consents and responses are rewritten as CSV (CRLF line
endings; semicolons as the delimiter) to cover the CSV readers. Each case names its row by its
key and the outcome it must get: a quarantine reason, or ``None`` for staged.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bullseye.core.contract import CONTRACT

KNOWN_CUSTOMER = "C00000001"
KNOWN_CAMPAIGN = "spring-apparel"
WHEN = "2026-06-01 10:00:00"
HUGE = "h" * 200_000
# Upcoming campaigns the flow cases score: nobody has a phone consent, so nobody may receive
# the first; the second's id is hostile (the default campaign: latest upcoming, from the data).
NOBODY_CAMPAIGN = "phone-blackout"
HOSTILE_CAMPAIGN = "../../x'; drop table marts.campaigns; --"
QUOTED_CAMPAIGN = "O'Brien spring"
LINES_ORDER = "bad-lines"  # a valid order the order_items cases belong to


@dataclass(frozen=True)
class RowCase:
    name: str
    table: str
    values: dict[str, str | None]  # the row's non-default values (text, as a CSV would hold)
    reason: str | None  # the quarantine reason it must get; None: staged


def _cases() -> list[RowCase]:
    c, o, e, k = "customers", "orders", "events", "consents"
    m, t, r = "campaigns", "contacts", "responses"
    p, i = "products", "order_items"
    future, past = "2999-01-01 00:00:00", "1800-01-01 00:00:00"
    return [
        RowCase("unparseable signup date", c, {"signup_at": "yesterday"}, "invalid_signup_at"),
        RowCase("birth year as words", c, {"birth_year": "nineteen-eighty"}, "invalid_birth_year"),
        RowCase("far-future signup", c, {"signup_at": future}, "future_timestamp"),
        RowCase("far-past signup", c, {"signup_at": past}, "implausible_timestamp"),
        RowCase("null region", c, {"region": None}, "missing_region"),
        RowCase("emoji region", c, {"region": "north \U0001f680"}, None),
        RowCase("non-BMP gender", c, {"gender": "\U0001d4d0"}, None),
        RowCase("huge region string", c, {"region": HUGE}, None),
        RowCase("id with a quote", c, {"customer_id": "O'Brien-1"}, None),
        RowCase("id with slashes and dots", c, {"customer_id": "../c/1 x"}, None),
        RowCase("unparseable order date", o, {"ordered_at": "31/02/2026"}, "invalid_ordered_at"),
        RowCase("far-future order", o, {"ordered_at": future}, "future_timestamp"),
        RowCase(
            "far-past order", o, {"ordered_at": "0001-01-01 00:00:00"}, "implausible_timestamp"
        ),
        RowCase("null order id", o, {"order_id": None}, "missing_order_id"),
        RowCase("negative amount", o, {"amount": "-5"}, "negative_amount"),
        RowCase("NaN amount", o, {"amount": "NaN"}, "invalid_amount"),
        RowCase("infinite amount", o, {"amount": "-inf"}, "invalid_amount"),
        RowCase("amount as words", o, {"amount": "twelve"}, "invalid_amount"),
        RowCase("decimal comma", o, {"amount": "12,50"}, "invalid_amount"),
        RowCase("order of unknown customer", o, {"customer_id": "nobody"}, "unknown_customer"),
        RowCase("unknown order status", o, {"status": "shipped"}, "unknown_status"),
        RowCase("unknown order channel", o, {"channel": "fax"}, "unknown_channel"),
        RowCase("emoji category", o, {"category": "toys \U0001f9f8"}, None),
        RowCase("offset timestamp", o, {"ordered_at": "2026-06-01T12:00:00+02:00"}, None),
        RowCase("unknown event type", e, {"event_type": "teleport"}, "unknown_event_type"),
        RowCase("null event customer", e, {"customer_id": None}, "missing_customer_id"),
        RowCase("huge event category", e, {"category": HUGE}, None),
        RowCase("consent unknown channel", k, {"channel": "carrier-pigeon"}, "unknown_channel"),
        RowCase("consent maybe", k, {"is_opted_in": "maybe"}, "invalid_is_opted_in"),
        RowCase("zero window", m, {"response_window_days": "0"}, "invalid_response_window_days"),
        RowCase("NaN cost", m, {"cost_per_contact": "NaN"}, "invalid_cost_per_contact"),
        RowCase("emoji campaign name", m, {"name": "\U0001f384 Xmas"}, None),
        RowCase("contact of unknown customer", t, {"customer_id": "nobody"}, "unknown_customer"),
        RowCase("contact of unknown campaign", t, {"campaign_id": "ghost"}, "unknown_campaign"),
        RowCase("control as words", t, {"is_control": "perhaps"}, "invalid_is_control"),
        RowCase("response without contact", r, {"customer_id": "nobody"}, "unknown_contact"),
        RowCase(
            "response before contact",
            r,
            {"responded_at": "2020-01-01 00:00:00"},
            "response_before_contact",
        ),
        RowCase("negative revenue", r, {"revenue": "-1"}, "negative_amount"),
        RowCase("product without category", p, {"category": None}, "missing_category"),
        RowCase("price as words", p, {"price": "cheap"}, "invalid_price"),
        RowCase("negative price", p, {"price": "-2"}, "negative_amount"),
        RowCase("emoji product name", p, {"name": "\U0001f9f8 bear"}, None),
        RowCase("quantity as words", i, {"quantity": "two"}, "invalid_quantity"),
        RowCase("zero quantity", i, {"quantity": "0"}, "non_positive_quantity"),
        RowCase("NaN unit price", i, {"unit_price": "NaN"}, "invalid_unit_price"),
        RowCase("negative unit price", i, {"unit_price": "-1"}, "negative_amount"),
        RowCase("line of an unknown order", i, {"order_id": "ghost-order"}, "unknown_order"),
        RowCase("line of an unknown product", i, {"product_id": "ghost"}, "unknown_product"),
        RowCase("line of a quarantined order", i, {"order_id": "bad-quarantined"}, "unknown_order"),
    ]


ROW_CASES = _cases()


def _defaults(table: str, n: int, contact: tuple[str, str, str]) -> dict[str, str | None]:
    """A valid row of ``table`` with a fresh key (number ``n``; a response answers
    ``contact``, a sent contact that has none)."""
    tag = f"bad-{n:03d}"
    campaign, customer, contacted_at = contact
    return {
        "customers": {"customer_id": tag, "signup_at": "2025-01-01 00:00:00", "region": "north"},
        "orders": {
            "order_id": tag,
            "customer_id": KNOWN_CUSTOMER,
            "ordered_at": WHEN,
            "amount": "10.5",
            "category": "toys",
            "channel": "web",
            "status": "completed",
        },
        "events": {
            "event_id": tag,
            "customer_id": KNOWN_CUSTOMER,
            "occurred_at": WHEN,
            "event_type": "search",
        },
        "consents": {
            "customer_id": tag,
            "channel": "email",
            "is_opted_in": "true",
            "updated_at": WHEN,
        },
        "campaigns": {
            "campaign_id": tag,
            "name": "A past campaign",
            "channel": "email",
            "starts_at": "2026-02-01 00:00:00",
            "response_window_days": "14",
            "cost_per_contact": "0.1",
            "value_per_response": "30",
        },
        "contacts": {
            "campaign_id": KNOWN_CAMPAIGN,
            "customer_id": tag,
            "contacted_at": "2025-12-07 00:00:00",
            "is_control": "false",
        },
        "responses": {
            "campaign_id": campaign,
            "customer_id": customer,
            "responded_at": contacted_at,
            "revenue": "20",
        },
        "products": {"product_id": tag, "name": "A product", "category": "toys", "price": "9.5"},
        # lines of the order LINES_ORDER (added by write_bad_landing), each of its own product
        "order_items": {
            "order_id": LINES_ORDER,
            "product_id": f"P{n:05d}",
            "quantity": "1",
            "unit_price": "5",
        },
    }[table]


def _unanswered_contacts(landing: Path) -> list[tuple[str, str, str]]:
    """Sent contacts without a response: each responses case answers its own."""
    contacts = pd.read_parquet(landing / "contacts")
    responses = pd.read_parquet(landing / "responses")
    both = contacts.merge(responses, on=["campaign_id", "customer_id"], how="left", indicator=True)
    rows = both[(both["_merge"] == "left_only") & ~both["is_control"]]
    return [
        (r.campaign_id, r.customer_id, f"{r.contacted_at:%Y-%m-%d %H:%M:%S}")
        for r in rows.head(len(ROW_CASES)).itertuples()
    ]


def case_rows(landing: Path) -> tuple[dict[str, list[dict]], dict[str, dict[str, str]]]:
    """The bad rows per table, and each case's key (case name -> key column -> value): every
    case row has a key of its own."""
    contacts = _unanswered_contacts(landing)
    out: dict[str, list[dict]] = {t: [] for t in CONTRACT}
    keys: dict[str, dict[str, str]] = {}
    for n, case in enumerate(ROW_CASES):
        row = _defaults(case.table, n, contacts[n]) | case.values
        keys[case.name] = {k: row[k] for k in CONTRACT[case.table].key}
        out[case.table].append(row)
    return out, keys


EXTRA_CAMPAIGNS = [
    # upcoming (no contacts): starts after the as-of moment
    {"campaign_id": NOBODY_CAMPAIGN, "name": "Phone only", "channel": "phone"},
    {"campaign_id": QUOTED_CAMPAIGN, "name": "O'Brien's spring", "channel": "email"},
    {"campaign_id": HOSTILE_CAMPAIGN, "name": "Hostile id", "channel": "email"},
]


def write_bad_landing(clean: Path, out: Path) -> dict[str, dict[str, str]]:
    """A copy of the ``clean`` landing in ``out`` with every bad row added (see the module
    docstring); returns each case's key."""
    shutil.copytree(clean, out)
    bad, keys = case_rows(out)
    for n, extra in enumerate(EXTRA_CAMPAIGNS):
        bad["campaigns"].append(
            _defaults("campaigns", 0, ("", "", ""))
            | extra
            | {"starts_at": f"2026-12-{10 + n} 00:00:00"}  # the hostile id is the latest
        )
    order = _defaults("orders", 0, ("", "", ""))
    bad["orders"] += [dict(order, order_id="bad-exact")] * 2  # an exact duplicate: kept once
    bad["orders"] += [
        dict(order, order_id=LINES_ORDER),
        dict(order, order_id="bad-quarantined", amount="-1"),  # its line goes with it
    ]
    duplicate = dict(order, order_id="bad-dup")
    bad["orders"] += [duplicate, dict(duplicate, amount="99")]  # one key, two versions
    for table, table_rows in bad.items():
        columns = [c.name for c in CONTRACT[table].columns]
        frame = pa.Table.from_pylist(
            [{c: r.get(c) for c in columns} for r in table_rows],
            schema=pa.schema([(c, pa.string()) for c in columns]),
        )
        pq.write_table(frame, out / table / "part-bad.parquet")
    _to_csv(out / "consents", lineterminator="\r\n", sep=",")
    _to_csv(out / "responses", lineterminator="\n", sep=";")
    return keys


def _to_csv(folder: Path, lineterminator: str, sep: str) -> None:
    """Replace a table's Parquet parts by one CSV file."""
    frame = pd.concat([pd.read_parquet(p).astype("string") for p in sorted(folder.glob("*"))])
    shutil.rmtree(folder)
    folder.mkdir()
    frame.to_csv(folder / "part-0.csv", index=False, sep=sep, lineterminator=lineterminator)
