"""A plain pandas implementation of marts.customer_features, the peer for issue 15.

Issue 15 asks whether the dbt feature marts are at least 5x faster than what a data scientist
would write in a notebook for the same features: read the staged tables into pandas, merge each
spine row with the customer's history, keep the rows before the as-of moment and aggregate with
``groupby``. This module is that notebook code, vectorised (merge, boolean masks, ``groupby``)
but neither slowed down nor tuned (no numba, no SQL engine inside). It reproduces
dbt_project/macros/point_in_time_features.sql as customer_features.sql calls it, column for
column, and ``compare`` checks that it does; a timing only counts when the features are equal.

Run: ``.venv/bin/python bench/peers/pandas_features.py WAREHOUSE [--as-of 2026-11-01T00:00]``
on a built warehouse; prints the load and feature times and the comparison with the mart.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

STAGED_TABLES = ("customers", "orders", "events", "contacts", "responses")
# The macro leaves a table's features out when its landing holds no row (landing_has).
OPTIONAL_TABLES = ("orders", "events")


def load_staged(warehouse_path: str) -> dict[str, pd.DataFrame]:
    """The staged tables the macro reads, as DataFrames keyed by table name.

    ``orders`` and ``events`` are absent when their landing table holds no row, as the macro
    then leaves their features out.
    """
    staged: dict[str, pd.DataFrame] = {}
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        for table in STAGED_TABLES:
            if table in OPTIONAL_TABLES:
                landed = con.sql(f"select 1 from landing.{table} limit 1").fetchone()
                if landed is None:
                    continue
            staged[table] = con.sql(f"select * from staging.stg_landing__{table}").df()
    return staged


def customer_features(staged: dict[str, pd.DataFrame], as_of: datetime) -> pd.DataFrame:
    """One row per customer signed up by ``as_of``: marts.customer_features in pandas."""
    as_of = pd.Timestamp(as_of)
    if as_of.tzinfo is not None:
        # dbt receives the as-of as a UTC timestamp without time zone.
        as_of = as_of.tz_convert("UTC").tz_localize(None)
    customers = staged["customers"]
    spine = customers.loc[customers["signup_at"] <= as_of, ["customer_id"]]
    spine = spine.assign(as_of_at=as_of)
    return point_in_time_features(staged, spine)


def point_in_time_features(staged: dict[str, pd.DataFrame], spine: pd.DataFrame) -> pd.DataFrame:
    """The macro's features for ``spine``: one row per customer_id, with its as_of_at.

    Histories are filtered against each row's own as_of_at, as the macro does; results are
    keyed by customer_id alone, which is all customer_features needs (the training marts'
    spines, several rows per customer, would need the spine keys in every groupby).
    """
    customers = staged["customers"]
    attrs = [c for c in customers.columns if c.lower().startswith("attr_")]
    wanted = ["customer_id", "customer_key", "region", "gender", "signup_at", "birth_year"]
    out = spine.merge(customers[wanted + attrs], on="customer_id")
    as_of_at = out["as_of_at"]
    out["gender"] = out["gender"].fillna("unknown")
    out["tenure_days"] = _days_between(out["signup_at"], as_of_at)
    out["age"] = (as_of_at.dt.year - out["birth_year"]).astype("Int64")
    out = out.drop(columns=["signup_at", "birth_year"])

    if "orders" in staged:
        orders = _order_features(staged["orders"], spine)
        out = out.merge(orders, on="customer_id", how="left")
        out["recency_days"] = _days_between(out.pop("last_ordered_at"), as_of_at)
        out["days_since_first_order"] = _days_between(out.pop("first_ordered_at"), as_of_at)
        counts = ["orders_total", "orders_30d", "orders_90d", "orders_365d", "returns_365d"]
        counts.append("categories_365d")
        out[counts] = out[counts].fillna(0).astype("int64")
        spends = ["spend_total", "spend_90d", "spend_365d"]
        spends += [c for c in orders.columns if c.startswith("spend_365d_")]
        # avg_order_value divides the rounded total, as the SQL does, before coalescing.
        has_orders = out["orders_total"] > 0
        out["avg_order_value"] = _round(out["spend_total"] / out["orders_total"], 4).where(
            has_orders
        )
        out[spends] = out[spends].fillna(0.0)
        out["app_order_share_365d"] = (out.pop("app_orders_365d") / out["orders_365d"]).where(
            out["orders_365d"] > 0
        )

    if "events" in staged:
        events = _event_features(staged["events"], spine)
        out = out.merge(events, on="customer_id", how="left")
        counts = [c for c in events.columns if c not in ("customer_id", "source_max_occurred_at")]
        out[counts] = out[counts].fillna(0).astype("int64")

    contacts = _contact_features(staged["contacts"], spine)
    responses = _response_features(staged["responses"], spine)
    out = out.merge(contacts, on="customer_id", how="left")
    out = out.merge(responses, on="customer_id", how="left")
    past_contacts = out["past_contacts"]
    out["past_contacts"] = past_contacts.fillna(0).astype("int64")
    out["past_responses"] = out["past_responses"].fillna(0).astype("int64")
    out["past_response_rate"] = (out["past_responses"] / past_contacts).where(past_contacts > 0)
    out["days_since_last_contact"] = _days_between(out["source_max_contacted_at"], as_of_at)
    return out


def _order_features(orders: pd.DataFrame, spine: pd.DataFrame) -> pd.DataFrame:
    h = spine.merge(orders, on="customer_id")
    h = h[h["ordered_at"] < h["as_of_at"]]
    completed = h["status"] == "completed"
    since = {d: h["ordered_at"] >= h["as_of_at"] - pd.Timedelta(days=d) for d in (30, 90, 365)}
    done_365 = completed & since[365]
    amount = h["amount"]
    cols = {
        "customer_id": h["customer_id"],
        "orders_total": completed,
        "spend_total": amount.where(completed, 0.0),
        "orders_30d": completed & since[30],
        "orders_90d": completed & since[90],
        "orders_365d": done_365,
        "spend_90d": amount.where(completed & since[90], 0.0),
        "spend_365d": amount.where(done_365, 0.0),
        "returns_365d": (h["status"] == "returned") & since[365],
        "app_orders_365d": done_365 & (h["channel"] == "app"),
        "categories_365d": h["category"].where(done_365),
        "last_ordered_at": h["ordered_at"].where(completed),
        "first_ordered_at": h["ordered_at"].where(completed),
        "source_max_ordered_at": h["ordered_at"],
    }
    # One spend column per category present in the staged orders, as order_categories() reads.
    categories = sorted(orders["category"].dropna().unique())
    for category in categories:
        cols[f"spend_365d_{_identifier_safe(category)}"] = amount.where(
            done_365 & (h["category"] == category), 0.0
        )
    frame = pd.DataFrame(cols)
    how = {name: "sum" for name in cols if name != "customer_id"}
    how |= {
        "categories_365d": "nunique",
        "last_ordered_at": "max",
        "first_ordered_at": "min",
        "source_max_ordered_at": "max",
    }
    features = frame.groupby("customer_id", sort=False).agg(how).reset_index()
    for name in ["spend_total", "spend_90d", "spend_365d"] + [
        c for c in features.columns if c.startswith("spend_365d_")
    ]:
        features[name] = _round(features[name], 2)
    return features


def _event_features(events: pd.DataFrame, spine: pd.DataFrame) -> pd.DataFrame:
    h = spine.merge(events, on="customer_id")
    at, as_of_at = h["occurred_at"], h["as_of_at"]
    h = h[(at < as_of_at) & (at >= as_of_at - pd.Timedelta(days=90))]
    kind = h["event_type"]
    in_7d = h["occurred_at"] >= h["as_of_at"] - pd.Timedelta(days=7)
    in_30d = h["occurred_at"] >= h["as_of_at"] - pd.Timedelta(days=30)
    frame = pd.DataFrame(
        {
            "customer_id": h["customer_id"],
            "events_7d": in_7d,
            "events_30d": in_30d,
            "events_90d": 1,
            "sessions_30d": (kind == "session_start") & in_30d,
            "product_views_30d": (kind == "product_view") & in_30d,
            "add_to_carts_30d": (kind == "add_to_cart") & in_30d,
            "searches_30d": (kind == "search") & in_30d,
            "email_opens_90d": kind == "email_open",
            "email_clicks_90d": kind == "email_click",
            "source_max_occurred_at": h["occurred_at"],
        }
    )
    how = {name: "sum" for name in frame.columns if name != "customer_id"}
    how["source_max_occurred_at"] = "max"
    return frame.groupby("customer_id", sort=False).agg(how).reset_index()


def _contact_features(contacts: pd.DataFrame, spine: pd.DataFrame) -> pd.DataFrame:
    h = spine.merge(contacts, on="customer_id")
    # `not is_control` in SQL drops rows whose is_control is null as well as the controls.
    treated = h["is_control"].eq(False)
    h = h[(h["contacted_at"] < h["as_of_at"]) & treated]
    return (
        h.groupby("customer_id", sort=False)
        .agg(
            past_contacts=("contacted_at", "size"),
            source_max_contacted_at=("contacted_at", "max"),
        )
        .reset_index()
    )


def _response_features(responses: pd.DataFrame, spine: pd.DataFrame) -> pd.DataFrame:
    h = spine.merge(responses, on="customer_id")
    h = h[h["responded_at"] < h["as_of_at"]]
    return (
        h.groupby("customer_id", sort=False)
        .agg(
            past_responses=("responded_at", "size"),
            source_max_responded_at=("responded_at", "max"),
        )
        .reset_index()
    )


def _days_between(start: pd.Series, end: pd.Series) -> pd.Series:
    """DuckDB's date_diff('day', start, end): day boundaries crossed, so times of day drop."""
    return (end.dt.normalize() - start.dt.normalize()).dt.days.astype("Int64")


