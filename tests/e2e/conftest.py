import pytest
from prefect.testing.utilities import prefect_test_harness


@pytest.fixture(scope="session", autouse=True)
def prefect_harness():
    """A real, temporary Prefect server and database for the flow tests."""
    with prefect_test_harness(server_startup_timeout=120):
        yield
