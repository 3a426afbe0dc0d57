"""Where things go on a map page, in millimetres: one layout for the PDF page and the PNG poster.

Boxes are measured from the top-left corner of the page's content area (inside the margins),
so the HTML of the PDF can place them absolutely and matplotlib can draw the same composition.
"""

from __future__ import annotations

from dataclasses import dataclass

from .options import PAPERS_MM

MARGIN_MM = (10.0, 10.0, 12.0, 10.0)  # top, right, bottom, left (page numbers in the bottom one)
GAP_MM = 4.0


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def aspect(self) -> float:
        return self.w / self.h


@dataclass(frozen=True)
class PageLayout:
    paper: str
    orientation: str
    page_w: float
    page_h: float
    margin: tuple[float, float, float, float]
    header: Box  # title, subtitle, date
    map: Box
    legend: Box
    footer: Box  # sources and attribution lines

    @property
    def content_w(self) -> float:
        return self.page_w - self.margin[1] - self.margin[3]

    @property
    def content_h(self) -> float:
        return self.page_h - self.margin[0] - self.margin[2]

    @property
    def scale(self) -> float:
        """Type scale relative to A4 (A3 prints everything 1.2× larger, not 1.41×)."""
        return 1.0 if self.paper == "a4" else 1.2


def page_layout(paper: str, orientation: str) -> PageLayout:
    short, long = PAPERS_MM[paper]
    page_w, page_h = (long, short) if orientation == "landscape" else (short, long)
    top, right, bottom, left = MARGIN_MM
    cw, ch = page_w - left - right, page_h - top - bottom
    scale = 1.0 if paper == "a4" else 1.2
    header_h = 17.0 * scale
    footer_h = 13.0 * scale
    header = Box(0, 0, cw, header_h)
    footer = Box(0, ch - footer_h, cw, footer_h)
    body_y = header_h + GAP_MM / 2
    body_h = ch - header_h - footer_h - GAP_MM
    if orientation == "landscape":
        legend_w = 64.0 * scale
        map_box = Box(0, body_y, cw - legend_w - GAP_MM, body_h)
        legend = Box(cw - legend_w, body_y, legend_w, body_h)
    else:
        legend_h = 58.0 * scale
        map_box = Box(0, body_y, cw, body_h - legend_h - GAP_MM)
        legend = Box(0, body_y + map_box.h + GAP_MM, cw, legend_h)
    return PageLayout(paper, orientation, page_w, page_h, MARGIN_MM, header, map_box, legend, footer)
