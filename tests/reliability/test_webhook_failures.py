"""A webhook receiver that answers 500, hangs, or closes the connection.

The design (docs/architecture.md, Publishing): the webhook is told only after the files and
the warehouse table have committed, so a receiver never hears of an audience that is not
published. When it fails, the publication stays complete and consistent (manifest, files and
table rows of the new run) and the publish-audience task retries the whole, idempotent
publication: one request per batch per attempt, each bounded by ``webhook_timeout_s``, at most
``publish_attempts`` attempts with doubling waits from ``publish_backoff_s``; every attempt
sends the same batches under the same Idempotency-Key.

The default tests drive the real destinations (files, DuckDB table, webhook) the way the
publishing service builds them; the slow one runs `bullseye score` against a dead receiver.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import date

import pandas as pd
import pytest

from bullseye.core.settings import Settings
from bullseye.services.publishing import destinations
from flows.tasks import publishing_task
from ml.activation.destinations import FilesDestination
from ml.activation.publish import PublicationRequest, publish
from ml.activation.webhook import WebhookError
from tests.conftest import AS_OF
from tests.reliability.publications import (
    assert_consistent,
    folder_checksums,
    hidden_leftovers,
    synthetic_audience,
)
from tests.reliability.runs import Run, score_args
from tests.webhook import WebhookReceiver

DAY = date(2026, 11, 23)
TIMEOUT_S = 0.5


def _publish(settings: Settings, run_id: str, top_k: int):
    request = PublicationRequest(synthetic_audience(top_k=top_k), "c", DAY, "v1", run_id)
    return publish(request, FilesDestination(settings.audiences_dir), destinations(settings))


@pytest.fixture
def home(tmp_path) -> Settings:
    """A home whose campaign ``c`` already has a publication (run1, 1,500 rows), no webhook."""
    settings = Settings(home=tmp_path / "home")
    settings.warehouse_path.parent.mkdir(parents=True)
    _publish(settings, "run1", 1_500)
    return settings


def _with_webhook(settings: Settings, receiver: WebhookReceiver) -> Settings:
    return Settings(home=settings.home, webhook_url=receiver.url, webhook_timeout_s=TIMEOUT_S)


@pytest.mark.parametrize(
    ("mode", "problem"),
    [
        ("status", "it answered HTTP 500"),
        ("hang", f"no answer within {TIMEOUT_S:g} s"),
        ("close", "the connection failed (RemoteDisconnected"),
    ],
)
def test_a_failing_webhook_leaves_the_publication_whole_after_one_bounded_request(
    home, mode, problem
):
    with WebhookReceiver.failing(mode) as receiver:
        settings = _with_webhook(home, receiver)
        started = time.monotonic()
        with pytest.raises(WebhookError) as caught:
            _publish(settings, "run2", 2_000)
        elapsed = time.monotonic() - started
    # one request per attempt (no retry loop hidden in the destination), bounded by the timeout
    assert len(receiver.attempts) == 1
    assert elapsed < TIMEOUT_S + 10
    if mode == "hang":
        assert elapsed >= TIMEOUT_S
    message = str(caught.value)
    assert problem in message
    assert "batch 1/2" in message
    assert "is published" in message
    assert "rerun" in message
    assert "/audiences" not in message  # the URL's path (often a token) is not shown
    # the files and the table hold the new publication, whole: nothing half-published
    folder = settings.audiences_dir / "c" / DAY.isoformat()
    manifest = assert_consistent(folder, home.warehouse_path)
    assert (manifest["run_id"], manifest["rows"]) == ("run2", 2_000)
    assert manifest["destinations"] == ["files", "warehouse", "webhook"]
    assert hidden_leftovers(settings.audiences_dir) == []


def test_the_retry_resends_the_same_batches_under_the_same_keys(home):
    """What the publish-audience task does after a failed attempt: publish again. The audience
    files are byte-identical, and the receiver gets every batch, the failed one under the key
    it had the first time."""
    folder = home.audiences_dir / "c" / DAY.isoformat()
    with WebhookReceiver(failures=1, mode="close") as receiver:
        settings = _with_webhook(home, receiver)
        with pytest.raises(WebhookError):
            _publish(settings, "run2", 2_000)
        first = folder_checksums(folder.parent)[DAY.isoformat()]
        publication = _publish(settings, "run2", 2_000)
    again = folder_checksums(folder.parent)[DAY.isoformat()]
    assert {k: v for k, v in again.items() if k != "manifest.json"} == {
        k: v for k, v in first.items() if k != "manifest.json"
    }
    keys = [key for _, key in receiver.attempts]
    assert keys[0] == keys[1]
    assert keys[0].endswith("/1")
    assert sorted(h["Idempotency-Key"] for h, _ in receiver.received) == sorted(keys[1:])
    rows = [json.loads(line) for _, body in receiver.received for line in body.splitlines()]
    assert [r["customer_key"] for r in rows] == list(
        pd.read_parquet(publication.parquet_path)["customer_key"]
    )
    assert_consistent(folder, home.warehouse_path)


def test_the_publish_task_retries_as_the_settings_say():
    """The one retry layer: Prefect's retries of the publish-audience task, from settings."""
    task = publishing_task(Settings(publish_attempts=3, publish_backoff_s=2))
    assert task.name == "publish-audience"
    assert task.retries == 2
    assert task.retry_delay_seconds == [2, 4]
    assert task.timeout_seconds == 3_600
    single = publishing_task(Settings(publish_attempts=1))
    assert single.retries == 0


