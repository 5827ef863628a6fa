"""Where an audience goes: files (CSV, Parquet, manifest, diff, swapped in by renames), the
warehouse table ``publish.audience_members`` (one transaction) and a signed webhook. Each follows
``ml.activation.publish.Destination``: stage, commit, abort, finalize."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import time
import urllib.request
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from bullseye.core.catalog import CAMPAIGN_ID, MEMBERS_RELATION
from bullseye.core.warehouse import stage_replace
from ml.activation.publish import FILES, PublicationRequest


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
            MEMBERS_RELATION,
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
