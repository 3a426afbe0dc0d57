"""The whole sheet as one PNG (``/export/map.png``): title, map, legend and sources by matplotlib.

Same composition as the PDF's map page (:mod:`.layout`), drawn at the requested pixel size: the
page is scaled to the width asked for, and a height that departs from the paper's proportions
stretches the map area (never the type).
"""

from __future__ import annotations

from matplotlib.figure import Figure

from layers import print_symbols as sym

from .layout import Box, PageLayout, page_layout
from .mapfigure import FONT_FAMILY, MM_PER_INCH, MapPainter, figure_image, text_size
from .scene import Scene
from .texts import LegendItem, SheetTexts

TITLE_COLOR = "#17324d"
PT_PER_MM = 72 / MM_PER_INCH


def stretched_layout(paper: str, orientation: str, page_h_mm: float) -> PageLayout:
    """The paper's layout with the page height changed to ``page_h_mm`` (map and legend absorb it)."""
    base = page_layout(paper, orientation)
    delta = page_h_mm - base.page_h
    if abs(delta) < 0.01:
        return base
    min_map = 30.0
    delta = max(delta, min_map - base.map.h)
    footer = Box(base.footer.x, base.footer.y + delta, base.footer.w, base.footer.h)
    map_box = Box(base.map.x, base.map.y, base.map.w, base.map.h + delta)
    if orientation == "landscape":
        legend = Box(base.legend.x, base.legend.y, base.legend.w, base.legend.h + delta)
    else:
        legend = Box(base.legend.x, base.legend.y + delta, base.legend.w, base.legend.h)
    return PageLayout(paper, orientation, base.page_w, base.page_h + delta, base.margin, base.header, map_box,
                      legend, footer)


