"""Screenshots of the Prefect UI for docs/: the Deployments page, and the newest finished run of
a flow with its Artifacts tab open (a tab a URL cannot open, so Playwright clicks it).

Needs a Prefect server with Bullseye's deployments and a finished run (docs/operations.md,
"Prefect UI"), and the ui-check group (Playwright, driving the system's chromium: no browser
download):

    .venv/bin/python -m uv sync --frozen --inexact --group ui-check
    .venv/bin/python scripts/ui_screenshots.py [--ui http://127.0.0.1:4200] [--flow score]
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    ArtifactFilterType,
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.client.schemas.sorting import ArtifactSort, FlowRunSort
from prefect.settings import PREFECT_API_URL, temporary_settings

ROOT = Path(__file__).resolve().parents[1]


def newest_finished_run(api: str, flow: str):
    """The newest completed run of ``flow`` and its first table artifact."""
    with temporary_settings({PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.COMPLETED]))
            ),
            sort=FlowRunSort.END_TIME_DESC,
            limit=1,
        )
        if not runs:
            raise SystemExit(f"No finished {flow!r} run on {api}: start one first")
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(
                flow_run_id=ArtifactFilterFlowRunId(any_=[runs[0].id]),
                type=ArtifactFilterType(any_=["table"]),
            ),
            sort=ArtifactSort.KEY_ASC,
        )
    return runs[0], next(iter(artifacts), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ui", default="http://127.0.0.1:4200", help="Prefect UI address")
    parser.add_argument("--api", help="Prefect API (default: <ui>/api)")
    parser.add_argument("--flow", default="score", help="flow whose newest finished run to show")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args = parser.parse_args()
    ui = args.ui.rstrip("/")
    run, table = newest_finished_run(args.api or f"{ui}/api", args.flow)
    args.out.mkdir(parents=True, exist_ok=True)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1400, "height": 900})

        page.goto(f"{ui}/deployments")
        page.get_by_text("train-campaign-response").first.wait_for()
        page.wait_for_load_state("networkidle")
        deployments = args.out / "prefect-deployments.png"
        page.screenshot(path=deployments, full_page=True)

        page.set_viewport_size({"width": 1400, "height": 1100})  # the UI scrolls inside a pane
        page.goto(f"{ui}/runs/flow-run/{run.id}")
        page.get_by_text(run.name).first.wait_for()
        page.locator("li.p-tab", has_text="Artifacts").click()  # the UI's tabs carry no role
        page.wait_for_load_state("networkidle")
        page.get_by_text("score-summary").first.wait_for()
        artifacts = args.out / f"prefect-run-artifacts-{args.flow}.png"
        page.screenshot(path=artifacts, full_page=True)
        shots = [deployments, artifacts]

        if table is not None:  # e.g. the audience with its expected cost and revenue
            page.goto(f"{ui}/artifacts/artifact/{table.id}")
            page.get_by_text(table.key).first.wait_for()
            page.wait_for_load_state("networkidle")
            shots.append(args.out / f"prefect-artifact-{args.flow}-table.png")
            page.screenshot(path=shots[-1], full_page=True)
        browser.close()
    print(f"{run.name}:", *shots, sep="\n")


if __name__ == "__main__":
    main()
