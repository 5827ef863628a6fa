"""Publish an audience to every destination: all of it, or none of it.

Destinations share one small interface: ``stage`` writes the publication where nobody reads it
yet, ``commit`` makes it visible, ``abort`` undoes ``stage`` (and a ``commit`` that a later
destination's failure voids), ``finalize`` drops what ``abort`` would have needed. Files are
written into a hidden folder and swapped in by renames; the warehouse table is replaced inside
one transaction. A crash before every destination has committed leaves every previous
publication as it was. Webhooks are notified after the commit, with retries; a rerun sends the
same batches again with the same idempotency key.

Publishing is idempotent per (campaign, run date): a rerun replaces, never adds. Each
publication carries a manifest (rows by group, checksums, policy, model version, dbt manifest
hash, data as-of) and a diff against the campaign's previous publication.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import time
import urllib.request
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import duckdb
import pandas as pd

from bullseye.core.catalog import CAMPAIGN_ID, CUSTOMER_KEY

PUBLISHED_COLUMNS = (
    CAMPAIGN_ID,
    CUSTOMER_KEY,
    "rank",
    "score",
    "decile",
    "group",
    "uplift",
    "expected_value",
    "reason_1",
    "reason_2",
    "reason_3",
    "model_version",
    "run_id",
)
MEMBERS_TABLE = "publish.audience_members"
FILES = ("audience.csv", "audience.parquet", "manifest.json", "diff.csv")


@dataclass(frozen=True)
class PublicationRequest:
    """What to publish and the facts the manifest records."""

    audience: pd.DataFrame
    campaign_id: str
    run_date: date
    model_version: str
    run_id: str
    policy: dict = field(default_factory=dict)
    economics: dict = field(default_factory=dict)
    data_as_of: str | None = None
    dbt_manifest_hash: str | None = None

    def frame(self) -> pd.DataFrame:
        """The published rows: pseudonymous keys only, fixed columns, in rank order."""
        frame = self.audience.assign(model_version=self.model_version, run_id=self.run_id)
        for column in PUBLISHED_COLUMNS:
            if column not in frame:
                frame[column] = None
        frame = frame[list(PUBLISHED_COLUMNS)].sort_values("rank", ignore_index=True)
        frame["uplift"] = frame["uplift"].astype("float64")
        frame["expected_value"] = frame["expected_value"].astype("float64")
        for column in ("reason_1", "reason_2", "reason_3"):
            frame[column] = frame[column].fillna("").astype(str)
        return frame


class Destination(Protocol):
    name: str

    def stage(self, frame: pd.DataFrame, manifest: dict, request: PublicationRequest) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...

    def finalize(self) -> None: ...


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FilesDestination:
    """``<root>/<campaign>/<run date>/``: audience CSV and Parquet, manifest.json, diff.csv."""

    name = "files"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._staging: Path | None = None
        self._final: Path | None = None
        self._committed = False

    def folder(self, campaign_id: str, run_date: date) -> Path:
        return self.root / campaign_id / run_date.isoformat()

    def previous(self, campaign_id: str, run_date: date) -> pd.DataFrame | None:
        """The campaign's latest publication before ``run_date``."""
        campaign_dir = self.root / campaign_id
        if not campaign_dir.is_dir():
            return None
        earlier = sorted(
            d
            for d in campaign_dir.iterdir()
            if not d.name.startswith(".") and d.name < run_date.isoformat()
        )
        return pd.read_parquet(earlier[-1] / "audience.parquet") if earlier else None

    def stage(self, frame: pd.DataFrame, manifest: dict, request: PublicationRequest) -> None:
        final = self.folder(request.campaign_id, request.run_date)
        final.parent.mkdir(parents=True, exist_ok=True)
        _recover(final)
        staging = final.parent / f".{final.name}.{uuid.uuid4().hex}.tmp"
        staging.mkdir()
        self._staging, self._final = staging, final
        frame.to_csv(staging / "audience.csv", index=False, float_format="%.6f")
        frame.to_parquet(staging / "audience.parquet", index=False)
        manifest["diff"]["frame"].to_csv(staging / "diff.csv", index=False)
        manifest["files"] = {
            name: {"sha256": _sha256(staging / name), "bytes": (staging / name).stat().st_size}
            for name in ("audience.csv", "audience.parquet", "diff.csv")
        }
        public = {k: v for k, v in manifest.items() if k != "diff"}
        public["diff"] = {k: v for k, v in manifest["diff"].items() if k != "frame"}
        (staging / "manifest.json").write_text(json.dumps(public, indent=2, default=str))
        for name in FILES:
            with open(staging / name, "rb") as handle:
                os.fsync(handle.fileno())

    def commit(self) -> None:
        previous = self._final.with_name(f".{self._final.name}.previous")
        if self._final.exists():
            os.replace(self._final, previous)
        os.replace(self._staging, self._final)
        self._committed = True

    def abort(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
        if self._committed:  # a later destination failed: put the previous publication back
            previous = self._final.with_name(f".{self._final.name}.previous")
            shutil.rmtree(self._final, ignore_errors=True)
            if previous.exists():
                os.replace(previous, self._final)

    def finalize(self) -> None:
        shutil.rmtree(self._final.with_name(f".{self._final.name}.previous"), ignore_errors=True)


def _recover(final: Path) -> None:
    """If a crash fell between the two renames of a swap, put the previous publication back."""
    previous = final.with_name(f".{final.name}.previous")
    if previous.exists():
        if final.exists():
            shutil.rmtree(previous)
        else:
            os.replace(previous, final)


def stage_replace(
    con: duckdb.DuckDBPyConnection, relation: str, frame: pd.DataFrame, key: dict
) -> None:
    """Open a transaction that replaces the rows of ``relation`` matching ``key`` (column ->
    value) with ``frame``, creating the table on first use; the caller commits or rolls back."""
    schema = relation.split(".")[0]
    where = " and ".join(f"{column} = ?" for column in key)
    con.register("frame_to_write", frame)
    con.execute("begin transaction")
    con.execute(f"create schema if not exists {schema}")
    con.execute(f"create table if not exists {relation} as from frame_to_write limit 0")
    con.execute(f"delete from {relation} where {where}", list(key.values()))
    con.execute(f"insert into {relation} by name select * from frame_to_write")


class WarehouseDestination:
    """``publish.audience_members`` in the warehouse: every publication's rows, keyed by
    (campaign, run date); a rerun replaces its own rows inside one transaction."""

    name = "warehouse"

    def __init__(self, warehouse_path: Path) -> None:
        self.warehouse_path = warehouse_path
        self._con: duckdb.DuckDBPyConnection | None = None

    def stage(self, frame: pd.DataFrame, manifest: dict, request: PublicationRequest) -> None:
        rows = frame.assign(
            run_date=pd.Timestamp(request.run_date), published_at=pd.Timestamp(manifest["at"])
        )
        self._con = duckdb.connect(str(self.warehouse_path))
        stage_replace(
            self._con,
            MEMBERS_TABLE,
            rows,
            {CAMPAIGN_ID: request.campaign_id, "run_date": pd.Timestamp(request.run_date)},
        )

    def commit(self) -> None:
        self._con.execute("commit")
        self._con.close()
        self._con = None

    def abort(self) -> None:
        if self._con is not None:
            self._con.execute("rollback")
            self._con.close()
            self._con = None

    def finalize(self) -> None:
        pass


class WebhookDestination:
    """POSTs the publication as JSON lines in batches, each signed with HMAC-SHA256 of the body
    (header ``X-Bullseye-Signature: sha256=<hex>``) and carrying an idempotency key, so the
    receiver can verify the sender and drop a batch it has already seen. Sent after every other
    destination has committed; retried with exponential back-off."""

    name = "webhook"

    def __init__(
        self,
        url: str,
        secret: str,
        batch_size: int = 1_000,
        retries: int = 4,
        backoff_s: float = 0.5,
        timeout_s: float = 10.0,
    ) -> None:
        self.url, self.secret = url, secret.encode()
        self.batch_size, self.retries, self.backoff_s = batch_size, retries, backoff_s
        self.timeout_s = timeout_s
        self._batches: list[tuple[dict, bytes]] = []
        self.sent: int = 0

    def stage(self, frame: pd.DataFrame, manifest: dict, request: PublicationRequest) -> None:
        self._batches = []
        total = max((len(frame) - 1) // self.batch_size + 1, 1)
        for number in range(total):
            part = frame.iloc[number * self.batch_size : (number + 1) * self.batch_size]
            body = part.to_json(orient="records", lines=True, force_ascii=False).encode()
            key = f"{request.campaign_id}/{request.run_date}/{manifest['content_sha256'][:16]}"
            headers = {
                "Content-Type": "application/x-ndjson",
                "X-Bullseye-Signature": "sha256="
                + hmac.new(self.secret, body, hashlib.sha256).hexdigest(),
                "Idempotency-Key": f"{key}/{number + 1}",
                "X-Bullseye-Batch": f"{number + 1}/{total}",
            }
            self._batches.append((headers, body))

    def commit(self) -> None:
        pass  # delivery happens in finalize, once every other destination has committed

    def abort(self) -> None:
        self._batches = []

    def finalize(self) -> None:
        for headers, body in self._batches:
            self._send(headers, body)
            self.sent += 1

    def _send(self, headers: dict, body: bytes) -> None:
        for attempt in range(self.retries + 1):
            request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                    if 200 <= response.status < 300:
                        return
            except OSError as error:  # URLError, HTTPError, timeouts
                if attempt == self.retries:
                    raise WebhookError(f"{self.url}: {error} after {attempt + 1} tries") from error
            time.sleep(self.backoff_s * 2**attempt)


class WebhookError(RuntimeError):
    pass


def diff_publications(current: pd.DataFrame, previous: pd.DataFrame | None) -> dict:
    """Who entered, left or stayed in the audience since the campaign's previous publication."""
    now = set(current[CUSTOMER_KEY])
    before = set(previous[CUSTOMER_KEY]) if previous is not None else set()
    frame = pd.DataFrame(
        [(k, "entered") for k in sorted(now - before)]
        + [(k, "exited") for k in sorted(before - now)]
        + [(k, "stayed") for k in sorted(now & before)],
        columns=[CUSTOMER_KEY, "change"],
    )
    return {
        "previous_rows": len(before),
        "entered": len(now - before),
        "exited": len(before - now),
        "stayed": len(now & before),
        "frame": frame,
    }


@dataclass(frozen=True)
class Publication:
    folder: Path
    csv_path: Path
    parquet_path: Path
    manifest_path: Path
    rows_by_group: dict[str, int]
    diff: dict[str, int]
    destinations: tuple[str, ...]


def publish(
    request: PublicationRequest,
    files: FilesDestination,
    others: Sequence[Destination] = (),
    fail_before_commit: bool = False,
) -> Publication:
    """Stage everywhere, then commit everywhere; on any failure abort everywhere.

    ``fail_before_commit`` raises after staging, to prove a crash leaves the previous
    publication intact (used by tests).
    """
    frame = request.frame()
    rows_by_group = {str(k): int(v) for k, v in frame["group"].value_counts().sort_index().items()}
    content = pd.util.hash_pandas_object(frame.drop(columns=["run_id"]), index=False)
    manifest = {
        "campaign_id": request.campaign_id,
        "run_date": request.run_date.isoformat(),
        "run_id": request.run_id,
        "at": pd.Timestamp.now(tz="UTC").isoformat(),
        "model_version": request.model_version,
        "data_as_of": request.data_as_of,
        "dbt_manifest_hash": request.dbt_manifest_hash,
        "policy": request.policy,
        "economics": request.economics,
        "rows": len(frame),
        "rows_by_group": rows_by_group,
        "content_sha256": hashlib.sha256(content.to_numpy().tobytes()).hexdigest(),
        "diff": diff_publications(frame, files.previous(request.campaign_id, request.run_date)),
        "destinations": [files.name, *(d.name for d in others)],
    }
    destinations: list[Destination] = [files, *others]
    staged: list[Destination] = []
    try:
        for destination in destinations:
            staged.append(destination)
            destination.stage(frame, manifest, request)
        if fail_before_commit:
            raise RuntimeError("injected failure before the publication commit")
        for destination in destinations:
            destination.commit()
    except BaseException:
        for destination in reversed(staged):
            destination.abort()
        raise
    for destination in destinations:
        destination.finalize()
    final = files.folder(request.campaign_id, request.run_date)
    diff = {k: v for k, v in manifest["diff"].items() if k != "frame"}
    return Publication(
        final,
        final / "audience.csv",
        final / "audience.parquet",
        final / "manifest.json",
        rows_by_group,
        diff,
        tuple(manifest["destinations"]),
    )
