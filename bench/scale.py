"""Benchmark: Bullseye at 20k, 200k and 1M customers, stage by stage, against the floor each
engine sets (issue 15).

Run from the repository root after ``bash scripts/setup.sh``:

    .venv/bin/python bench/scale.py                      # 20k, 200k, 1M and every peer
    .venv/bin/python bench/scale.py --sizes 20000 200000 --peer-size 200000   # quicker

Prints the tables and writes ``bench/results/scale.json``. Every measurement runs in a child
process of its own, so each peak RSS is that process's alone:

- ``bullseye run`` as a user runs it (Prefect's temporary server included) at every size;
- the same pipeline steps called directly (no Prefect), each stage timed with its peak RSS,
  dbt's slowest models listed: the difference is the orchestration overhead;
- peers, side by side on the same data in the same run: the dbt build against its own
  compiled SQL run straight in DuckDB; the customer-features mart against a plain pandas
  implementation (bench/peers/pandas_features.py, checked equal value for value); scoring,
  reason codes and publishing against ``booster.inplace_predict`` on the same matrix;
  Optuna with pruning against FLAML (its own venv, bench/peers/flaml-requirements.txt) on
  the same split and wall budget.

Benchmarks, not tests: nothing in the test suite asserts a duration.
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
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
CAMPAIGN = "winter-sale"  # the generator's upcoming campaign
DEMO_SIZE = 20_000  # `bullseye demo`'s default


class PeakRss:
    """Peak resident memory of this process and its children while a block runs (sampled every
    250 ms from /proc: ``ru_maxrss`` only ever gives the peak since the process started)."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()

    @staticmethod
    def now_gib() -> float:
        """Resident memory of this process and its descendants (a Spark session's JVM is a
        child process; the temporary Prefect server of a CLI run too)."""
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/status") as status:
                    fields = dict(line.split(":", 1) for line in status if ":" in line)
            except OSError:  # the process ended meanwhile
                continue
            pid = int(entry.name)
            parents[pid] = int(fields.get("PPid", "0"))
            rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
        tree, frontier = {os.getpid()}, {os.getpid()}
        while frontier:
            frontier = {p for p, parent in parents.items() if parent in frontier} - tree
            tree |= frontier
        return sum(rss.get(p, 0) for p in tree) / 1024**2

    def __enter__(self) -> PeakRss:
        self.peak = self.now_gib()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            self.peak = max(self.peak, self.now_gib())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now_gib())


class Stages:
    """Times and peak RSS of named stages, in order."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, float]] = {}

    def __call__(self, name: str, fn):
        with PeakRss() as rss:
            start = time.perf_counter()
            out = fn()
            seconds = time.perf_counter() - start
        self.rows[name] = {"seconds": round(seconds, 2), "peak_rss_gib": round(rss.peak, 2)}
        print(f"  {name}: {seconds:.1f} s, peak {rss.peak:.2f} GiB", file=sys.stderr, flush=True)
        return out


def as_of() -> datetime:
    from bullseye.datagen import GeneratorConfig

    return GeneratorConfig().end_at.replace(tzinfo=None)


def dbt_invocation():
    from bullseye.core.settings import Settings
    from bullseye.core.targets import dbt_targets_var, load_targets
    from bullseye.core.warehouse import DbtInvocation

    targets = load_targets(Settings().targets_file)
    return DbtInvocation(as_of(), tuple(dbt_targets_var(targets)))


def dbt_results(settings, name: str = "run_results.json") -> dict:
    """dbt's own record of the home's last invocation (its target folder)."""
    return json.loads((settings.dbt_target_path / name).read_text())


def slowest_dbt_nodes(settings, count: int = 8) -> list[dict]:
    """The slowest nodes of the home's last dbt invocation."""
    results = dbt_results(settings)["results"]
    ranked = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:count]
    return [
        {"node": r["unique_id"].split(".", 2)[-1], "seconds": round(r["execution_time"], 2)}
        for r in ranked
    ]


# ---- children: each prints one JSON line -------------------------------------------------


def child_generate(customers: int, work: Path) -> dict:
    from bullseye.datagen import GeneratorConfig, generate

    stages = Stages()
    result = stages("generate", lambda: generate(work / "data", GeneratorConfig(customers)))
    return stages.rows["generate"] | {"rows": result.rows}


