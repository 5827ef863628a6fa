"""FLAML peer, Bullseye's side: make FLAML's own venv, hand it a split, run it, read its result.

FLAML lives in a venv of its own (bench/peers/flaml-requirements.txt) because its ``automl``
extra pins xgboost<3 and it must not change Bullseye's environment; bench/peers/flaml_tune.py
runs there, in a subprocess, on parquet files this module writes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
REQUIREMENTS = HERE / "flaml-requirements.txt"
TUNE_SCRIPT = HERE / "flaml_tune.py"
# Copied into the venv after a successful install: a venv whose copy differs from the
# requirements file (or has none, a half-done install) is made again.
STAMP = "bullseye-flaml-requirements.txt"


def _python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_flaml_venv(path: Path) -> Path:
    """The python of a FLAML venv at ``path``, created and installed first if missing or
    installed from other requirements."""
    path = Path(path)
    wanted = REQUIREMENTS.read_text()
    stamp = path / STAMP
    if _python(path).is_file() and stamp.is_file() and stamp.read_text() == wanted:
        return _python(path)
    if path.exists():
        shutil.rmtree(path)
    base = shutil.which("python3.11") or sys.executable
    subprocess.run([base, "-m", "venv", str(path)], check=True)
    subprocess.run(
        [str(_python(path)), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)],
        check=True,
        env=_clean_env(),
    )
    stamp.write_text(wanted)
    return _python(path)


def write_matrices(
    data_dir: Path,
    x_train: pd.DataFrame,
    y_train,
    x_valid: pd.DataFrame,
    y_valid,
    x_test: pd.DataFrame,
    y_test,
) -> Path:
    """The split as flaml_tune.py reads it: x_*.parquet (category dtypes kept) and y_*.parquet
    with one int column, ``label``."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    parts = {"train": (x_train, y_train), "valid": (x_valid, y_valid), "test": (x_test, y_test)}
    for part, (x, y) in parts.items():
        if len(x) != len(y):
            raise ValueError(f"{part}: {len(x)} feature rows but {len(y)} labels")
        x.reset_index(drop=True).to_parquet(data_dir / f"x_{part}.parquet", index=False)
        labels = pd.DataFrame({"label": pd.Series(y).to_numpy().astype(int)})
        labels.to_parquet(data_dir / f"y_{part}.parquet", index=False)
    return data_dir


def run_flaml(python: Path, data_dir: Path, seconds: float, seed: int) -> dict:
    """Run flaml_tune.py with the FLAML venv's ``python`` on ``data_dir``; its JSON result."""
    args = [str(python), str(TUNE_SCRIPT), "--data", str(data_dir)]
    args += ["--seconds", str(seconds), "--seed", str(seed)]
    # FLAML stops starting trials at the budget but finishes the one running; the margin covers
    # that, loading the data and scoring on a loaded machine.
    proc = subprocess.run(
        args, capture_output=True, text=True, env=_clean_env(), timeout=2 * seconds + 600
    )
    if proc.returncode != 0:
        raise RuntimeError(f"flaml_tune.py failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"flaml_tune.py printed no result:\n{proc.stdout[-3000:]}")
    return json.loads(lines[-1])


def _clean_env() -> dict[str, str]:
    """This process's environment without what would point the child at Bullseye's venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    return env
