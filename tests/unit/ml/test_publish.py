from datetime import date

import pandas as pd
import pytest

from ml.audience import AudiencePolicy, select_audience
from ml.evaluate import assign_deciles
from ml.publish import publish_audience


@pytest.fixture
def audience():
    scores = pd.DataFrame(
        {
            "campaign_id": "c",
            "customer_key": [f"k{i}" for i in range(50)],
            "score": [i / 50 for i in range(50)],
        }
    )
    scores["decile"] = assign_deciles(scores["score"].to_numpy())
    return select_audience(scores, AudiencePolicy("c", top_k=20))


def test_publishes_csv_parquet_and_manifest(tmp_path, audience):
    pub = publish_audience(audience, tmp_path, "c", date(2026, 11, 1), "v1", "run1")
    csv, parquet = pd.read_csv(pub.csv_path), pd.read_parquet(pub.parquet_path)
    assert len(csv) == len(parquet) == 20
    assert set(csv.columns) == {
        "campaign_id",
        "customer_key",
        "rank",
        "score",
        "decile",
        "group",
        "model_version",
        "run_id",
    }
    assert sum(pub.rows_by_group.values()) == 20


def test_rerun_replaces_and_is_byte_identical(tmp_path, audience):
    first = publish_audience(audience, tmp_path, "c", date(2026, 11, 1), "v1", "run1")
    before = first.csv_path.read_bytes()
    second = publish_audience(audience, tmp_path, "c", date(2026, 11, 1), "v1", "run1")
    assert second.csv_path.read_bytes() == before
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["2026-11-01"]


def test_crash_before_swap_leaves_previous_publication(tmp_path, audience):
    first = publish_audience(audience, tmp_path, "c", date(2026, 11, 1), "v1", "run1")
    before = first.parquet_path.read_bytes()
    with pytest.raises(RuntimeError, match="injected"):
        publish_audience(
            audience.head(5), tmp_path, "c", date(2026, 11, 1), "v2", "run2", fail_before_swap=True
        )
    assert first.parquet_path.read_bytes() == before
    assert [p.name for p in (tmp_path / "c").iterdir()] == ["2026-11-01"]
    again = publish_audience(audience.head(5), tmp_path, "c", date(2026, 11, 1), "v2", "run2")
    assert len(pd.read_parquet(again.parquet_path)) == 5
