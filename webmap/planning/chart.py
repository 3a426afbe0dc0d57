"""The coverage chart as inline SVG, drawn on the server (no JavaScript, no CDN, prints as is).

One horizontal bar per unit that has at-risk area: the share of that area covered by at least
one campaign of the period, gaps first. Flask-free; labels come in already translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

from .analysis import CoverageRow

ROW_HEIGHT = 22
LABEL_WIDTH = 190
BAR_WIDTH = 360
VALUE_WIDTH = 60
TOP = 44
BOTTOM = 8


@dataclass(frozen=True)
class ChartLabels:
    title: str
    axis: str  # e.g. "Share of at-risk area covered"
    empty: str  # shown when no unit has at-risk area
    demo: str  # "DÉMO"
    row: str = "%(name)s: %(value)s"  # a bar's tooltip, "%(name)s\u00a0: %(value)s" in French


# Orange (gaps) to purple (covered): ColorBrewer's PuOr ends, told apart by people with red–green
# colour blindness (deuteranopia, protanopia) and in grey; the bar's length and its printed
# value carry the figure anyway.
SHARE_COLOURS = ((0.25, "#b35806"), (0.5, "#f1a340"), (0.75, "#998ec3"), (float("inf"), "#542788"))


def _color(share: float) -> str:
    return next(colour for limit, colour in SHARE_COLOURS if share < limit)


def coverage_svg(rows: list[CoverageRow], labels: ChartLabels) -> Markup:
    """SVG markup (safe to embed) of the covered share per unit, lowest first."""
    data = sorted((r for r in rows if r.covered_share is not None), key=lambda r: (r.covered_share, r.name))
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    if not data:
        height = TOP + 30
        return Markup(
            f'<svg class="wm-chart" role="img" aria-label="{escape(labels.title)}" width="{width}" '
            f'height="{height}" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">'
            f'<text x="0" y="{TOP}" class="wm-chart-empty">{escape(labels.empty)}</text></svg>'
        )
    height = TOP + len(data) * ROW_HEIGHT + BOTTOM
    parts = [
        f'<svg class="wm-chart" role="img" aria-label="{escape(labels.title)}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(labels.title)}</title>",
        f'<text x="{LABEL_WIDTH}" y="14" class="wm-chart-axis">{escape(labels.axis)}</text>',
    ]
    for tick in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + BAR_WIDTH * tick / 100
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP - 6}" y2="{height - BOTTOM}" class="wm-chart-grid"/>'
            f'<text x="{x:.1f}" y="{TOP - 8}" class="wm-chart-tick" text-anchor="middle">{tick} %</text>'
        )
    for i, row in enumerate(data):
        y = TOP + i * ROW_HEIGHT
        bar = BAR_WIDTH * row.covered_share
        name = row.name + (f" ({labels.demo})" if row.demo else "")
        value = f"{row.covered_share * 100:.0f} %"
        bar_height, fill = ROW_HEIGHT - 6, _color(row.covered_share)
        parts.append(
            f'<g class="wm-chart-row" data-pcode="{escape(row.pcode)}">'
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 16}" text-anchor="end" class="wm-chart-label">{escape(name)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{BAR_WIDTH}" height="{bar_height}" class="wm-chart-track"/>'
            f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{bar:.1f}" height="{bar_height}" fill="{fill}"/>'
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 16}" class="wm-chart-value">{value}</text>'
            f"<title>{escape(labels.row % {'name': name, 'value': value})}</title></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