def child_direct(customers: int, work: Path) -> dict:
    """The pipeline flow's steps (flows/pipeline.py) as plain service calls, in its order."""
    from bullseye.core.catalog import DQ_SUMMARY_RELATION
    from bullseye.core.contract import check_landing
    from bullseye.core.dbt import WITHOUT_BEHAVIOUR_TRAINING, build
    from bullseye.core.params import AudiencePolicyParams
    from bullseye.core.quality import enforce
    from bullseye.core.settings import Settings
    from bullseye.core.targets import get_target, load_targets
    from bullseye.core.warehouse import read_relation, register_landing
    from bullseye.services import monitoring, profiling, publishing, scoring, training, uplift
    from bullseye.services.reconciliation import row_reconciliation

    data, settings = work / "data", Settings(home=work / "direct")
    target = get_target(load_targets(settings.targets_file), "campaign_response")
    run_dir = settings.runs_dir / "bench"
    stages = Stages()

    def refresh():
        register_landing(check_landing(data / "landing"), settings)
        build(settings, dbt_invocation(), WITHOUT_BEHAVIOUR_TRAINING)

    stages("dbt_build", refresh)
    dbt_nodes = slowest_dbt_nodes(settings)
    stages(
        "quality_gate",
        lambda: (
            enforce(read_relation(settings, DQ_SUMMARY_RELATION), settings.quality_thresholds),
            row_reconciliation(settings),
        ),
    )
    stages("profile_segments", lambda: profiling.profile_customers(settings, as_of(), run_dir))

    def train():
        outcome = training.train_and_register(settings, target, "bench", None, data / "truth")
        training.settle(settings, outcome, approved=True)
        return outcome

    trained = stages("train", train)
    stages(
        "train_uplift",
        lambda: uplift.train_uplift_and_register(settings, target, "bench", data / "truth"),
    )
    policy = AudiencePolicyParams()  # the run's default: every eligible customer, ranked
    candidates = stages(
        "score",
        lambda: scoring.score_candidates(settings, trained.version, CAMPAIGN, policy),
    )
    stages(
        "drift",
        lambda: monitoring.monitor_scoring(
            settings,
            target,
            trained.version,
            CAMPAIGN,
            candidates.scoring,
            run_dir / "drift",
            "bench",
            as_of(),
        ),
    )
    outcome = stages(
        "reasons_publish",
        lambda: publishing.publish_candidates(settings, candidates, as_of(), "bench"),
    )
    model = trained.model
    return {
        "stages": stages.rows,
        "total_seconds": round(sum(r["seconds"] for r in stages.rows.values()), 1),
        "peak_rss_gib": max(r["peak_rss_gib"] for r in stages.rows.values()),
        "slowest_dbt_nodes": dbt_nodes,
        "scored": outcome.scored,
        "published": len(outcome.audience),
        "tuning": {"trials": model.tuning.n_trials, "rows": model.tuning.rows},
        "rows": model.rows,
        "test_roc_auc": model.metrics.roc_auc,
        "baseline_roc_auc": model.baseline_metrics.roc_auc,
        "oracle_roc_auc": trained.version.meta.reference.get("oracle_roc_auc"),
    }


