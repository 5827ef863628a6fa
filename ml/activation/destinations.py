"""Where an audience goes: files (CSV, Parquet, manifest, diff, swapped in by renames), the
warehouse table ``publish.audience_members`` (one transaction) and a signed webhook. Each follows
``ml.activation.publish.Destination``: stage, commit, abort, finalize."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from bullseye.core.catalog import CAMPAIGN_ID, MEMBERS_RELATION
from bullseye.core.ids import folder_name
from bullseye.core.warehouse import stage_replace
from ml.activation.publish import FILES, PublicationRequest
from ml.activation.webhook import WebhookDestination as WebhookDestination
from ml.activation.webhook import WebhookError as WebhookError


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class FilesDestination:
    """``<root>/<campaign>/<run date>/``: audience CSV and Parquet, manifest.json, diff.csv.
    ``<campaign>`` is the campaign id as a safe folder name (``bullseye.core.ids.folder_name``):
    an id from the landing data such as ``../x`` never leaves ``root``."""

    name = "files"

    def __init__(self, root: Path) -> None:
        self.root = root
        self._staging: Path | None = None
        self._final: Path | None = None
        self._entry: dict = {}
        self._committing = False

    def folder(self, campaign_id: str, run_date: date) -> Path:
        return self.root / folder_name(campaign_id) / run_date.isoformat()

    def previous(self, campaign_id: str, run_date: date) -> pd.DataFrame | None:
        """The campaign's latest publication before ``run_date``."""
        campaign_dir = self.root / folder_name(campaign_id)
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
        self._entry = {
            CAMPAIGN_ID: request.campaign_id,
            "run_date": request.run_date.isoformat(),
            "run_id": request.run_id,
            "rows": len(frame),
            "folder": final.name,
            "staging": staging.name,
        }
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
        """Swap the staged folder in. Until ``finalize``, a journal beside it
        (``.<run date>.commit.json``) names the publication: if the process dies before every
        destination has committed, ``recover`` finds it and puts the files in line with the
        table."""
        self._committing = True
        _write_durably(_journal(self._final), self._entry)
        if self._final.exists():
            os.replace(self._final, _previous(self._final))
        os.replace(self._staging, self._final)
        _fsync_dir(self._final.parent)

    def abort(self) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
        if self._committing:  # the swap (or a later destination) failed: previous one back
            _roll_back(self._final, self._entry)
        if self._final is not None:
            _journal(self._final).unlink(missing_ok=True)

    def finalize(self) -> None:
        shutil.rmtree(_previous(self._final), ignore_errors=True)
        _journal(self._final).unlink(missing_ok=True)

    def recover(self, committed: Callable[[dict], bool]) -> list[str]:
        """Finish or undo the swaps of processes that died inside the commit (their journal
        is still there): forward when ``committed(entry)`` says the other destinations hold
        that publication, back to the previous one otherwise; then drop the staging folders
        dead processes left. Publishing holds the warehouse lock, so no live process is
        staging here. Returns one line per journal, for the log."""
        done = []
        for journal in sorted(self.root.glob("*/.*.commit.json")):
            entry = json.loads(journal.read_text())
            final = journal.parent / entry["folder"]
            if committed(entry):
                staging = journal.parent / entry["staging"]
                if not final.exists() and staging.exists():  # died between the two renames
                    os.replace(staging, final)
                shutil.rmtree(_previous(final), ignore_errors=True)
                done.append(f"{entry[CAMPAIGN_ID]} {entry['run_date']}: completed")
            else:
                _roll_back(final, entry)
                done.append(f"{entry[CAMPAIGN_ID]} {entry['run_date']}: rolled back")
            journal.unlink()
        for staging in self.root.glob("*/.*.tmp"):
            shutil.rmtree(staging, ignore_errors=True)
        return done


def _previous(final: Path) -> Path:
    return final.with_name(f".{final.name}.previous")


def _journal(final: Path) -> Path:
    return final.with_name(f".{final.name}.commit.json")


def _roll_back(final: Path, entry: dict) -> None:
    """Put the publication before ``entry`` back (none, if ``entry`` was the first)."""
    shutil.rmtree(final.with_name(entry["staging"]), ignore_errors=True)
    previous = _previous(final)
    if previous.exists():
        shutil.rmtree(final, ignore_errors=True)
        os.replace(previous, final)
    elif final.is_dir() and _run_id(final) == entry["run_id"]:
        shutil.rmtree(final)


def _run_id(folder: Path) -> str | None:
    try:
        return json.loads((folder / "manifest.json").read_text())["run_id"]
    except (OSError, ValueError, KeyError):
        return None


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, payload: dict) -> None:
    """Write, fsync, rename: the journal is whole or absent, even after a power cut."""
    tmp = path.with_name(f"{path.name}.{uuid.uuid4().hex}.part")
    with open(tmp, "w") as handle:
        json.dump(payload, handle)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _recover(final: Path) -> None:
    """If a crash fell between the two renames of a swap made before journals existed, put the
    previous publication back."""
    previous = _previous(final)
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

    def holds(self, entry: dict) -> bool:
        """Whether the table holds the publication a journal names: exactly its run's rows for
        its (campaign, run date) (``FilesDestination.recover``)."""
        if not self.warehouse_path.exists():
            return False
        with duckdb.connect(str(self.warehouse_path), read_only=True) as con:
            try:
                counts = con.execute(
                    f"select run_id, count(*) from {MEMBERS_RELATION} "
                    f"where {CAMPAIGN_ID} = ? and run_date = ? group by run_id",
                    [entry[CAMPAIGN_ID], pd.Timestamp(entry["run_date"])],
                ).fetchall()
            except duckdb.CatalogException:  # no publication ever committed
                counts = []
        return dict(counts) == ({entry["run_id"]: entry["rows"]} if entry["rows"] else {})

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
