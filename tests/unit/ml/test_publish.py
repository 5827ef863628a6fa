"""Publishing: files, the warehouse table and a webhook; atomic, idempotent, diffed, signed."""

import hashlib
import hmac
import json
from datetime import date

import duckdb
import pandas as pd
import pytest

from bullseye.core.catalog import MEMBERS_RELATION as MEMBERS_TABLE
from ml.activation.destinations import FilesDestination, WarehouseDestination, WebhookDestination
from ml.activation.policy import AudiencePolicy, select_audience
from ml.activation.publish import PUBLISHED_COLUMNS, PublicationRequest, publish
from ml.modelling.evaluate import assign_deciles
from tests.webhook import WebhookReceiver

DAY1, DAY2 = date(2026, 11, 1), date(2026, 11, 2)


def _audience(n: int = 50, top_k: int = 20, offset: int = 0) -> pd.DataFrame:
    scores = pd.DataFrame(
        {
            "campaign_id": "c",
            "customer_key": [f"k{i + offset}" for i in range(n)],
            "score": [i / n for i in range(n)],
        }
    )
    scores["decile"] = assign_deciles(scores["score"].to_numpy())
    return select_audience(scores, AudiencePolicy("c", top_k=top_k))


def _request(audience, day=DAY1, version="v1", run="run1") -> PublicationRequest:
    return PublicationRequest(audience, "c", day, version, run, policy={"kind": "top_k"})


def _members(path) -> pd.DataFrame:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select * from {MEMBERS_TABLE} order by run_date, rank").df()


def test_publishes_files_manifest_and_table(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    pub = publish(
        _request(_audience()), FilesDestination(tmp_path), [WarehouseDestination(warehouse)]
    )
    csv, parquet = pd.read_csv(pub.csv_path), pd.read_parquet(pub.parquet_path)
    assert len(csv) == len(parquet) == 20
    assert tuple(csv.columns) == PUBLISHED_COLUMNS
    manifest = json.loads(pub.manifest_path.read_text())
    assert manifest["rows"] == 20
    assert manifest["policy"] == {"kind": "top_k"}
    assert set(manifest["files"]) == {"audience.csv", "audience.parquet", "diff.csv"}
    assert manifest["diff"] == {"previous_rows": 0, "entered": 20, "exited": 0, "stayed": 0}
    members = _members(warehouse)
    assert len(members) == 20
    assert set(members["customer_key"]) == set(csv["customer_key"])


def test_rerun_replaces_files_and_rows_byte_identical(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    first = publish(
        _request(_audience()), FilesDestination(tmp_path), [WarehouseDestination(warehouse)]
    )
    before = first.csv_path.read_bytes(), first.parquet_path.read_bytes()
    second = publish(
        _request(_audience()), FilesDestination(tmp_path), [WarehouseDestination(warehouse)]
    )
    assert (second.csv_path.read_bytes(), second.parquet_path.read_bytes()) == before
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["2026-11-01"]
    assert len(_members(warehouse)) == 20  # replaced, not added


def test_diff_against_the_previous_publication(tmp_path):
    files = FilesDestination(tmp_path)
    publish(_request(_audience(top_k=20)), files)
    later = publish(_request(_audience(top_k=20, offset=5), day=DAY2), files)
    # keys k30..k49 before; k35..k54 now
    assert later.diff == {"previous_rows": 20, "entered": 5, "exited": 5, "stayed": 15}
    diff = pd.read_csv(later.folder / "diff.csv")
    assert set(diff.loc[diff["change"] == "exited", "customer_key"]) == {
        f"k{i}" for i in range(30, 35)
    }


def test_crash_leaves_previous_files_and_rows_and_next_run_completes(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    files = FilesDestination(tmp_path)
    first = publish(_request(_audience()), files, [WarehouseDestination(warehouse)])
    before = first.parquet_path.read_bytes()
    rows_before = _members(warehouse)
    with pytest.raises(RuntimeError, match="injected"):
        publish(
            _request(_audience().head(5), version="v2", run="run2"),
            FilesDestination(tmp_path),
            [WarehouseDestination(warehouse)],
            fail_before_commit=True,
        )
    assert first.parquet_path.read_bytes() == before
    pd.testing.assert_frame_equal(_members(warehouse), rows_before)
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["2026-11-01"]
    again = publish(
        _request(_audience().head(5), version="v2", run="run2"),
        FilesDestination(tmp_path),
        [WarehouseDestination(warehouse)],
    )
    assert len(pd.read_parquet(again.parquet_path)) == 5
    assert set(_members(warehouse)["run_id"]) == {"run2"}


def test_a_failing_table_write_voids_the_file_swap(tmp_path):
    files = FilesDestination(tmp_path)
    first = publish(_request(_audience()), files)
    before = first.csv_path.read_bytes()

    class Broken(WarehouseDestination):
        def commit(self):
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        publish(
            _request(_audience(top_k=3), run="run2"),
            FilesDestination(tmp_path),
            [Broken(tmp_path / "w.duckdb")],
        )
    assert first.csv_path.read_bytes() == before


@pytest.fixture
def receiver():
    with WebhookReceiver() as receiver:  # failures and retries: tests/reliability
        yield receiver


def test_webhook_sends_signed_batches(tmp_path, receiver):
    hook = WebhookDestination(receiver.url, "s3cret", batch_size=8)
    publish(_request(_audience()), FilesDestination(tmp_path), [hook])
    assert hook.sent == 3  # 20 rows in batches of 8
    rows = []
    for headers, body in receiver.received:
        expected = hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        assert headers["X-Bullseye-Signature"] == f"sha256={expected}"
        assert headers["Idempotency-Key"].startswith("c/2026-11-01/")
        rows += [json.loads(line) for line in body.decode().splitlines()]
    assert len(rows) == 20
    assert {r["customer_key"] for r in rows} == set(_audience()["customer_key"])