@pytest.mark.slow
def test_bullseye_score_against_a_dead_webhook_stops_in_bounded_time_then_a_rerun_delivers(
    cli_home, tmp_path
):
    """The real command: a receiver answering 500 gets exactly ``publish_attempts`` requests,
    spaced by the doubling back-off, the command exits 2 with one paragraph, and the files and
    table hold the whole new publication; a rerun once the receiver works delivers it under
    the same key."""
    home = cli_home.copy(tmp_path / "home")
    folder = home.audience_dir / AS_OF.date().isoformat()
    limits = {
        "BULLSEYE_PUBLISH_ATTEMPTS": "3",
        "BULLSEYE_PUBLISH_BACKOFF_S": "1",
        "BULLSEYE_WEBHOOK_TIMEOUT_S": "2",
    }
    with WebhookReceiver.failing("status") as dead:
        env = home.env(BULLSEYE_WEBHOOK_URL=dead.url, **limits)
        run = Run(score_args(300), env, tmp_path / "dead.log")
        code = run.wait()
    output = run.output()
    assert code == 2, output[-5_000:]
    assert "Error: Audience" in output
    assert "did not take batch 1/1: it answered HTTP 500" in output
    assert "Traceback" not in output.split("Error: Audience")[-1]
    times = [t for t, _ in dead.attempts]
    assert len(times) == 3  # publish_attempts, one request per batch per attempt
    assert len({key for _, key in dead.attempts}) == 1
    waits = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert waits[0] >= 1
    assert waits[1] >= 2  # 1 s, then doubled
    assert times[-1] - times[0] < 1 + 2 + 30  # back-off plus the work of three attempts
    manifest = assert_consistent(folder, home.warehouse)
    assert manifest["rows"] == 300
    assert hidden_leftovers(home.home / "audiences") == []

    with WebhookReceiver() as alive:
        env = home.env(BULLSEYE_WEBHOOK_URL=alive.url)
        rerun = Run(score_args(300), env, tmp_path / "alive.log")
        assert rerun.wait() == 0, rerun.output()[-5_000:]
    assert [h["Idempotency-Key"] for h, _ in alive.received] == [dead.attempts[0][1]]
    assert_consistent(folder, home.warehouse)
