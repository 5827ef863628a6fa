import numpy as np
import pandas as pd
import pytest

from monitoring.drift import drift_report


def _frame(n: int, rng, shift: float = 0.0, app_share: float = 0.3) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "spend_365d": rng.lognormal(4 + shift, 0.6, n),
            "orders_365d": rng.poisson(3, n).astype(float),
            "region": rng.choice(["north", "south"], n),
            "channel": np.where(rng.random(n) < app_share, "app", "web"),
            "score": rng.beta(2, 20, n),
        }
    )


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_no_drift_on_same_distribution(tmp_path, rng):
    result = drift_report(
        _frame(3_000, rng),
        _frame(3_000, rng),
        ["spend_365d", "orders_365d"],
        ["region", "channel"],
        tmp_path,
    )
    assert result.drifted_share == 0.0
    assert not result.is_prediction_drifted
    assert result.html_path.is_file()
    assert result.json_path.is_file()


def test_injected_drift_is_found_and_named(tmp_path, rng):
    result = drift_report(
        _frame(3_000, rng),
        _frame(3_000, rng, shift=0.5, app_share=0.7),
        ["spend_365d", "orders_365d"],
        ["region", "channel"],
        tmp_path,
    )
    assert set(result.drifted_features) == {"spend_365d", "channel"}
    assert result.drifted_share == pytest.approx(0.5)
    assert result.column_methods["spend_365d"]


def test_sampled_check_gives_the_full_runs_verdicts(tmp_path):
    """The sampling rule (bench/drift_scale.py runs it at 1,000,000 x 50): a 20,000-row
    sample gives the same drifted / not-drifted verdict per feature as all 200,000 rows."""
    rng = np.random.default_rng(7)
    n = 200_000

    def frame(shifted: bool) -> pd.DataFrame:
        data = {f"x{i}": rng.normal(0, 1, n) for i in range(8)}
        if shifted:  # three drifted features: mean, scale, a category's share
            data["x0"] = rng.normal(0.5, 1, n)
            data["x1"] = rng.normal(0, 1.6, n)
        data["c"] = np.where(rng.random(n) < (0.6 if shifted else 0.3), "a", "b")
        return pd.DataFrame(data)

    reference, current = frame(False), frame(True)
    numeric = [f"x{i}" for i in range(8)]
    full = drift_report(reference, current, numeric, ["c"], tmp_path / "full", sample=n)
    sampled = drift_report(reference, current, numeric, ["c"], tmp_path / "sample", sample=20_000)
    assert set(full.drifted_features) == {"x0", "x1", "c"}
    assert sampled.drifted_features == full.drifted_features


def test_empty_constant_and_single_category_columns_are_findings_not_crashes(tmp_path, rng):
    """Real data: a feature from a table the data set lacks is all null (Evidently raises
    'An empty column ... was provided for drift calculation'); a flag nobody set is constant;
    a categorical with one value has no distribution. Each is reported and left out."""
    reference, current = _frame(2_000, rng), _frame(2_000, rng, shift=1.0)
    for frame in (reference, current):
        frame["recency_days"] = np.nan  # no order history at all
        frame["is_vip"] = 0.0  # never set
        frame["country"] = "NL"  # one market
    reference["new_metric"] = np.nan  # appears only in the current rows
    current["new_metric"] = rng.normal(size=len(current))
    numeric = ["spend_365d", "orders_365d", "recency_days", "is_vip", "new_metric"]
    result = drift_report(reference, current, numeric, ["region", "country"], tmp_path)
    assert set(result.findings) == {"recency_days", "is_vip", "new_metric", "country"}
    assert result.findings["recency_days"] == "all null in the reference and current rows"
    assert result.findings["new_metric"] == "all null in the reference rows"
    assert result.findings["is_vip"].startswith("constant in the reference rows (0.0)")
    assert result.findings["country"].startswith("single category")
    # the testable columns are still tested: the shifted spend is found
    assert result.drifted_features == ("spend_365d",)
    assert result.drifted_share == pytest.approx(1 / 3)  # of the three tested features
