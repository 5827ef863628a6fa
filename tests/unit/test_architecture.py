"""The layout's contracts: imports point down the layers only, and no module grows past what one
person can hold in their head."""

from __future__ import annotations

from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bullseye", "flows", "ml", "monitoring")
MAX_LINES = 300


def test_no_module_imports_from_a_layer_above_it(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / ".importlinter")) == 0


def test_no_module_is_over_300_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if (n := len(path.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}, f"split these modules: {long}"


def test_the_old_step_module_is_gone():
    assert not (ROOT / "bullseye" / "steps.py").exists()
    assert not (ROOT / "bullseye" / "services" / "steps.py").exists()
