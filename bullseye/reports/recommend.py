"""The recommendation page: every method beside the popularity baseline on a time split, the
strongest co-purchase rules, and what was written."""

from __future__ import annotations

import pandas as pd

from bullseye.reports.pages import render, table


def render_recommendations(
    evaluation: pd.DataFrame, facts: list[tuple[str, str]], rules: pd.DataFrame, k: int
) -> str:
    shown = evaluation.rename(
        columns={m: f"{m}@{k}" for m in ("precision", "recall", "map", "ndcg")}
    )
    return render(
        "recommend.html.j2",
        k=k,
        facts=facts,
        evaluation=table(shown, ".4f"),
        rules=None if rules.empty else table(rules, ".4f"),
    )
