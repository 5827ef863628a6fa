"""Measuring a past generated campaign on a real dbt-built warehouse."""

import duckdb

from bullseye.core.catalog import MEASUREMENTS_RELATION
from bullseye.services.measurement import evaluate_campaign
from tests.conftest import build_warehouse


def test_past_campaign_lift_covers_the_generators_true_lift(small_data, tmp_path):
    settings = build_warehouse(small_data.landing_dir, tmp_path / "home")
    first = evaluate_campaign(
        settings, "summer-sports", None, tmp_path / "run", small_data.truth_dir
    )
    m = first.measurement
    true_lift = first.truth["true_absolute_lift"]
    assert m.absolute_lift_low <= true_lift <= m.absolute_lift_high
    assert m.contacts_control > 0
    assert first.report_path.read_text().count("summer-sports") >= 2

    # measuring again replaces the campaign's row instead of adding one
    evaluate_campaign(settings, "summer-sports", None, tmp_path / "run", small_data.truth_dir)
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            f"select count(*) from {MEASUREMENTS_RELATION} where campaign_id = 'summer-sports'"
        ).fetchone()[0]
    assert rows == 1
