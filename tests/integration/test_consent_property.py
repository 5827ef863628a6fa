"""Property test over the real consent SQL (dbt-compiled int_consents_latest): for any consent
history, a customer counts as opted in for a channel exactly when their latest record at or
before the as-of moment says so (an opt-out wins a tie), so no opted-out customer can ever be
eligible."""

from __future__ import annotations

import os
from datetime import timedelta

import duckdb
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bullseye.core.warehouse import DbtInvocation, dbt_args, dbt_env, release_dbt_connection
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def consent_sql(warehouse) -> str:
    from dbt.cli.main import dbtRunner

    os.environ.update(dbt_env(warehouse))
    args = dbt_args("compile", DbtInvocation(AS_OF), warehouse)
    try:
        result = dbtRunner().invoke([*args, "--select", "int_consents_latest", "--quiet"])
    finally:
        release_dbt_connection()
    assert result.success, result.exception
    return result.result.results[0].node.compiled_code


records = st.lists(
    st.tuples(
        st.sampled_from(["c1", "c2", "c3"]),
        st.sampled_from(["email", "sms"]),
        st.booleans(),
        st.integers(-30, 5),  # days relative to the as-of moment; > 0 is in the future
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None)
@given(history=records)
def test_latest_consent_wins(consent_sql, history):
    frame = pd.DataFrame(history, columns=["customer_id", "channel", "is_opted_in", "day"])
    frame["updated_at"] = [AS_OF + timedelta(days=d) for d in frame["day"]]
    frame = frame.drop(columns="day")
    with duckdb.connect() as con:
        con.execute("attach ':memory:' as bullseye")
        con.execute("create schema bullseye.staging")
        con.register("history", frame)
        con.execute(
            "create table bullseye.staging.stg_landing__consents (customer_id varchar, "
            "channel varchar, is_opted_in boolean, updated_at timestamp)"
        )
        if len(frame):
            con.execute("insert into bullseye.staging.stg_landing__consents by name from history")
        latest = con.execute(consent_sql).df()
    got = {(r.customer_id, r.channel) for r in latest.itertuples() if r.is_opted_in}
    expected = set()
    past = frame[frame["updated_at"] <= AS_OF]
    for (customer, channel), rows in past.groupby(["customer_id", "channel"]):
        newest = rows[rows["updated_at"] == rows["updated_at"].max()]
        if newest["is_opted_in"].all():  # any opt-out at the newest moment wins
            expected.add((customer, channel))
    assert got == expected
