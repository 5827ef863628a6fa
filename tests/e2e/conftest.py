import pandas as pd
import pytest
from prefect.testing.utilities import prefect_test_harness

from flows.pipeline import pipeline
from tests.conftest import AS_OF
from tests.webhook import WebhookReceiver


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():
    """A real, temporary Prefect server and database for the flow tests."""
    with prefect_test_harness(server_startup_timeout=120):
        yield


SUPPRESSED = [f"C{i:08d}" for i in range(1, 2_001, 7)]  # every 7th customer


@pytest.fixture(scope="session")
def run(small_data, tmp_path_factory):
    """The pipeline twice on the small generated landing (a rerun replaces, never adds), with a
    suppression list, a global holdout and a webhook: shared by every e2e module."""
    home = tmp_path_factory.mktemp("pipeline-home")
    suppressions = home / "suppressed.csv"
    pd.DataFrame({"customer_id": SUPPRESSED}).to_csv(suppressions, index=False)
    kwargs = dict(
        landing_dir=small_data.landing_dir,
        as_of=AS_OF,
        policy={"kind": "top_k", "top_k": 600},
        truth_dir=small_data.truth_dir,
        home=home,
        n_trials=4,
    )
    with WebhookReceiver() as receiver, pytest.MonkeyPatch.context() as env:
        env.setenv("BULLSEYE_WEBHOOK_URL", receiver.url)
        env.setenv("BULLSEYE_SUPPRESSION_FILE", str(suppressions))
        env.setenv("BULLSEYE_GLOBAL_HOLDOUT_SHARE", "0.05")
        first = pipeline(**kwargs)
        second = pipeline(**kwargs)
    return home, first, second, receiver.received
