"""Publish an audience to every destination: all of it, or none of it.

Destinations share one small interface: ``stage`` writes the publication where nobody reads it
yet, ``commit`` makes it visible, ``abort`` undoes ``stage`` (and a ``commit`` that a later
destination's failure voids), ``finalize`` drops what ``abort`` would have needed. Files are
written into a hidden folder and swapped in by renames; the warehouse table is replaced inside
one transaction. A crash before every destination has committed leaves every previous
publication as it was; a crash inside the commit (between the file swap and the table's commit)
leaves a journal, and the next publication first settles it (``recover``): the files go back to
the previous publication, or forward when the table already holds the new one. Webhooks are
notified after the commit; a rerun sends the same batches again with the same idempotency key.

Publishing is idempotent per (campaign, run date): a rerun replaces, never adds. Each
publication carries a manifest (rows by group, checksums, policy, model version, dbt manifest
hash, data as-of) and a diff against the campaign's previous publication.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import pandas as pd
from filelock import FileLock

from bullseye.core.catalog import CAMPAIGN_ID, CUSTOMER_KEY

if TYPE_CHECKING:  # destinations import this module's request and file names
    from ml.activation.destinations import FilesDestination

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
    "offer_1",
    "offer_2",
    "offer_3",
    "model_version",
    "run_id",
)
FILES = ("audience.csv", "audience.parquet", "manifest.json", "diff.csv")
log = logging.getLogger("bullseye.activation")


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
    note: str | None = None  # why the audience is empty, when it is (kept in the manifest)
    reason_codes: str | None = None  # how the reasons were computed: exact or approximate

    def frame(self) -> pd.DataFrame:
        """The published rows: pseudonymous keys only, fixed columns, in rank order."""
        frame = self.audience.assign(model_version=self.model_version, run_id=self.run_id)
        for column in PUBLISHED_COLUMNS:
            if column not in frame:
                frame[column] = None
        frame = frame[list(PUBLISHED_COLUMNS)].sort_values("rank", ignore_index=True)
        frame["uplift"] = frame["uplift"].astype("float64")
        frame["expected_value"] = frame["expected_value"].astype("float64")
        for column in ("reason_1", "reason_2", "reason_3", "offer_1", "offer_2", "offer_3"):
            frame[column] = frame[column].fillna("").astype(str)
        if frame.empty:  # typed text columns: an empty object column would load as INTEGER
            text = frame.columns[frame.dtypes.map(pd.api.types.is_object_dtype)]
            frame[text] = frame[text].astype("string")
        return frame


class Destination(Protocol):
    name: str

    def stage(self, frame: pd.DataFrame, manifest: dict, request: PublicationRequest) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...

    def finalize(self) -> None: ...


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
    recovered: tuple[str, ...] = ()  # interrupted publications settled first (``recover``)


_LOCKS: dict[str, FileLock] = {}  # one object per folder: reentrant within a process


def _publishing(files: FilesDestination) -> FileLock:
    """One publisher at a time per audiences folder, whatever the warehouse lock says: a
    kernel lock (it dies with its process), so ``recover`` never takes a live publisher's
    journal or staging folder for a dead one's."""
    files.root.mkdir(parents=True, exist_ok=True)
    path = str(files.root / ".publishing.lock")
    return _LOCKS.setdefault(path, FileLock(path))


def recover(files: FilesDestination, others: Sequence[Destination] = ()) -> list[str]:
    """Settle the publications a dead process left inside their commit: forward when every
    destination that can tell (``holds``: the warehouse table) has the new publication, back
    to the previous one otherwise. Also drops staging folders left by dead processes."""
    checks = [d for d in others if hasattr(d, "holds")]
    with _publishing(files):
        done = files.recover(lambda entry: all(d.holds(entry) for d in checks))
    for line in done:
        log.warning("Interrupted publication %s", line)
    return done


def publish(
    request: PublicationRequest,
    files: FilesDestination,
    others: Sequence[Destination] = (),
    fail_before_commit: bool = False,
) -> Publication:
    """Settle what dead publishers left (``recover``), then stage everywhere, then commit
    everywhere; on any failure abort everywhere.

    ``fail_before_commit`` raises after staging, to prove a crash leaves the previous
    publication intact (used by tests).
    """
    with _publishing(files):
        recovered = recover(files, others)
        publication = _publish(request, files, others, fail_before_commit)
    return replace(publication, recovered=tuple(recovered))


def _publish(
    request: PublicationRequest,
    files: FilesDestination,
    others: Sequence[Destination],
    fail_before_commit: bool,
) -> Publication:
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
        "note": request.note,
        "reason_codes": request.reason_codes,
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