def wrap(text: str, size: float, max_pt: float, weight: str = "normal") -> list[str]:
    """Greedy word wrap to ``max_pt`` points."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and text_size(trial, size, weight)[0] > max_pt:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    return lines


class Poster:
    def __init__(self, scene: Scene, texts: SheetTexts, layout: PageLayout, width_px: int, height_px: int) -> None:
        self.scene, self.texts, self.layout = scene, texts, layout
        self.page_w_in = layout.page_w / MM_PER_INCH
        self.dpi = width_px / self.page_w_in
        # a hair over so Agg's integer canvas has exactly the pixels asked for
        self.fig = Figure(figsize=((width_px + 0.01) / self.dpi, (height_px + 0.01) / self.dpi), dpi=self.dpi,
                          facecolor="white")
        self.s = layout.scale
        # the page as one axes in millimetres, y downwards
        self.page = self.fig.add_axes((0, 0, 1, 1))
        self.page.set_xlim(0, layout.page_w)
        self.page.set_ylim(layout.page_h, 0)
        self.page.set_axis_off()

    def _abs(self, box: Box) -> Box:
        top, _right, _bottom, left = self.layout.margin
        return Box(box.x + left, box.y + top, box.w, box.h)

    def _rect(self, box: Box) -> tuple[float, float, float, float]:
        b = self._abs(box)
        return (b.x / self.layout.page_w, 1 - (b.y + b.h) / self.layout.page_h, b.w / self.layout.page_w,
                b.h / self.layout.page_h)

    def text(self, x_mm, y_mm, text, size, **kw):
        kw.setdefault("family", FONT_FAMILY)
        kw.setdefault("va", "top")
        return self.page.text(x_mm, y_mm, text, fontsize=size * self.s, **kw)

    def draw(self) -> bytes:
        self._header()
        self._map()
        self._legend()
        self._sources()
        return figure_image(self.fig, "PNG")

    def _header(self) -> None:
        b = self._abs(self.layout.header)
        title_lines = wrap(self.texts.title, 14 * self.s, b.w * PT_PER_MM, "bold")
        self.text(b.x, b.y, "\n".join(title_lines[:2]), 14, fontweight="bold", color=TITLE_COLOR, linespacing=1.1)
        y = b.y + 14 * self.s * 1.25 * min(len(title_lines), 2) / PT_PER_MM + 0.8
        self.text(b.x, y, self.texts.subtitle, 8.5, color="#333333")
        self.text(b.x + b.w, b.y + b.h - 1, self.texts.produced, 7.5, color="#555555", ha="right", va="bottom")
        self.page.plot([b.x, b.x + b.w], [b.y + b.h, b.y + b.h], color=TITLE_COLOR, linewidth=0.6)

    def _map(self) -> None:
        box = self.layout.map
        painter = MapPainter(self.fig, self._rect(box), self.scene, self.texts.map, box.w, box.h, self.s)
        painter.draw()

    def _legend(self) -> None:
        b = self._abs(self.layout.legend)
        columns = 1 if self.layout.orientation == "landscape" else 3
        col_w = (b.w - (columns - 1) * 5) / columns
        entries = self._legend_entries()
        x, y, col = b.x, b.y, 0
        bottom = b.y + b.h
        for kind, payload in entries:
            height = self._entry_height(kind, payload, col_w)
            if y + height > bottom and columns > 1 and col < columns - 1:
                col += 1
                x, y = b.x + col * (col_w + 5), b.y
            if y + height > bottom:
                break
            self._entry(kind, payload, x, y, col_w)
            y += height

    def _legend_entries(self) -> list[tuple[str, object]]:
        t = self.texts
        out: list[tuple[str, object]] = [("title", t.legend_title)]
        if t.empty:
            out.append(("empty", t.empty))
        out += [("note", line) for line in t.nearby]
        out.append(("heading", t.structures_heading))
        out += [("item", item) for item in t.symbols]
        out.append(("heading", t.verification_heading))
        out += [("item", item) for item in t.rings]
        out.append(("heading", t.boundaries_heading))
        out += [("item", item) for item in t.lines]
        out += [("note", note) for note in t.notes]
        return out

    def _entry_height(self, kind: str, payload, width: float) -> float:
        s = self.s
        if kind == "title":
            return 6.0 * s
        if kind == "heading":
            return 5.0 * s
        if kind == "item":
            lines = wrap(self._item_label(payload), 7.5 * s, (width - 8 * s) * PT_PER_MM)
            return max(5.6, 3.2 * len(lines) + 1.6) * s
        size = 7.0 if kind == "note" else 8.5
        lines = wrap(str(payload), size * s, (width - 2) * PT_PER_MM)
        return (size * 1.3 * len(lines) / PT_PER_MM + 2.5) * s

    @staticmethod
    def _item_label(item: LegendItem) -> str:
        if item.count:
            return f"{item.label} ({item.count})"
        return item.label

    def _entry(self, kind: str, payload, x: float, y: float, width: float) -> None:
        s = self.s
        if kind == "title":
            self.text(x, y, payload, 10, fontweight="bold", color=TITLE_COLOR)
        elif kind == "heading":
            self.text(x, y + 1.2 * s, payload.upper(), 7, color="#555555", fontweight="bold")
        elif kind == "item":
            self._item(payload, x, y, width)
        else:
            size = 7.0 if kind == "note" else 8.5
            color = "#7f1010" if kind == "empty" else "#333333"
            lines = wrap(str(payload), size * s, (width - 2) * PT_PER_MM)
            self.text(x + 1, y + 0.8 * s, "\n".join(lines), size, color=color, linespacing=1.2,
                      fontweight="bold" if kind == "empty" else "normal")
            edge = "#b71c1c" if kind == "empty" else "#7c5e10"
            height = self._entry_height(kind, payload, width) - 1.2 * s
            self.page.plot([x, x], [y, y + height], color=edge, linewidth=2 * s)

    def _item(self, item: LegendItem, x: float, y: float, width: float) -> None:
        s = self.s
        cx, cy = x + 2.6 * s, y + 2.6 * s
        disc = 9.0 * s
        if item.kind == "symbol":
            self._symbol(cx, cy, item.category, disc)
        elif item.kind == "ring":
            sizes = sym.SymbolSizes(disc)
            self.page.scatter([cx], [cy], s=sizes.ring**2, marker="o", facecolors="none",
                              linewidths=sizes.ring_width, zorder=5, **sym.ring_style(bool(item.verified)))
            self.page.scatter([cx], [cy], s=disc**2, marker="o", c="#9e9e9e", edgecolors=sym.RIM_COLOR,
                              linewidths=sizes.rim, zorder=6)
        elif item.kind == "line":
            style = (0, tuple(d / item.width_pt for d in item.dashes)) if item.dashes else "solid"
            self.page.plot([x, x + 5.2 * s], [cy, cy], color=item.color, linewidth=item.width_pt, linestyle=style)
        elif item.kind == "town":
            self.page.scatter([cx], [cy], s=(2.6 * s) ** 2, c="#262626", edgecolors="white", linewidths=0.5)
        lines = wrap(self._item_label(item), 7.5 * s, (width - 8 * s) * PT_PER_MM)
        self.text(x + 7 * s, cy, "\n".join(lines), 7.5, va="center", color="#1f2933", linespacing=1.1)

    def _symbol(self, cx: float, cy: float, category: str, disc: float) -> None:
        style = sym.category_style(category)
        sizes = sym.SymbolSizes(disc)
        self.page.scatter([cx], [cy], s=sizes.disc**2, marker="o", c=style.color, edgecolors=sym.RIM_COLOR,
                          linewidths=sizes.rim, zorder=6)
        self.page.scatter([cx], [cy], s=sizes.glyph**2, marker=sym.glyph_marker(style.glyph), c=style.icon_color,
                          linewidths=0, zorder=7)

    def _sources(self) -> None:
        b = self._abs(self.layout.footer)
        self.page.plot([b.x, b.x + b.w], [b.y, b.y], color="#999999", linewidth=0.4)
        text = f"{self.texts.sources_label} — " + " · ".join(self.texts.sources) + "."
        lines = wrap(text, 6.5 * self.s, b.w * PT_PER_MM)
        lines += wrap(f"{self.texts.projection} {self.texts.produced}, webmap.", 6.5 * self.s, b.w * PT_PER_MM)
        self.text(b.x, b.y + 1, "\n".join(lines), 6.5, color="#444444", linespacing=1.3)


def render_poster(scene: Scene, texts: SheetTexts, paper: str, orientation: str, width_px: int,
                  height_px: int) -> bytes:
    base = page_layout(paper, orientation)
    page_h_mm = base.page_w * height_px / width_px
    layout = stretched_layout(paper, orientation, page_h_mm)
    return Poster(scene, texts, layout, width_px, height_px).draw()
