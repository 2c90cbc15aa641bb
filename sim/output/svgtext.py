"""SVG for files and for inlining into a report: deterministic ids, no clashes between figures.

Matplotlib names clip paths and markers by a hash that includes object addresses (``svg.hashsalt``
fixes only the salt), so two renderings of the same figure differ in their ids. ``figure_svg``
renumbers every such id in order of appearance, which (with the layout pinned by
``style.settle_layout``) makes the bytes reproducible;
``inline`` prepares an SVG document for an HTML page: no XML prolog, no metadata, ids prefixed
per figure (two inline SVGs share one id space), scalable to the page's width, and labelled for
screen readers (``role="img"``, a ``<title>``).
"""

from __future__ import annotations

import html
import io
import re

from matplotlib.figure import Figure

_HASHED_ID = re.compile(r'id="([a-z][0-9a-f]{10})"')
_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_ANY_ID = re.compile(r'(\bid="|url\(#|href="#)([A-Za-z][\w.\-]*)')
_SIZE = re.compile(r'\s(width|height)="[\d.]+pt"')


def figure_svg(fig: Figure) -> str:
    """``fig`` as an SVG document with reproducible ids (module docstring); lay it out with
    ``style.settle_layout`` first."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return renumber_ids(buffer.getvalue().decode("utf-8"))


def renumber_ids(text: str) -> str:
    """Hashed ids (``p065c42ee01``) -> ``<letter><n>`` in order of first appearance."""
    names: dict[str, str] = {}
    for found in _HASHED_ID.findall(text):
        names.setdefault(found, f"{found[0]}{len(names) + 1}")
    if not names:
        return text
    pattern = re.compile(r"(?<=[\"#])(" + "|".join(map(re.escape, names)) + r")(?=[\")])")
    return pattern.sub(lambda m: names[m.group(1)], text)


def inline(svg: str, prefix: str, title: str) -> str:
    """An SVG document as an element of an HTML page (module docstring)."""
    body = _METADATA.sub("", _PROLOG.sub("", svg, count=1), count=1)
    body = _ANY_ID.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", body)
    body = _SIZE.sub("", body.replace("<svg ", '<svg role="img" ', 1), count=2)
    head, _, rest = body.partition(">")
    return f"{head}><title>{html.escape(title)}</title>{rest}".strip()
