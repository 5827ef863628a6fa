import pandas as pd
import pytest

from bullseye.core.quality import QualityGateError, QualityThresholds, enforce, find_breaches


def _summary(**overrides) -> pd.DataFrame:
    row = {
        "table_name": "orders",
        "rows_in": 1_000,
        "rows_staged": 980,
        "rows_quarantined": 10,
        "exact_duplicates": 10,
        "quarantined_share": 0.01,
        "quarantine_reasons": "negative_amount: 10",
        "key_null_rate": 0.0,
        "newest_at": pd.Timestamp("2026-11-01"),
        "data_age_days": 1,
    }
    return pd.DataFrame([row | overrides])


def test_clean_summary_passes():
    assert find_breaches(_summary(), QualityThresholds()) == []


def test_quarantine_breach_names_table_rule_and_figure():
    summary = _summary(rows_quarantined=210, quarantined_share=0.21)
    with pytest.raises(QualityGateError) as error:
        enforce(summary, QualityThresholds(max_quarantined_share=0.05))
    message = str(error.value)
    assert "orders: quarantined share above 5.0%" in message
    assert "21.0%: 210 of 1,000 rows" in message


def test_stale_data_breach_only_for_freshness_tables():
    stale = _summary(data_age_days=45)
    assert [b.rule for b in find_breaches(stale, QualityThresholds())] == [
        "data older than 30 days"
    ]
    assert find_breaches(stale.assign(table_name="customers"), QualityThresholds()) == []
    assert find_breaches(stale, QualityThresholds(max_data_age_days=None)) == []


def test_null_keys_breach():
    breaches = find_breaches(_summary(key_null_rate=0.2), QualityThresholds())
    assert [b.rule for b in breaches] == ["null key values above 1.0%"]
