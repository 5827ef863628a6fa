"""docs/operations.md's "When something goes wrong" tables against the bad-input catalogue:
every case of the catalogue, every quarantine reason it produces and every user-error class the
CLI reports has its line, so the table cannot fall behind the code."""

from __future__ import annotations

import re
from pathlib import Path

from bullseye.cli.errors import user_error_types
from tests.reliability.bad_landing import ROW_CASES
from tests.reliability.test_bad_input_args import ARG_CASES
from tests.reliability.test_bad_input_contract import CASES

OPERATIONS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
HEADING = "## When something goes wrong"


def section() -> str:
    text = OPERATIONS.read_text()
    start = text.index(HEADING)
    end = text.find("\n## ", start + len(HEADING))
    return text[start : end if end > 0 else None]


def test_every_contract_and_argument_case_has_its_line():
    text = section().lower()
    assert [c.name for c in [*CASES, *ARG_CASES] if c.doc.lower() not in text] == []


def test_every_quarantine_reason_has_its_line():
    text = section()
    reasons = sorted({c.reason for c in ROW_CASES if c.reason})
    assert [r for r in reasons if f"`{r}`" not in text] == []


def test_every_user_error_class_is_named():
    text = section()
    names = sorted({t.__name__ for t in user_error_types()})
    assert [n for n in names if not re.search(rf"\b{n}\b", text)] == []