def _round(values: pd.Series, digits: int) -> pd.Series:
    """DuckDB's round on a double: round(x * 10^d) / 10^d, halves away from zero.

    numpy rounds halves to even, which differs from DuckDB on sums such as 0.125.
    """
    scale = 10.0**digits
    scaled = values.to_numpy(dtype="float64") * scale
    whole = np.trunc(scaled)
    # scaled - whole is exact, so a half is detected exactly as C's round() sees it.
    away = np.where(np.abs(scaled - whole) >= 0.5, np.sign(scaled), 0.0)
    return pd.Series((whole + away) / scale, index=values.index)


def _identifier_safe(value: str) -> str:
    """The identifier_safe macro: lower case, runs of other characters as one _, trimmed."""
    return re.sub("[^a-z0-9]+", "_", value.lower()).strip("_")


def compare(ours: pd.DataFrame, dbt: pd.DataFrame) -> dict:
    """Join on customer_id and count, per common column, the rows whose values differ.

    Numbers match within 1e-9 relative, other values exactly; null matches null. A customer on
    one side only counts as a mismatch in every column. The features are the same only when
    ``mismatched_columns`` and both ``columns_only_*`` are empty.
    """
    joined = ours.merge(
        dbt, on="customer_id", how="outer", suffixes=("_ours", "_dbt"), indicator=True
    )
    one_sided = joined["_merge"] != "both"
    common = [c for c in ours.columns if c in dbt.columns and c != "customer_id"]
    mismatched: dict[str, int] = {}
    for column in common:
        a, b = joined[f"{column}_ours"], joined[f"{column}_dbt"]
        both_null = a.isna() & b.isna()
        numeric = (
            pd.api.types.is_numeric_dtype(a)
            and pd.api.types.is_numeric_dtype(b)
            and not pd.api.types.is_bool_dtype(a)
        )
        if numeric:
            x, y = a.astype("float64").to_numpy(), b.astype("float64").to_numpy()
            with np.errstate(invalid="ignore"):
                close = np.abs(x - y) <= 1e-9 * np.maximum(np.abs(x), np.abs(y))
            same = both_null | pd.Series(close, index=joined.index)
        else:
            same = both_null | (a == b).fillna(False).astype(bool)
        bad = int((~same | one_sided).sum())
        if bad:
            mismatched[column] = bad
    return {
        "rows_ours": len(ours),
        "rows_dbt": len(dbt),
        "rows_joined": int((~one_sided).sum()),
        "columns_compared": len(common),
        "columns_only_ours": sorted(set(ours.columns) - set(dbt.columns)),
        "columns_only_dbt": sorted(set(dbt.columns) - set(ours.columns)),
        "mismatched_columns": mismatched,
    }


