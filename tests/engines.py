"""The same landing built on two engines: which models differ, in row counts or in values."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from bullseye.core.settings import Settings
from bullseye.core.warehouse import read_relation

# Load time of each landing row: differs between any two builds.
VOLATILE_COLUMNS = {"_loaded_at"}


def built_models(settings: Settings) -> list[str]:
    """``schema.name`` of every model the home's last dbt build ran."""
    manifest = json.loads((settings.dbt_target_path / "manifest.json").read_text())
    results = json.loads((settings.dbt_target_path / "run_results.json").read_text())
    ran = {r["unique_id"] for r in results["results"] if r["status"] == "success"}
    return sorted(
        f"{node['schema']}.{node['alias']}"
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and uid in ran
    )


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), na_position="first").reset_index(drop=True)


def _column_problem(name: str, a: pd.Series, b: pd.Series, rtol: float) -> str | None:
    if pd.api.types.is_numeric_dtype(a) or pd.api.types.is_numeric_dtype(b):
        x = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
        y = pd.to_numeric(b, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isclose(x, y, rtol=rtol, atol=0.0, equal_nan=True)
    elif pd.api.types.is_datetime64_any_dtype(a) or pd.api.types.is_datetime64_any_dtype(b):
        x, y = pd.to_datetime(a), pd.to_datetime(b)
        bad = ~((x == y) | (x.isna() & y.isna())).to_numpy()
    else:
        x, y = a.astype(object), b.astype(object)
        bad = ~((x == y) | (x.isna() & y.isna())).to_numpy()
    if not bad.any():
        return None
    first = int(np.flatnonzero(bad)[0])
    return f"{name}: {int(bad.sum())} values differ (first: {a.iloc[first]!r} vs {b.iloc[first]!r})"


def compare_values(
    left: pd.DataFrame, right: pd.DataFrame, sample: int, seed: int, rtol: float = 1e-9
) -> list[str]:
    """Differences between two builds of one relation: its columns, and the values of the rows
    of a seeded sample of customers (every row when it has no customer_id)."""
    columns = [c for c in left.columns if c not in VOLATILE_COLUMNS]
    if set(columns) != set(right.columns) - VOLATILE_COLUMNS:
        return [f"columns differ: {sorted(set(columns) ^ (set(right.columns) - VOLATILE_COLUMNS))}"]
    left, right = left[columns], right[columns]
    if "customer_id" in columns:
        ids = left["customer_id"].drop_duplicates()
        chosen = set(ids.sample(min(sample, len(ids)), random_state=seed))
        left = left[left["customer_id"].isin(chosen)]
        right = right[right["customer_id"].isin(chosen)]
    if len(left) != len(right):
        return [f"{len(left)} vs {len(right)} rows for the sampled customers"]
    left, right = _sorted(left), _sorted(right)
    problems = (_column_problem(c, left[c], right[c], rtol) for c in columns)
    return [p for p in problems if p]


def compare_builds(
    reference: Settings, other: Settings, sample: int = 200, seed: int = 7
) -> dict[str, list[str]]:
    """Per model both builds ran: row count differences for every model, and value
    differences for the marts and the audit tables (sampled customers)."""
    problems: dict[str, list[str]] = {}
    models = built_models(reference)
    missing = sorted(set(models) - set(built_models(other)))
    if missing:
        problems["not built"] = missing
    for relation in sorted(set(models) - set(missing)):
        left, right = read_relation(reference, relation), read_relation(other, relation)
        found: list[str] = []
        if len(left) != len(right):
            found.append(f"{len(left)} vs {len(right)} rows")
        elif relation.split(".")[0] in {"marts", "audit"}:
            found = compare_values(left, right, sample, seed)
        if found:
            problems[relation] = found
    return problems