def _cli(work: Path, name: str, *args: str) -> dict:
    """A ``bullseye`` command exactly as a user types it, with a Prefect home of its own (the
    first start: database migrations included); its wall time and its peak RSS (the CLI
    process: the temporary Prefect server it starts is a process of its own)."""
    cli = Path(sys.executable).parent / "bullseye"
    env = os.environ | {"PREFECT_HOME": str(work / f"prefect_home_{name}")}
    start = time.perf_counter()
    proc = subprocess.run([str(cli), *args], capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - start
    (work / f"bullseye-{name}.log").write_text(proc.stdout + proc.stderr)  # what a user saw
    if proc.returncode:
        raise RuntimeError(f"bullseye {name} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    return {"seconds": round(seconds, 1), "peak_rss_gib": round(peak, 2)}


def child_prefect(customers: int, work: Path) -> dict:
    """``bullseye run`` on the generated landing: the pipeline flow, Prefect included."""
    data = work / "data"
    return _cli(
        work,
        "run",
        *("run", "--landing", str(data / "landing"), "--truth", str(data / "truth")),
        *("--home", str(work / "prefect"), "--as-of", as_of().isoformat()),
    )


def child_demo(customers: int, work: Path) -> dict:
    """``bullseye demo``: generate, then the pipeline flow, in a fresh home."""
    args = ("demo", "--customers", str(customers), "--home", str(work / "demo"))
    return _cli(work, "demo", *args)


def child_dbt_vs_sql(customers: int, work: Path) -> dict:
    """The pipeline's dbt build on a fresh warehouse, then the SQL dbt compiled for it run
    straight in DuckDB on another fresh warehouse, in dbt's order: the same tables, no dbt."""
    import duckdb

    from bullseye.core.contract import check_landing
    from bullseye.core.dbt import WITHOUT_BEHAVIOUR_TRAINING, build
    from bullseye.core.settings import Settings
    from bullseye.core.warehouse import register_landing

    inventory = check_landing(work / "data" / "landing")
    dbt_side, raw_side = Settings(home=work / "dbt_only"), Settings(home=work / "raw_sql")
    register_landing(inventory, dbt_side)
    start = time.perf_counter()
    build(dbt_side, dbt_invocation(), WITHOUT_BEHAVIOUR_TRAINING)
    dbt_seconds = time.perf_counter() - start
    manifest = dbt_results(dbt_side, "manifest.json")["nodes"]
    results = dbt_results(dbt_side)["results"]

    def started(result: dict) -> str:
        return next((t["started_at"] for t in result["timing"] if t["name"] == "execute"), "")

    statements = []
    for result in sorted(results, key=started):
        node = manifest.get(result["unique_id"], {})
        code = result.get("compiled_code")
        if not code or node.get("resource_type") not in ("model", "test"):
            continue  # unit tests run on fixture rows, not on the data
        if node["resource_type"] == "test":
            statements.append(f"select count(*) from ({code}) as dbt_internal_test")
        else:
            kind = "view" if node["config"]["materialized"] == "view" else "table"
            schema = result["relation_name"].rsplit(".", 1)[0]
            statements.append(f"create schema if not exists {schema}")
            statements.append(f"create or replace {kind} {result['relation_name']} as ({code})")
    register_landing(inventory, raw_side)
    with duckdb.connect(
        str(raw_side.warehouse_path),
        config={
            "memory_limit": raw_side.duckdb_memory_limit,
            "preserve_insertion_order": False,
        },
    ) as con:
        start = time.perf_counter()
        for statement in statements:
            con.execute(statement)
        raw_seconds = time.perf_counter() - start
    nodes = [r for r in results if r["unique_id"].startswith(("model.", "test."))]
    return {
        "dbt_seconds": round(dbt_seconds, 1),
        "raw_sql_seconds": round(raw_seconds, 1),
        "ratio": round(dbt_seconds / raw_seconds, 2),
        "models_and_tests": len(nodes),
    }


def child_pandas_features(customers: int, work: Path) -> dict:
    """marts.customer_features by dbt (one model, on the warehouse the direct run built)
    against the pandas peer on the same staged tables; the two must agree value for value."""
    from peers.pandas_features import compare, customer_features, load_staged

    from bullseye.core.catalog import FEATURES_RELATION
    from bullseye.core.dbt import build
    from bullseye.core.settings import Settings
    from bullseye.core.warehouse import read_relation

    settings = Settings(home=work / "direct")
    start = time.perf_counter()
    build(settings, dbt_invocation(), ["--select", "customer_features", "--resource-type", "model"])
    dbt_seconds = time.perf_counter() - start
    dbt_model_seconds = next(
        r["execution_time"]
        for r in dbt_results(settings)["results"]
        if r["unique_id"].endswith(".customer_features")
    )
    start = time.perf_counter()
    staged = load_staged(str(settings.warehouse_path))
    load_seconds = time.perf_counter() - start
    with PeakRss() as rss:
        start = time.perf_counter()
        ours = customer_features(staged, as_of())
        pandas_seconds = time.perf_counter() - start
    check = compare(ours, read_relation(settings, FEATURES_RELATION))
    return {
        "dbt_seconds": round(dbt_seconds, 1),
        "dbt_model_seconds": round(dbt_model_seconds, 1),
        "pandas_seconds": round(pandas_seconds, 1),
        "pandas_load_seconds": round(load_seconds, 1),
        "pandas_peak_rss_gib": round(rss.peak, 2),
        "speedup": round(pandas_seconds / dbt_seconds, 2),
        "same_values": not check["mismatched_columns"],
        "check": check,
    }


def child_scoring(customers: int, work: Path) -> dict:
    """Score, reason codes and publication of every eligible customer (the run's default
    policy) against the floor, ``booster.inplace_predict`` on the scoring mart's feature
    matrix; with the parts of Bullseye's time, each measured alone."""
    from bullseye.core.catalog import SCORING_RELATION
    from bullseye.core.params import AudiencePolicyParams
    from bullseye.core.settings import Settings
    from bullseye.core.warehouse import read_query
    from bullseye.services import publishing, scoring
    from ml.modelling.reasons import reason_codes
    from ml.registry import store

    settings = Settings(home=work / "direct")
    model = store.champion(settings.models_dir, "campaign_response")
    parts: dict[str, float] = {}

    def timed(name: str, fn):
        start = time.perf_counter()
        out = fn()
        parts[name] = round(time.perf_counter() - start, 2)
        return out

    candidates = timed(
        "score_candidates",
        lambda: scoring.score_candidates(settings, model, CAMPAIGN, AudiencePolicyParams()),
    )
    outcome = timed(
        "select_reasons_publish",
        lambda: publishing.publish_candidates(settings, candidates, as_of(), "bench-scoring"),
    )
    ours = parts["score_candidates"] + parts["select_reasons_publish"]
    rows = timed(
        "read_mart",
        lambda: read_query(
            settings, f"select * from {SCORING_RELATION} where campaign_id = ?", [CAMPAIGN]
        ),
    )
    scorer = model.scorer()
    matrix = timed("feature_matrix", lambda: scorer.spec.matrix(rows))
    timed("exact_reason_codes_alone", lambda: reason_codes(scorer, rows))
    timed("approximate_reason_codes_alone", lambda: reason_codes(scorer, rows, approximate=True))
    timed("inplace_predict", lambda: scorer.booster.inplace_predict(matrix))
    floor = parts["inplace_predict"]
    return {
        "rows_scored": len(rows),
        "rows_published": len(outcome.audience),
        "bullseye_seconds": round(ours, 2),
        "inplace_predict_seconds": round(floor, 2),
        "bullseye_rows_per_s": round(len(rows) / ours),
        "inplace_predict_rows_per_s": round(len(rows) / floor),
        "throughput_ratio": round(floor / ours, 3),
        "parts": parts,
    }


def child_tuning(customers: int, work: Path, seconds: float) -> dict:
    """Optuna with pruning (Bullseye's tune) and FLAML on the same split of the
    campaign-response training mart, each for the same wall-clock budget; validation ROC AUC
    of the best trial and test ROC AUC of its model fitted on the training rows."""
    import numpy as np
    import xgboost as xgb
    from peers.flaml_env import ensure_flaml_venv, run_flaml, write_matrices
    from sklearn.metrics import roc_auc_score

    from bullseye.core.catalog import CUSTOMER_ID, LABEL, PERIOD_ID
    from bullseye.core.settings import Settings
    from bullseye.core.targets import get_target, load_targets
    from bullseye.services.training import load_training_frame
    from ml.modelling.data import FeatureSpec, split_by_time
    from ml.modelling.tune import TuningBudget, to_dmatrix, tune

    settings = Settings(home=work / "direct")
    target = get_target(load_targets(settings.targets_file), "campaign_response")
    frame = load_training_frame(settings, target).sort_values([PERIOD_ID, CUSTOMER_ID])
    split = split_by_time(frame.reset_index(drop=True), settings.seed)
    spec = FeatureSpec.from_frame(split.train)
    parts = [(spec.matrix(p), p[LABEL].astype(int)) for p in (split.train, split.valid, split.test)]
    (x_train, y_train), (x_valid, y_valid), (x_test, y_test) = parts
    budget = TuningBudget(n_trials=100_000, timeout_s=seconds, seed=settings.seed)
    start = time.perf_counter()
    tuning = tune(to_dmatrix(x_train, y_train), to_dmatrix(x_valid, y_valid), budget, None, "b")
    optuna_seconds = time.perf_counter() - start
    params = tuning.params | {"seed": settings.seed, "nthread": 2}
    booster = xgb.train(params, to_dmatrix(x_train, y_train), tuning.best_iteration + 1)
    optuna_test = roc_auc_score(y_test, booster.predict(to_dmatrix(x_test)))
    python = ensure_flaml_venv(work.parent / "flaml-venv")
    matrices = write_matrices(work / "matrices", *parts[0], *parts[1], *parts[2])
    flaml = run_flaml(python, matrices, seconds, settings.seed)
    return {
        "rows": {"train": len(x_train), "validation": len(x_valid), "test": len(x_test)},
        "budget_seconds": seconds,
        "optuna": {
            "seconds": round(optuna_seconds, 1),
            "trials": tuning.n_trials,
            "pruned": tuning.n_pruned,
            "valid_roc_auc": round(tuning.valid_auc, 4),
            "test_roc_auc": round(float(optuna_test), 4),
        },
        "flaml": {
            "seconds": round(flaml["seconds"], 1),
            "trials": flaml["trials"],
            "valid_roc_auc": round(flaml["valid_roc_auc"], 4),
            "test_roc_auc": round(flaml["test_roc_auc"], 4),
        },
        "test_positives": int(np.sum(y_test)),
    }


CHILDREN = {
    "generate": child_generate,
    "direct": child_direct,
    "prefect": child_prefect,
    "demo": child_demo,
    "dbt_vs_sql": child_dbt_vs_sql,
    "pandas_features": child_pandas_features,
    "scoring": child_scoring,
}


# ---- driver ------------------------------------------------------------------------------


def run_child(kind: str, customers: int, work: Path, *extra: str) -> dict:
    args = [sys.executable, str(Path(__file__).resolve()), "--child", kind, str(customers)]
    args += [str(work), *extra]
    print(f"[{datetime.now():%H:%M:%S}] {kind} at {customers:,} customers", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(args, stdout=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    if proc.returncode:
        raise RuntimeError(f"child {kind} {customers} failed (its stderr is above)")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) | {"child_wall_seconds": round(time.perf_counter() - start, 1)}


def measure(
    sizes: list[int],
    run_sizes: list[int],
    peer_size: int,
    tuning_size: int,
    tuning_seconds: float,
    out: Path,
) -> dict:
    """Every child in turn; the results so far are written to ``out`` after each one (a
    failure an hour in keeps what was measured)."""
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3),
        },
        "date": datetime.now().date().isoformat(),
        "sizes": {},
    }
    with tempfile.TemporaryDirectory(prefix="bullseye-scale-") as tmp:
        # the largest first: its figures matter most, and a failure there shows soonest
        for size in sorted(set(sizes) | set(run_sizes) | {peer_size, tuning_size}, reverse=True):
            work = Path(tmp) / str(size)
            at = results["sizes"][str(size)] = {}

            def child(kind: str, *extra: str, at=at, work=work, size=size) -> None:
                at[kind] = run_child(kind, size, work, *extra)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(results, indent=2))

            child("generate")
            if size == DEMO_SIZE:
                child("demo")
            child("direct")
            if size in run_sizes:
                child("prefect")
                overhead = at["prefect"]["seconds"] / at["direct"]["total_seconds"] - 1
                at["orchestration_overhead"] = round(overhead, 3)
            if size == peer_size:
                for kind in ("dbt_vs_sql", "pandas_features", "scoring"):
                    child(kind)
            if size == tuning_size:
                child("tuning", str(tuning_seconds))
    out.write_text(json.dumps(results, indent=2))
    return results


