"""What a published audience looks like from outside, for the crash, concurrency and
webhook-failure tests: file checksums, the warehouse rows, and the consistency between them."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from bullseye.core.catalog import MEMBERS_RELATION
from ml.activation.policy import AudiencePolicy, select_audience
from ml.modelling.evaluate import assign_deciles

AUDIENCE_FILES = ("audience.csv", "audience.parquet", "diff.csv", "manifest.json")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def folder_checksums(campaign_dir: Path) -> dict[str, dict[str, str]]:
    """Every visible publication of a campaign (``<run date>/``) and its files' SHA-256."""
    return {
        d.name: {f.name: sha256(f) for f in sorted(d.iterdir())}
        for d in sorted(campaign_dir.iterdir())
        if not d.name.startswith(".")
    }


def tree_checksums(root: Path) -> dict[str, str]:
    """Every file under ``root`` (by relative path) and its SHA-256."""
    return {str(f.relative_to(root)): sha256(f) for f in sorted(root.rglob("*")) if f.is_file()}


def hidden_leftovers(root: Path) -> list[str]:
    """Staging folders, previous folders and commit journals under an audiences root."""
    return sorted(str(p.relative_to(root)) for p in root.glob("*/.*"))


def members(warehouse: Path, campaign_id: str, run_date: date) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f"select * from {MEMBERS_RELATION} where campaign_id = ? and run_date = ? "
            "order by rank",
            [campaign_id, pd.Timestamp(run_date)],
        ).df()


def table_checksum(warehouse: Path) -> str:
    """Order-independent SHA-256 of publish.audience_members (every publication's rows)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(f"select * from {MEMBERS_RELATION}").df()
    rows = sorted(frame.astype(str).itertuples(index=False, name=None))
    return hashlib.sha256(repr((list(frame.columns), rows)).encode()).hexdigest()


def assert_consistent(folder: Path, warehouse: Path) -> dict:
    """One whole publication: the manifest's checksums match the files, and the table holds
    exactly the parquet's rows for (campaign, run date), from the manifest's run. Returns the
    manifest."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, facts in manifest["files"].items():
        assert sha256(folder / name) == facts["sha256"], f"{name} does not match its manifest"
    audience = pd.read_parquet(folder / "audience.parquet")
    assert len(audience) == manifest["rows"]
    rows = members(warehouse, manifest["campaign_id"], date.fromisoformat(manifest["run_date"]))
    assert set(rows["run_id"]) == {manifest["run_id"]}, "table rows from another run"
    assert list(rows["customer_key"]) == list(audience["customer_key"])
    assert set(audience["run_id"]) == {manifest["run_id"]}
    return manifest


def synthetic_audience(n: int = 3_000, top_k: int = 2_500, campaign: str = "c") -> pd.DataFrame:
    """An audience selected by the real policy code from made-up scores (no model needed)."""
    scores = pd.DataFrame(
        {
            "campaign_id": campaign,
            "customer_key": [f"k{i:06d}" for i in range(n)],
            "score": [i / n for i in range(n)],
        }
    )
    scores["decile"] = assign_deciles(scores["score"].to_numpy())
    return select_audience(scores, AudiencePolicy(campaign, top_k=top_k))
