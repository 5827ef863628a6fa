"""Four `bullseye score` runs started at the same moment on one home (warehouse built and a
champion registered by an earlier run): all complete, one after the other on the warehouse
lock, and what is published in the end is one run's whole output (its manifest's checksums
match the files, the table holds exactly its rows)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import AS_OF
from tests.reliability.publications import assert_consistent, hidden_leftovers
from tests.reliability.runs import Run, score_args

pytestmark = pytest.mark.slow

SIZES = (100, 150, 250, 300)  # one audience size per run, to tell their outputs apart


def test_four_score_runs_at_once_all_complete_and_one_consistent_output_is_published(
    cli_home, tmp_path
):
    home = cli_home.copy(tmp_path / "home")
    runs_dir = home.home / "runs"
    earlier = set(runs_dir.iterdir())
    runs = [Run(score_args(k), home.env(), tmp_path / f"score-{k}.log") for k in SIZES]
    codes = [run.wait() for run in runs]
    assert codes == [0] * len(runs), "\n\n".join(r.output()[-3_000:] for r in runs)

    summaries = [json.loads((d / "summary.json").read_text()) for d in runs_dir.iterdir()]
    ours = {
        s["run_id"]: s["campaigns"][home.campaign]["audience_size"]
        for s in summaries
        if runs_dir / s["run_id"] not in earlier
    }
    assert sorted(ours.values()) == list(SIZES)  # every run published its own audience

    manifest = assert_consistent(home.audience_dir / AS_OF.date().isoformat(), home.warehouse)
    assert manifest["run_id"] in ours
    assert manifest["rows"] == ours[manifest["run_id"]]
    assert hidden_leftovers(home.home / "audiences") == []
    waited = [r for r in runs if "is being written by another run" in r.output()]
    assert len(waited) >= 1, "no run waited for the warehouse lock: were they concurrent?"
