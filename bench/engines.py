"""Benchmark: the pipeline on DuckDB and on Spark ``local[2]`` side by side (issue 16).

Run from the repository root after ``bash scripts/setup.sh --extra spark``:

    .venv/bin/python bench/engines.py                    # 20k and 200k customers
    .venv/bin/python bench/engines.py --sizes 20000      # quicker

Each size is generated once; then the pipeline's steps (bench/scale.py's ``direct`` child: the
dbt build, quality gate, profiles, training, uplift, scoring, drift, reasons and publishing)
run in a child process per engine, with the same landing and seed, timed stage by stage with
the peak RSS of the child and its JVM. Prints the table, the per-core rates that
docs/scale-out.md extrapolates from (rows per core per minute: landing rows for the dbt build,
training rows for training, scored customers for scoring and publishing), and writes
``bench/results/engines.json`` and ``.md``.

On one 2-core machine Spark is slower than DuckDB: it pays for a JVM, a Hive metastore, task
scheduling and shuffles that pay off only across machines. The figure wanted here is the rate
per core, which a cluster multiplies.

Benchmarks, not tests: nothing in the test suite asserts a duration.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import datetime
from pathlib import Path

from scale import ROOT, run_child

ENGINES = ("duckdb", "spark")
CORES = 2  # local[2]; DuckDB's threads likewise (the dbt profile's threads: 2)


def per_core_rates(generated: dict, direct: dict) -> dict:
    """Rows per core per minute for the three stages a cluster scales."""

    def rate(rows: int, seconds: float) -> int:
        return round(rows / (seconds / 60) / CORES)

    stages = direct["stages"]
    landing_rows = sum(generated["rows"].values())
    training_rows = sum(direct["rows"].values())
    return {
        "dbt_build_landing_rows": rate(landing_rows, stages["dbt_build"]["seconds"]),
        "training_rows": rate(training_rows, stages["train"]["seconds"]),
        "scoring_publishing_customers": rate(
            direct["scored"], stages["score"]["seconds"] + stages["reasons_publish"]["seconds"]
        ),
    }


def measure(sizes: list[int], out: Path) -> dict:
    results: dict = {"date": datetime.now().date().isoformat(), "cores": CORES, "sizes": {}}
    with tempfile.TemporaryDirectory(prefix="bullseye-engines-") as tmp:
        for size in sizes:
            at = results["sizes"][str(size)] = {}
            data = Path(tmp) / str(size)
            at["generate"] = run_child("generate", size, data)
            for engine in ENGINES:
                work = Path(tmp) / f"{size}-{engine}"
                work.mkdir()
                (work / "data").symlink_to(data / "data")
                os.environ["BULLSEYE_ENGINE"] = engine
                try:
                    direct = run_child("direct", size, work)
                finally:
                    del os.environ["BULLSEYE_ENGINE"]
                at[engine] = direct | {
                    "per_core_per_minute": per_core_rates(at["generate"], direct)
                }
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(results, indent=2))
    return results


def markdown(results: dict) -> str:
    columns = [(s, e) for s in results["sizes"] for e in ENGINES]
    lines = [
        "| stage | " + " | ".join(f"{int(s):,}, {e}" for s, e in columns) + " |",
        "|---|" + "---:|" * len(columns),
    ]
    first = results["sizes"][columns[0][0]][columns[0][1]]
    for stage in first["stages"]:
        cells = (results["sizes"][s][e]["stages"][stage] for s, e in columns)
        lines.append(
            f"| {stage} | "
            + " | ".join(f"{c['seconds']:.1f} s, {c['peak_rss_gib']:.2f} GiB" for c in cells)
            + " |"
        )
    totals = (results["sizes"][s][e] for s, e in columns)
    lines.append(
        "| **total** | "
        + " | ".join(f"**{t['total_seconds']:.0f} s**, {t['peak_rss_gib']:.2f} GiB" for t in totals)
        + " |"
    )
    aucs = (results["sizes"][s][e]["test_roc_auc"] for s, e in columns)
    lines.append("| test ROC AUC | " + " | ".join(f"{a:.4f}" for a in aucs) + " |")
    for rate in first["per_core_per_minute"]:
        cells = (results["sizes"][s][e]["per_core_per_minute"][rate] for s, e in columns)
        lines.append(
            f"| {rate.replace('_', ' ')} per core per minute | "
            + " | ".join(f"{c:,}" for c in cells)
            + " |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/engines.json")
    args = parser.parse_args()
    results = measure(args.sizes, args.out)
    table = markdown(results)
    print(table)
    args.out.with_suffix(".md").write_text(table)
    print(f"written to {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
