"""Inline SVG charts: no JavaScript, no external library, readable on a slow link and in print."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f6f8b", "#e07a1f", "#4c9a2a", "#b33f40", "#7a5195", "#8c8c8c")


def bar_chart(
    items: Iterable[tuple[str, int | float]],
    *,
    title: str = "",
    color: str = PALETTE[0],
    out_of: Sequence[int | float | None] | None = None,
) -> Markup:
    """Horizontal bars, one per (label, value), with the value printed at the end.

    A full bar is the largest value, or, with ``out_of``, each row's own whole (a quota: one
    used of ten is a tenth of a bar; a row whose whole is None is measured by the largest).

    Labels and values are HTML text at the page's own size, laid out by the stylesheet
    (``.bars``: a grid of label, bar, value); only each bar is a small SVG stretched to its
    column (CSS may not set widths inline here: the content security policy forbids inline
    styles). So a chart in a narrow card keeps readable labels, where a whole-SVG chart was
    scaled down with its text.  A label too long for its column is cut with an ellipsis by
    the stylesheet and shown whole in its tooltip."""
    rows: Sequence[tuple[str, int | float]] = list(items)
    if not rows:
        return Markup("")
    top = max((v for _, v in rows), default=0) or 1
    wholes = list(out_of) if out_of is not None else [None] * len(rows)
    parts = [f'<div class="chart bars" role="img" aria-label="{escape(title)}">']
    for (label, value), whole in zip(rows, wholes, strict=True):
        share = min(100, 100 * value / (whole or top))
        share = max(0.5, share) if value else 0  # a small value: still a sliver
        parts.append(
            f'<span class="bar-label" title="{escape(str(label))}">{escape(str(label))}</span>'
            '<svg class="bar" viewBox="0 0 100 1" preserveAspectRatio="none" aria-hidden="true">'
            f'<rect width="{share:.1f}" height="1" fill="{color}"/>'
            f'</svg><span class="bar-value">{escape(_fmt(value))}</span>'
        )
    parts.append("</div>")
    return Markup("".join(parts))


def column_chart(
    items: Iterable[tuple[str, int | float]],
    *,
    title: str = "",
    width: int = 640,
    height: int = 180,
    color: str = PALETTE[1],
) -> Markup:
    """Vertical columns over time (e.g. submissions per day), labels thinned to fit. Drawn at
    its own size inside a box that scrolls sideways on a narrow screen: shrunk to a phone's
    width, its day labels would be 5 pixels tall."""
    rows = list(items)
    if not rows:
        return Markup("")
    top = max((v for _, v in rows), default=0) or 1
    plot_h = height - 40
    col_w = max(2.0, (width - 40) / len(rows))
    every = max(1, int(len(rows) / 12))
    parts = ['<div class="chart-scroll">', _svg(width, height, title)]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(f'<text x="0" y="12" font-size="11">{escape(_fmt(top))}</text>')
    for i, (label, value) in enumerate(rows):
        h = plot_h * value / top
        x = 30 + i * col_w
        parts.append(
            f'<rect x="{x:.1f}" y="{10 + plot_h - h:.1f}" width="{max(1.0, col_w - 1):.1f}" '
            f'height="{h:.1f}" fill="{color}"><title>{escape(str(label))}: '
            f"{escape(_fmt(value))}</title></rect>"
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x:.1f}" y="{height - 12}" font-size="10">{escape(str(label))}</text>'
            )
    parts.append("</svg></div>")
    return Markup("".join(parts))


def _svg(width: int, height: int, title: str) -> str:
    """The chart's opening tag: drawn at its own size, never enlarged (a wide card would blow
    its 12-pixel text up to twice that); the stylesheet shrinks it on a narrow screen."""
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-label="{escape(title)}">'
    )


def _fmt(value: int | float) -> str:
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:.1f}"