def print_tables(results: dict) -> None:
    sizes = results["sizes"]
    print(markdown(results))
    for s, r in sizes.items():
        if "demo" in r:
            demo = r["demo"]
            print(f"bullseye demo, {int(s):,} customers, first start: {demo['seconds']} s")
    for s, r in sizes.items():
        d = r["direct"]
        print(
            f"{int(s):,}: test ROC AUC {d['test_roc_auc']:.4f}, baseline "
            f"{d['baseline_roc_auc']:.4f}, oracle {d['oracle_roc_auc']:.4f}; "
            f"{d['tuning']['trials']} trials on {d['tuning']['rows']}"
        )
    for s, r in sizes.items():
        if "dbt_vs_sql" in r:
            d, p, sc = r["dbt_vs_sql"], r["pandas_features"], r["scoring"]
            print(f"\nPeers at {int(s):,} customers")
            print(
                f"  dbt build {d['dbt_seconds']} s vs its SQL in DuckDB "
                f"{d['raw_sql_seconds']} s: {d['ratio']}x"
            )
            print(
                f"  customer_features: dbt {p['dbt_seconds']} s vs pandas {p['pandas_seconds']} s"
                f" ({p['speedup']}x faster; same values: {p['same_values']})"
            )
            print(
                f"  score+reasons+publish {sc['bullseye_rows_per_s']:,} rows/s vs inplace_predict "
                f"{sc['inplace_predict_rows_per_s']:,} rows/s: {sc['throughput_ratio']}x"
            )
        if "tuning" in r:
            t = r["tuning"]
            print(f"\nTuning at {int(s):,} customers, {t['budget_seconds']} s each, {t['rows']}")
            for name in ("optuna", "flaml"):
                x = t[name]
                print(
                    f"  {name:<7} {x['trials']:>5} trials  valid {x['valid_roc_auc']:.4f}  "
                    f"test {x['test_roc_auc']:.4f}"
                )


