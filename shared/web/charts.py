"""Inline SVG charts: no JavaScript, no external library, readable on a slow link and in print."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from markupsafe import Markup, escape

CHAR_W = 7  # the width of an average character of 12-pixel text, in pixels
PALETTE = ("#1f6f8b", "#e07a1f", "#4c9a2a", "#b33f40", "#7a5195", "#8c8c8c")


def bar_chart(
    items: Iterable[tuple[str, int | float]],
    *,
    title: str = "",
    width: int = 520,
    bar_height: int = 20,
    color: str = PALETTE[0],
) -> Markup:
    """Horizontal bars, one per (label, value), with the value printed at the end. A label
    too long for its column is shortened, whole in its tooltip."""
    rows: Sequence[tuple[str, int | float]] = list(items)
    if not rows:
        return Markup("")
    label_w = min(220, max(60, CHAR_W * max(len(str(label)) for label, _ in rows) + 6))
    plot_w = width - label_w - 60
    top = max((v for _, v in rows), default=0) or 1
    height = len(rows) * (bar_height + 6) + 6
    parts = [_svg(width, height, title, 'preserveAspectRatio="xMinYMin meet" ')]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value) in enumerate(rows):
        y = 6 + i * (bar_height + 6)
        w = max(1.0, plot_w * value / top) if value else 0
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'font-size="12"><title>{escape(str(label))}</title>'
            f"{escape(_fit(str(label), label_w - 6))}</text>"
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{color}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" '
            f'font-size="12">{escape(_fmt(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def column_chart(
    items: Iterable[tuple[str, int | float]],
    *,
    title: str = "",
    width: int = 640,
    height: int = 180,
    color: str = PALETTE[1],
) -> Markup:
    """Vertical columns over time (e.g. submissions per day), labels thinned to fit."""
    rows = list(items)
    if not rows:
        return Markup("")
    top = max((v for _, v in rows), default=0) or 1
    plot_h = height - 40
    col_w = max(2.0, (width - 40) / len(rows))
    every = max(1, int(len(rows) / 12))
    parts = [_svg(width, height, title)]
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
    parts.append("</svg>")
    return Markup("".join(parts))


def _svg(width: int, height: int, title: str, more: str = "") -> str:
    """The chart's opening tag: drawn at its own size, never enlarged (a wide card would blow
    its 12-pixel text up to twice that); the stylesheet shrinks it on a narrow screen."""
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" {more}aria-label="{escape(title)}">'
    )


def _fit(label: str, room: int) -> str:
    """``label`` shortened with an ellipsis to about ``room`` pixels of 12-pixel text."""
    most = max(4, room // CHAR_W)
    return label if len(label) <= most else label[: most - 1].rstrip() + "…"


def _fmt(value: int | float) -> str:
    return f"{value:,.0f}".replace(",", ".") if float(value).is_integer() else f"{value:.1f}"
