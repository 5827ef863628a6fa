"""Benchmark: time every pipeline stage at 20k and 200k customers, and the generator at 1M.

Run: ``.venv/bin/python bench/pipeline_stages.py`` (``--sizes 20000`` for a quicker run).
Prints a table and writes ``bench/results/pipeline_stages.json``. Every measurement runs in a
child process of its own, so the generator's peak memory (max RSS) is its alone.

Targets (issue 2): ``bullseye demo`` at 20k customers under 3 minutes on 2 cores; the generator
writes 1,000,000 customers with their history in under 3 minutes and under 8 GiB.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def child_generate(customers: int, work: Path) -> dict:
    from bullseye.datagen import GeneratorConfig, generate

    start = time.perf_counter()
    result = generate(work, GeneratorConfig(customers=customers))
    return {"seconds": time.perf_counter() - start, "rows": result.rows}


def child_stages(customers: int, work: Path) -> dict:
    """Each stage of the pipeline as plain functions (no Prefect), timed one by one."""
    from bullseye.core.contract import check_landing
    from bullseye.core.dbt import build
    from bullseye.core.params import AudiencePolicyParams
    from bullseye.core.settings import Settings
    from bullseye.core.targets import dbt_targets_var, load_targets
    from bullseye.core.warehouse import DbtInvocation, register_landing
    from bullseye.datagen import GeneratorConfig, generate
    from bullseye.services import monitoring, profiling, publishing, scoring, training

    times: dict[str, float] = {}

    def timed(name, fn):
        start = time.perf_counter()
        out = fn()
        times[name] = time.perf_counter() - start
        return out

    config = GeneratorConfig(customers=customers)
    as_of = config.end_at.replace(tzinfo=None)
    data = timed("generate", lambda: generate(work / "data", config))
    settings = Settings(home=work / "home")
    inventory = timed("contract_check", lambda: check_landing(data.landing_dir))
    timed("register_landing", lambda: register_landing(inventory, settings))

    targets = load_targets(settings.targets_file)
    target = targets["campaign_response"]
    invocation = DbtInvocation(as_of, tuple(dbt_targets_var(targets)))
    # One build, the flows' own (bullseye.core.dbt.build): scoring marts for winter-sale too.
    timed("dbt_build", lambda: build(settings, invocation))
    timed("profile_segments", lambda: profiling.profile_customers(settings, as_of, work / "run"))
    config = replace(training.training_config(settings, target), storage=None)
    trained = timed(
        "train",
        lambda: training.train_and_register(settings, target, "bench", config, data.truth_dir),
    )
    policy = AudiencePolicyParams(top_k=5_000)

    def score_publish():
        candidates = scoring.score_candidates(settings, trained.version, "winter-sale", policy)
        publishing.publish_candidates(settings, candidates, as_of, "bench")
        return candidates

    candidates = timed("score_publish", score_publish)
    timed(
        "drift",
        lambda: monitoring.check_drift(
            settings, target, trained.version, candidates.scoring, work / "run"
        ),
    )
    return {
        "times": times,
        "rows": data.rows,
        "test_roc_auc": trained.model.metrics.roc_auc,
        "baseline_roc_auc": trained.model.baseline_metrics.roc_auc,
        "oracle_roc_auc": trained.version.meta.reference.get("oracle_roc_auc"),
    }


def run_child(args: list[str]) -> tuple[dict, float, float]:
    """Run a child; return its JSON result, wall seconds, and the peak RSS in GiB of all
    children so far (so run the measurement whose memory matters first)."""
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:4])} failed:\n{proc.stderr[-3000:]}")
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), wall, peak_gib


def measure(sizes: list[int], generator_size: int) -> dict:
    me = [sys.executable, str(Path(__file__).resolve())]
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version()}}
    with tempfile.TemporaryDirectory() as tmp:
        gen, _, rss = run_child([*me, "--child", "generate", str(generator_size), f"{tmp}/gen"])
        results["generate_large"] = gen | {
            "customers": generator_size,
            "peak_rss_gib": rss,
            "target_seconds": 180,
            "target_rss_gib": 8,
        }
        cli = str(Path(sys.executable).parent / "bullseye")
        _, wall, _ = run_child([cli, "demo", "--home", f"{tmp}/demo"])
        results["demo_20k"] = {"seconds": wall, "target_seconds": 180}
        for size in sorted(sizes):
            out, wall, _ = run_child([*me, "--child", "stages", str(size), f"{tmp}/s{size}"])
            results[f"stages_{size}"] = out | {"wall_seconds": wall}
    return results


def print_table(results: dict, sizes: list[int]) -> None:
    runs = [results[f"stages_{s}"] for s in sizes]
    header = f"{'stage':<18}" + "".join(f"{f'{s:,} customers (s)':>22}" for s in sizes)
    print(header)
    print("-" * len(header))
    for stage in runs[0]["times"]:
        print(f"{stage:<18}" + "".join(f"{r['times'][stage]:>22.1f}" for r in runs))
    print(f"{'total':<18}" + "".join(f"{sum(r['times'].values()):>22.1f}" for r in runs))
    for size, r in zip(sizes, runs, strict=True):
        print(
            f"{size:,} customers: test ROC AUC {r['test_roc_auc']:.4f}, "
            f"baseline {r['baseline_roc_auc']:.4f}, oracle {r['oracle_roc_auc']:.4f}"
        )
    demo, gen = results["demo_20k"], results["generate_large"]
    print(
        f"\nbullseye demo, 20k customers, Prefect included: {demo['seconds']:.1f} s (target < 180)"
    )
    print(
        f"generate {gen['customers']:,} customers: {gen['seconds']:.1f} s, "
        f"peak RSS {gen['peak_rss_gib']:.2f} GiB (targets < 180 s, < 8 GiB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--generator-size", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/pipeline_stages.json")
    parser.add_argument(
        "--child", nargs=3, metavar=("KIND", "CUSTOMERS", "DIR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        kind, customers, work = args.child
        run = {"generate": child_generate, "stages": child_stages}[kind]
        print(json.dumps(run(int(customers), Path(work))))
        return
    results = measure(args.sizes, args.generator_size)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print_table(results, sorted(args.sizes))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
