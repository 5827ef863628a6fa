"""Render the report pages from the Jinja2 templates in ``bullseye/reports/templates``.

Every page extends ``base.html.j2`` (doctype, head, shared CSS, header and footer). Autoescape
is on for every template, so values are escaped unless marked safe: the HTML this module builds
(pandas tables, Plotly figures, plotly.js) is returned as ``Markup`` for that reason.
"""

from __future__ import annotations

import html
from functools import cache
from importlib.metadata import PackageNotFoundError, version

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs

# Plotly layout shared by every chart of the reports.
LAYOUT = {"template": "plotly_white", "height": 380, "margin": {"l": 60, "r": 20, "t": 50, "b": 50}}


def _escape_like_html_module(value):
    # Text is escaped by html.escape, as the hand-built pages did (' becomes &#x27;, where
    # markupsafe writes &#39;), so a page shows a value exactly as html.escape(value); markup
    # passes through, and autoescape still escapes anything else.
    if isinstance(value, str) and not isinstance(value, Markup):
        return Markup(html.escape(value))
    return value


_ENV = Environment(
    loader=PackageLoader("bullseye.reports", "templates"),
    # The templates are named *.html.j2: without "html.j2" select_autoescape() would not match
    # them and escaping would be off; default=True keeps it on for any other name too.
    autoescape=select_autoescape(("html", "htm", "xml", "html.j2"), default=True),
    finalize=_escape_like_html_module,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@cache
def _bullseye_version() -> str:
    try:
        return version("bullseye")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "dev"


def render(template_name: str, **context) -> str:
    """The page ``template_name`` (e.g. ``"model.html.j2"``) rendered with ``context``."""
    return _ENV.get_template(template_name).render(bullseye_version=_bullseye_version(), **context)


def plotly_js() -> Markup:
    """plotly.js itself, to inline once per page so the page opens offline."""
    return Markup(get_plotlyjs())


def figure(fig: go.Figure, div_id: str) -> Markup:
    """``fig`` as an HTML fragment in the reports' layout, relying on inlined plotly.js."""
    fig.update_layout(**LAYOUT)
    return Markup(
        fig.to_html(
            full_html=False, include_plotlyjs=False, div_id=div_id, config={"displaylogo": False}
        )
    )


def table(frame: pd.DataFrame, number_format: str = ",.4f", na_rep: str = "") -> Markup:
    """``frame`` as an HTML table (cells escaped by pandas), floats in ``number_format``."""
    return Markup(
        frame.to_html(
            index=False, border=0, na_rep=na_rep, float_format=lambda v: f"{v:{number_format}}"
        )
    )
