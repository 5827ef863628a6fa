"""`kill -9` in the middle of a run: no half-written audience, and the rerun completes.

Default suite: a process publishing with the real destinations (files, DuckDB table) is killed
at the one moment renames cannot cover, between the file swap and the table's commit (and just
after the commit), and the next publication settles what it left; a process killed while
holding the warehouse lock does not block the next one.

Slow set: real `bullseye run` / `bullseye score` processes on a small generated landing,
killed during the dbt build, during training and during publication, each moment found by
polling the run's own files; the previous audience and table rows must be byte-identical
afterwards, and a rerun must complete.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest

from bullseye.core.locks import warehouse_lock
from bullseye.core.settings import Settings
from ml.activation.destinations import FilesDestination, WarehouseDestination
from ml.activation.publish import PublicationRequest, publish, recover
from tests.conftest import AS_OF
from tests.reliability.publications import (
    assert_consistent,
    folder_checksums,
    hidden_leftovers,
    synthetic_audience,
    table_checksum,
    tree_checksums,
)
from tests.reliability.runs import (
    CliHome,
    Run,
    dbt_nodes_done,
    run_args,
    score_args,
    staging_folders,
)

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2026, 11, 23)

# Publishes run2 of campaign "c" and dies by SIGKILL inside the table's commit: before it
# ("before") or right after it ("after"), while the file swap is done and not yet finalized.
_DIES_IN_COMMIT = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import date
    from pathlib import Path
    import pandas as pd
    from ml.activation.destinations import FilesDestination, WarehouseDestination
    from ml.activation.publish import PublicationRequest, publish

    root, warehouse, when = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]

    class DiesInCommit(WarehouseDestination):
        def commit(self):
            if when == "after":
                super().commit()
            os.kill(os.getpid(), signal.SIGKILL)

    audience = pd.read_parquet(sys.argv[5])
    request = PublicationRequest(audience, "c", date.fromisoformat(sys.argv[4]), "v1", "run2")
    publish(request, FilesDestination(root), [DiesInCommit(warehouse)])
    """
)


def _request(run_id: str, top_k: int, campaign: str = "c") -> PublicationRequest:
    return PublicationRequest(
        synthetic_audience(top_k=top_k, campaign=campaign), campaign, DAY, "v1", run_id
    )


@pytest.fixture
def settings(tmp_path) -> Settings:
    settings = Settings(home=tmp_path / "home")
    settings.warehouse_path.parent.mkdir(parents=True)
    return settings


def _publish(settings: Settings, request: PublicationRequest):
    return publish(
        request,
        FilesDestination(settings.audiences_dir),
        [WarehouseDestination(settings.warehouse_path)],
    )


def _die_in_commit(settings: Settings, when: str) -> None:
    audience = settings.home / "run2.parquet"  # made here: the child imports little, starts fast
    _request("run2", 2_000).audience.to_parquet(audience)
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _DIES_IN_COMMIT,
            str(settings.audiences_dir),
            str(settings.warehouse_path),
            when,
            DAY.isoformat(),
            str(audience),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.mark.parametrize("previous", [True, False], ids=["replacing", "first"])
def test_killed_before_the_table_commit_the_next_publication_rolls_the_files_back(
    settings, previous
):
    campaign_dir = settings.audiences_dir / "c"
    if previous:
        _publish(settings, _request("run1", 1_500))
    _publish(settings, _request("other-1", 100, campaign="other"))
    files_before = folder_checksums(campaign_dir) if previous else {}
    table_before = table_checksum(settings.warehouse_path)

    _die_in_commit(settings, "before")

    # The durable state a kill leaves in that window: the new files swapped in, the table
    # untouched, and the journal that says the commit never finished.
    assert table_checksum(settings.warehouse_path) == table_before
    assert (campaign_dir / f".{DAY}.commit.json").exists()
    # The next publication (any campaign) settles it first: back to the previous files.
    later = _publish(settings, _request("other-2", 120, campaign="other"))
    assert later.recovered == (f"c {DAY}: rolled back",)
    assert (folder_checksums(campaign_dir) if campaign_dir.exists() else {}) == files_before
    assert hidden_leftovers(settings.audiences_dir) == []
    # and the rerun of the killed publication completes
    rerun = _publish(settings, _request("run2", 2_000))
    assert assert_consistent(rerun.folder, settings.warehouse_path)["run_id"] == "run2"


