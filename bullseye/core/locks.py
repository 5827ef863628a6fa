"""One writer at a time on the embedded warehouse.

DuckDB allows a single writing process. Every flow that writes the warehouse (refresh, train,
score, evaluate, the pipeline) holds this lock for its whole run, so a second run started at the
same moment waits for the first instead of failing on DuckDB's lock or interleaving a dbt build
with another run's reads. A file lock (the filelock package) works the same under Prefect's
ephemeral per-process servers, a shared server and plain scripts; on a warehouse with real
concurrency (dbt adapters other than DuckDB) set ``warehouse_lock_timeout_s`` to 0 to skip it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from filelock import FileLock, Timeout

from bullseye.core.settings import Settings

log = logging.getLogger("bullseye.core.locks")
_LOCKS: dict[str, FileLock] = {}  # one object per path: a flow inside a flow re-enters it


class WarehouseBusyError(TimeoutError):
    pass


@contextmanager
def warehouse_lock(settings: Settings, holder: str) -> Iterator[None]:
    """Hold the warehouse's write lock; wait (up to the configured timeout) while another run
    holds it."""
    if settings.warehouse_lock_timeout_s == 0:
        yield
        return
    path = settings.warehouse_path.parent / ".writer.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = _LOCKS.setdefault(str(path), FileLock(str(path)))
    started = time.monotonic()
    try:
        lock.acquire(timeout=1)
    except Timeout:
        log.warning("Warehouse %s is being written by another run; %s waits", path.parent, holder)
        try:
            lock.acquire(timeout=settings.warehouse_lock_timeout_s)
        except Timeout as error:
            raise WarehouseBusyError(
                f"Waited {settings.warehouse_lock_timeout_s:.0f} s for the warehouse write lock "
                f"({path}); another run still holds it."
            ) from error
        log.warning("%s got the warehouse after %.0f s", holder, time.monotonic() - started)
    try:
        yield
    finally:
        lock.release()
