"""Benchmark: a drift check on 1,000,000 rows x 50 features, sampled against the full run.

Run: ``.venv/bin/python bench/drift_scale.py [--rows 1000000]``. Prints a table and writes
``bench/results/drift_scale.json``.

The sampling rule (monitoring/drift.py): at most 50,000 rows per side, seeded, drawn from the
rows sorted by every column. Target (issue 6): the sampled check finishes in under 60 s on 2
cores and gives the same drifted / not-drifted verdict per feature as Evidently on all rows, on
data with injected drift and on data without.
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
N_NUMERIC, N_CATEGORICAL = 44, 6
DRIFTED = ("n00", "n01", "n02", "n03", "c0", "c1")  # injected when drift is on


def make(rows: int, seed: int, drift: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = {}
    for i in range(N_NUMERIC):
        kind = i % 4
        if kind == 0:
            values = rng.normal(0, 1, rows)
        elif kind == 1:
            values = rng.exponential(60, rows)
        elif kind == 2:
            values = rng.poisson(3, rows).astype(float)
        else:
            values = rng.lognormal(4, 0.6, rows)
        data[f"n{i:02d}"] = values
    for i in range(N_CATEGORICAL):
        data[f"c{i}"] = rng.choice(["a", "b", "c", "d"], rows, p=[0.4, 0.3, 0.2, 0.1])
    frame = pd.DataFrame(data)
    if drift:  # shifts of a size a marketer would care about
        frame["n00"] += 0.3
        frame["n01"] *= 1.4
        frame["n02"] = rng.poisson(4, rows).astype(float)
        frame["n03"] *= 1.5
        frame["c0"] = rng.choice(["a", "b", "c", "d"], rows, p=[0.2, 0.3, 0.3, 0.2])
        frame["c1"] = rng.choice(["a", "b", "c", "d"], rows, p=[0.55, 0.25, 0.15, 0.05])
    return frame


def check(reference, current, sample: int, out: Path) -> tuple[float, dict[str, bool]]:
    from monitoring.drift import drift_report

    numeric = [f"n{i:02d}" for i in range(N_NUMERIC)]
    categorical = [f"c{i}" for i in range(N_CATEGORICAL)]
    start = time.perf_counter()
    result = drift_report(reference, current, numeric, categorical, out, sample=sample)
    seconds = time.perf_counter() - start
    return seconds, {c: c in result.drifted_features for c in [*numeric, *categorical]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=50_000)
    args = parser.parse_args()
    reference = make(args.rows, 1, drift=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, drift in (("no drift", False), ("injected drift", True)):
            current = make(args.rows, 2, drift=drift)
            sampled_s, sampled = check(reference, current, args.sample, Path(tmp) / "s")
            full_s, full = check(reference, current, args.rows, Path(tmp) / "f")
            rows.append(
                {
                    "data": label,
                    "rows": args.rows,
                    "features": len(full),
                    "sampled_seconds": round(sampled_s, 1),
                    "full_seconds": round(full_s, 1),
                    "speed_ratio": round(full_s / sampled_s, 2),
                    "drifted_full": sorted(c for c, d in full.items() if d),
                    "drifted_sampled": sorted(c for c, d in sampled.items() if d),
                    "same_verdicts": sampled == full,
                    "disagreements": sorted(c for c in full if full[c] != sampled[c]),
                }
            )
    result = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "sample_rows": args.sample,
        "rows": rows,
    }
    print(f"\nDrift check, {args.rows:,} rows x {N_NUMERIC + N_CATEGORICAL} features per side")
    print(f"{'data':<16}{'sampled s':>11}{'full s':>9}{'ratio':>7}{'same verdicts':>15}  drifted")
    for r in rows:
        print(
            f"{r['data']:<16}{r['sampled_seconds']:>11.1f}{r['full_seconds']:>9.1f}"
            f"{r['speed_ratio']:>7.1f}{r['same_verdicts']!s:>15}  "
            f"{', '.join(r['drifted_full']) or '-'}"
        )
    out = ROOT / "bench" / "results" / "drift_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"\nWritten to {out}")


if __name__ == "__main__":
    main()
