"""A throwaway PostgreSQL server for tests: initdb and pg_ctl in a temporary folder, reached
through a Unix socket there (no TCP port), stopped and deleted afterwards. Uses the server
binaries installed on the machine (PostgreSQL 15 by default, BULLSEYE_TEST_PG_BIN to change)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("BULLSEYE_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
PORT = 54329


def _as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: tests in containers run as root, so the server runs
    # as the postgres account there.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextmanager
def postgres_server(databases: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """Start a server with ``databases`` created; yields SQLAlchemy URLs by name (psycopg 3
    driver). Its folder is a fresh one directly in the temporary directory, which the server
    account can reach (pytest's own folders are private to the user running the tests)."""
    root = Path(tempfile.mkdtemp(prefix="bullseye-pg-"))
    data, socket_dir = root / "data", root / "socket"
    socket_dir.mkdir(parents=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(socket_dir, "postgres")
    run = {"check": True, "capture_output": True, "timeout": 120}
    subprocess.run(
        _as_server_user([str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]),
        **run,
    )
    options = f"-p {PORT} -k {socket_dir} -c listen_addresses='' -c max_connections=200"
    ctl = [str(PG_BIN / "pg_ctl"), "-D", str(data), "-w", "-l", str(root / "server.log")]
    subprocess.run(_as_server_user([*ctl, "-o", options, "start"]), **run)
    try:
        for name in databases:
            createdb = [str(PG_BIN / "createdb"), "-h", str(socket_dir), "-p", str(PORT)]
            subprocess.run([*createdb, "-U", "postgres", name], **run)
        yield {
            name: f"postgresql+psycopg://postgres@/{name}?host={socket_dir}&port={PORT}"
            for name in databases
        }
    finally:
        subprocess.run(_as_server_user([*ctl, "-m", "fast", "stop"]), **run)
        shutil.rmtree(root, ignore_errors=True)