def markdown(results: dict) -> str:
    """The stage table of docs/benchmarks.md, from the results: every size, smallest first."""
    runs = {s: results["sizes"][s] for s in sorted(results["sizes"], key=int)}

    def cell(row: dict | None) -> str:
        return f"{row['seconds']:.1f} s, {row['peak_rss_gib']:.2f} GiB" if row else "–"

    def line(name: str, cells) -> str:
        return f"| {name} | " + " | ".join(cells) + " |"

    lines = [
        line("stage", (f"{int(s):,} customers" for s in runs)),
        "|---|" + "---:|" * len(runs),
    ]
    for stage in ["generate", *next(iter(runs.values()))["direct"]["stages"]]:
        lines.append(
            line(
                stage,
                (
                    cell(r["generate"] if stage == "generate" else r["direct"]["stages"][stage])
                    for r in runs.values()
                ),
            )
        )
    direct = (
        {"seconds": r["direct"]["total_seconds"], "peak_rss_gib": r["direct"]["peak_rss_gib"]}
        for r in runs.values()
    )
    lines += [
        line("**steps called directly**", (cell(d) for d in direct)),
        line("**`bullseye run` (Prefect)**", (cell(r.get("prefect")) for r in runs.values())),
        line(
            "Prefect's share",
            (
                f"{r['orchestration_overhead']:+.1%}" if "orchestration_overhead" in r else "–"
                for r in runs.values()
            ),
        ),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000, 1_000_000])
    parser.add_argument(
        "--run-sizes", type=int, nargs="*", default=[1_000_000], help="sizes `bullseye run` runs at"
    )
    parser.add_argument("--peer-size", type=int, default=1_000_000)
    parser.add_argument("--tuning-size", type=int, default=200_000)
    parser.add_argument("--tuning-seconds", type=float, default=120.0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench/results/scale.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, customers, work, *extra = args.child
        if kind == "tuning":
            out = child_tuning(int(customers), Path(work), float(extra[0]))
        else:
            out = CHILDREN[kind](int(customers), Path(work))
        print(json.dumps(out))
        return
    results = measure(
        args.sizes, args.run_sizes, args.peer_size, args.tuning_size, args.tuning_seconds, args.out
    )
    print_tables(results)
    args.out.with_suffix(".md").write_text(markdown(results))
    print(f"\nwritten to {args.out} and {args.out.with_suffix('.md')}")


if __name__ == "__main__":
    main()