def _model_seconds(run_results: Path, model: str = "customer_features") -> float | None:
    """The dbt model's execution time from run_results.json, when the file has it."""
    if not run_results.is_file():
        return None
    results = json.loads(run_results.read_text())["results"]
    found = [r for r in results if r["unique_id"].split(".")[-1] == model]
    found = [r for r in found if r["unique_id"].startswith("model.")]
    return found[0]["execution_time"] if found else None


def main() -> None:
    from bullseye.datagen import GeneratorConfig

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path, help="a built bullseye.duckdb")
    parser.add_argument(
        "--as-of",
        type=datetime.fromisoformat,
        default=GeneratorConfig().end_at.replace(tzinfo=None),
        help="the as-of the warehouse was built with (default: the generator's end)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="feature runs; the best is kept")
    parser.add_argument(
        "--run-results",
        type=Path,
        help="dbt's run_results.json of that warehouse's build (default: <home>/dbt/target/, "
        "the home being the warehouse file's grandparent)",
    )
    args = parser.parse_args()

    start = time.perf_counter()
    staged = load_staged(str(args.warehouse))
    load_seconds = time.perf_counter() - start
    seconds = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        ours = customer_features(staged, args.as_of)
        seconds.append(time.perf_counter() - start)
    with duckdb.connect(str(args.warehouse), read_only=True) as con:
        dbt = con.sql("select * from marts.customer_features").df()
    report = {
        "customers": len(staged["customers"]),
        "as_of": args.as_of.isoformat(),
        "load_seconds": round(load_seconds, 3),
        "features_seconds": round(min(seconds), 3),
        "dbt_customer_features_seconds": _model_seconds(
            args.run_results
            or args.warehouse.resolve().parents[1] / "dbt" / "target" / "run_results.json"
        ),
        "comparison": compare(ours, dbt),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