def test_killed_after_the_table_commit_the_publication_is_completed(settings):
    _publish(settings, _request("run1", 1_500))
    _die_in_commit(settings, "after")
    folder = settings.audiences_dir / "c" / DAY.isoformat()
    assert recover(
        FilesDestination(settings.audiences_dir), [WarehouseDestination(settings.warehouse_path)]
    ) == [f"c {DAY}: completed"]
    manifest = assert_consistent(folder, settings.warehouse_path)
    assert (manifest["run_id"], manifest["rows"]) == ("run2", 2_000)
    assert hidden_leftovers(settings.audiences_dir) == []


def test_a_killed_lock_holder_does_not_block_the_next_run(settings):
    """The warehouse lock is a kernel lock (filelock's flock): it dies with its holder, though
    the lock file stays."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from bullseye.core.locks import warehouse_lock\n"
            "from bullseye.core.settings import Settings\n"
            "with warehouse_lock(Settings(home=sys.argv[1]), 'holder'):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
            str(settings.home),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(30)
    finally:
        if holder.poll() is None:
            holder.kill()
    assert (settings.warehouse_path.parent / ".writer.lock").exists()
    quick = Settings(home=settings.home, warehouse_lock_timeout_s=2)
    with warehouse_lock(quick, "next run"):
        pass


# --- real runs, killed (slow) ------------------------------------------------------------


def _untouched(home: CliHome, files: dict, table: str) -> None:
    """The previous audience, byte for byte, and the same table rows; nothing new visible."""
    assert folder_checksums(home.audience_dir) == files
    assert table_checksum(home.warehouse) == table


def _rerun_completes(home: CliHome, args: list[str], log: Path, top_k: int, **env: str) -> None:
    run = Run(args, home.env(**env), log)
    assert run.wait() == 0, run.output()[-5_000:]
    manifest = assert_consistent(home.audience_dir / AS_OF.date().isoformat(), home.warehouse)
    assert manifest["rows"] == top_k
    assert hidden_leftovers(home.home / "audiences") == []


@pytest.mark.slow
def test_kill_during_the_dbt_build(cli_home, tmp_path):
    home = cli_home.copy(tmp_path / "home")
    files, table = folder_checksums(home.audience_dir), table_checksum(home.warehouse)
    run = Run(run_args(home.landing, 300), home.env(), tmp_path / "killed.log")
    try:
        run.until(lambda: dbt_nodes_done(run.log) >= 30, "30 dbt nodes built")
        run.kill()
    finally:
        run.reap()
    assert "Done. PASS=" not in run.output()  # killed inside the build
    _untouched(home, files, table)
    _rerun_completes(home, run_args(home.landing, 300), tmp_path / "rerun.log", 300)


@pytest.mark.slow
def test_kill_during_training(cli_home, tmp_path):
    home = cli_home.copy(tmp_path / "home")
    files, table = folder_checksums(home.audience_dir), table_checksum(home.warehouse)
    models = tree_checksums(home.home / "models")  # versions and aliases: the champion
    study = home.home / "optuna.sqlite3"  # the first run's study, 2 trials: resumed to 4
    written = study.stat().st_mtime_ns
    budget = {"BULLSEYE_N_TRIALS": "4"}
    run = Run(run_args(home.landing, 300), home.env(**budget), tmp_path / "killed.log")
    try:  # Optuna writes each new trial to the study
        run.until(lambda: study.stat().st_mtime_ns != written, "an Optuna trial", interval=0.05)
        run.kill()
    finally:
        run.reap()
    assert "Task run 'train-" not in run.output()  # training had not finished
    _untouched(home, files, table)
    assert tree_checksums(home.home / "models") == models  # same champion, no new version
    _rerun_completes(home, run_args(home.landing, 300), tmp_path / "rerun.log", 300, **budget)


@pytest.mark.slow
def test_kill_during_publication(cli_home, tmp_path):
    home = cli_home.copy(tmp_path / "home")
    files, table = folder_checksums(home.audience_dir), table_checksum(home.warehouse)
    run = Run(score_args(300), home.env(), tmp_path / "killed.log")
    try:
        run.until(lambda: bool(staging_folders(home.audience_dir)), "a staging folder", 0.001)
        run.kill()
    finally:
        run.reap()
    # killed while staging: its hidden staging folder is left, nothing else changed
    assert staging_folders(home.audience_dir)
    assert not list(home.audience_dir.glob(".*.commit.json")), "killed after the commit began"
    _untouched(home, files, table)
    _rerun_completes(home, score_args(300), tmp_path / "rerun.log", 300)
