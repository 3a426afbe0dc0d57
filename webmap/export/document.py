"""The PDF: map sheets (map image + vector legend and sources), directory tables, the atlas.

Laid out with ReportLab, in one pass: a map sheet is one page drawn on the canvas from the
:mod:`.layout` boxes; the directory is a ReportLab table that repeats its header row on every
page; page totals and the atlas's table of contents are PDF form XObjects drawn where needed
and defined once the last page is known.

Why ReportLab: WeasyPrint laid out a 1,000-row directory in 28 s on this machine, ReportLab in
about one; and it needs no system library. Fonts are the DejaVu TTFs shipped with matplotlib and
the Font Awesome solid TTF of the XStatic package (the web map's symbols), so a PDF looks the same
on every machine. ``invariant`` output: the same data gives the same bytes.

Flask-free: returns bytes; strings arrive translated (see :mod:`.texts`). Nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from reportlab.lib.colors import HexColor, white
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError

from layers import print_symbols as sym

from ..text import fold
from .layout import PageLayout
from .scene import DirectoryRow
from .texts import LegendItem, SheetTexts

MAP_DPI = 200  # a map sheet's image
ATLAS_MAP_DPI = 150  # 34 maps in an atlas

FONT = "WebmapSans"
FONT_BOLD = "WebmapSans-Bold"
FONT_ITALIC = "WebmapSans-Oblique"
FONT_SYMBOLS = "WebmapFASolid"

INK = HexColor("#1f2933")
TITLE = HexColor("#17324d")
MUTED = HexColor("#555555")
RULE = HexColor("#999999")
NOTE_BAR = HexColor("#7c5e10")
NOTE_BG = HexColor("#fff8e1")
EMPTY_EDGE = HexColor("#b71c1c")
EMPTY_BG = HexColor("#fdecea")
EMPTY_INK = HexColor("#7f1010")
REGION_BG = HexColor("#e8edf2")
ROW_RULE = HexColor("#cccccc")
TO_VERIFY_INK = HexColor("#7c5e10")
VERIFIED_INK = HexColor("#1b5e20")

# Directory columns: share of the width.
COLUMNS = (0.15, 0.27, 0.12, 0.15, 0.11, 0.08, 0.12)
# Directory table type sizes (points): nothing in the table is smaller than TABLE_TEXT.
TABLE_TEXT, TABLE_LEADING = 8.0, 9.8
TOWN_TEXT, REGION_TEXT = 8.5, 9.5
BAND_HEIGHT = 9.6 * mm  # the column headings (up to 2 lines) drawn at the top of every directory page
TABLE_TITLE_HEIGHT = 10 * mm  # the directory's title, first page only
VERIFIED_MARK = "✓ "
FOOTER_TEXT = 8.0  # running header, footer and page numbers


@lru_cache(maxsize=1)
def register_fonts() -> None:
    """DejaVu Sans from matplotlib's data (pinned with it) and Font Awesome solid, once."""
    import matplotlib

    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont(FONT, str(ttf / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_BOLD, str(ttf / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_ITALIC, str(ttf / "DejaVuSans-Oblique.ttf")))
    pdfmetrics.registerFont(TTFont(FONT_SYMBOLS, str(sym.font_awesome_solid())))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD)


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Town:
    name: str
    rows: tuple[DirectoryRow, ...]


@dataclass(frozen=True)
class RegionGroup:
    name: str
    towns: tuple[Town, ...]

    @property
    def count(self) -> int:
        return sum(len(t.rows) for t in self.towns)


@dataclass(frozen=True)
class Sheet:
    """One map page and, optionally, the directory table that follows it."""

    anchor: str
    texts: SheetTexts
    image: bytes  # the map, JPEG or PNG
    layout: PageLayout
    table_title: str | None = None
    groups: tuple[RegionGroup, ...] = ()
    toc_label: str | None = None
    count: int = 0


@dataclass
class _State:
    """What the one layout pass learns: page of each sheet, the running header."""

    pages: dict[str, int] = field(default_factory=dict)
    running: str = ""


def group_rows(rows: tuple[DirectoryRow, ...]) -> tuple[RegionGroup, ...]:
    """Rows (already sorted by region, town, category, name) grouped by region, then town."""
    regions: list[tuple[str, list[tuple[str, list[DirectoryRow]]]]] = []
    for row in rows:
        if not regions or regions[-1][0] != row.region:
            regions.append((row.region, []))
        towns = regions[-1][1]
        if not towns or towns[-1][0] != row.town:
            towns.append((row.town, []))
        towns[-1][1].append(row)
    return tuple(
        RegionGroup(name, tuple(Town(town, tuple(town_rows)) for town, town_rows in towns))
        for name, towns in regions
    )


def anchor_for(pcode: str) -> str:
    return "sheet-" + fold(pcode).replace(" ", "-")


# --------------------------------------------------------------------------- drawing helpers


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    return simpleSplit(text, font, size, width) or [""]


def draw_symbol(canvas, x: float, y: float, disc: float, category: str | None, verified: bool | None) -> None:
    """The map's symbol at (x, y) in points: ring (verification), disc with rim, glyph."""
    sizes = sym.SymbolSizes(disc)
    canvas.saveState()
    if verified is not None:
        ring = sym.ring_style(verified)
        canvas.setStrokeColor(HexColor(ring["edgecolors"]))
        canvas.setLineWidth(sizes.ring_width)
        if ring["linestyles"] != "solid":
            on, off = sym.RING_DASHES
            canvas.setDash([on * sizes.ring_width, off * sizes.ring_width], 0)
        canvas.circle(x, y, sizes.ring / 2, stroke=1, fill=0)
        canvas.setDash()
    style = sym.category_style(category) if category else None
    canvas.setFillColor(HexColor(style.color if style else "#9e9e9e"))
    canvas.setStrokeColor(HexColor(sym.RIM_COLOR))
    canvas.setLineWidth(sizes.rim)
    canvas.circle(x, y, disc / 2, stroke=1, fill=1)
    if style is not None:
        xmin, ymin, xmax, ymax = sym.glyph_bounds(style.glyph)
        size = sizes.glyph / max(xmax - xmin, ymax - ymin)
        canvas.setFillColor(HexColor(style.icon_color))
        canvas.setFont(FONT_SYMBOLS, size)
        canvas.drawString(x - (xmin + xmax) / 2 * size, y - (ymin + ymax) / 2 * size, chr(style.glyph))
    canvas.restoreState()


def draw_line_sample(canvas, x: float, y: float, length: float, item: LegendItem) -> None:
    canvas.saveState()
    canvas.setStrokeColor(HexColor(item.color or "#000000"))
    canvas.setLineWidth(item.width_pt or 0.75)
    if item.dashes:
        canvas.setDash(list(item.dashes), 0)
    canvas.line(x, y, x + length, y)
    canvas.restoreState()


def draw_town_sample(canvas, x: float, y: float, diameter: float) -> None:
    canvas.saveState()
    canvas.setFillColor(HexColor("#262626"))
    canvas.setStrokeColor(white)
    canvas.setLineWidth(0.5)
    canvas.circle(x, y, diameter / 2, stroke=1, fill=1)
    canvas.restoreState()


# --------------------------------------------------------------------------- the map sheet


class MapSheet(Flowable):
    """A whole map page, drawn from the layout boxes (millimetres from the content's top-left)."""

    def __init__(self, sheet: Sheet, state: _State) -> None:
        super().__init__()
        self.sheet = sheet
        self.state = state
        self.s = sheet.layout.scale

    def wrap(self, avail_width, avail_height):
        self.width, self.height = avail_width, avail_height
        return avail_width, avail_height - 0.5  # never spill onto a next page

    def _box(self, box):
        """A layout box as canvas (x, y, w, h) in points, y upwards from the frame's bottom."""
        return box.x * mm, self.height - (box.y + box.h) * mm, box.w * mm, box.h * mm

    def draw(self) -> None:
        self.state.pages[self.sheet.anchor] = self.canv.getPageNumber()
        self.canv.bookmarkPage(self.sheet.anchor)
        if self.sheet.toc_label:
            self.canv.addOutlineEntry(self.sheet.toc_label, self.sheet.anchor, level=0)
        self._header()
        x, y, w, h = self._box(self.sheet.layout.map)
        self.canv.drawImage(ImageReader(io.BytesIO(self.sheet.image)), x, y, w, h)
        self.canv.setStrokeColor(HexColor("#4d4d4d"))
        self.canv.setLineWidth(0.8)
        self.canv.rect(x, y, w, h, stroke=1, fill=0)
        self._legend()
        self._sources()

    def _header(self) -> None:
        t, c, s = self.sheet.texts, self.canv, self.s
        x, y, w, h = self._box(self.sheet.layout.header)
        top = y + h
        size = 14 * s
        sub = 8.5 * s
        lines = wrap(t.title, FONT_BOLD, size, w)[:2]
        c.setFillColor(TITLE)
        c.setFont(FONT_BOLD, size)
        baseline = top - size * 0.95
        for index, line in enumerate(lines):
            c.drawString(x, baseline - index * size * 1.15, line)
        baseline -= (len(lines) - 1) * size * 1.15 + sub * 1.7
        c.setFillColor(HexColor("#333333"))
        c.setFont(FONT, sub)
        room = w - pdfmetrics.stringWidth(t.produced, FONT, 7.5 * s) - 4 * mm
        for line in wrap(t.subtitle, FONT, sub, room)[:2]:
            c.drawString(x, baseline, line)
            baseline -= sub * 1.2
        c.setFillColor(MUTED)
        c.setFont(FONT, 7.5 * s)
        c.drawRightString(x + w, y + 1.2 * mm, t.produced)
        c.setStrokeColor(TITLE)
        c.setLineWidth(0.6)
        c.line(x, y, x + w, y)

    # legend -------------------------------------------------------------------------------
    def _legend(self) -> None:
        t, L = self.sheet.texts, self.sheet.layout
        x, y, w, h = self._box(L.legend)
        s = self.s
        c = self.canv
        top = y + h
        c.setFillColor(TITLE)
        c.setFont(FONT_BOLD, 10 * s)
        c.drawString(x, top - 10 * s, t.legend_title)
        cursor = top - 10 * s - 3 * mm
        if t.empty:
            cursor = self._notice(t.empty, x, cursor, w, empty=True)
        for line in t.nearby:
            cursor = self._notice(line, x, cursor, w, empty=False)
        if L.orientation == "landscape":
            blocks = [("structures", t.symbols), ("rings", t.rings), ("lines", t.lines), ("notes", t.notes)]
            self._blocks(blocks, x, cursor, w, y)
        else:
            gap = 5 * mm
            col_w = (w - 2 * gap) / 3
            half = (len(t.symbols) + 1) // 2
            self._blocks([("structures", t.symbols[:half])], x, cursor, col_w, y)
            second = [("structures-more", t.symbols[half:])] if t.symbols[half:] else []
            self._blocks([*second, ("notes", t.notes)], x + col_w + gap, cursor, col_w, y)
            self._blocks([("rings", t.rings), ("lines", t.lines)], x + 2 * (col_w + gap), cursor, col_w, y)

    def _blocks(self, blocks, x: float, cursor: float, width: float, bottom: float) -> float:
        t = self.sheet.texts
        headings = {"structures": t.structures_heading, "structures-more": "", "rings": t.verification_heading,
                    "lines": t.boundaries_heading}
        for kind, items in blocks:
            if not items:
                continue
            if kind == "notes":
                for note in items:
                    cursor = self._notice(note, x, cursor, width, empty=False)
                continue
            cursor = self._heading(headings[kind], x, cursor)
            for item in items:
                needed = self._item_height(item, width)
                if cursor - needed < bottom:
                    return cursor
                cursor = self._item(item, x, cursor, width)
        return cursor

    def _heading(self, text: str, x: float, cursor: float) -> float:
        s = self.s
        cursor -= 1.6 * mm
        if text:
            self.canv.setFillColor(MUTED)
            self.canv.setFont(FONT_BOLD, 7 * s)
            self.canv.drawString(x, cursor - 7 * s, text.upper())
        return cursor - 7 * s - 1.4 * mm

    def _label(self, item: LegendItem) -> str:
        return f"{item.label} ({item.count})" if item.count else item.label

    def _item_height(self, item: LegendItem, width: float) -> float:
        s = self.s
        lines = wrap(self._label(item), FONT, 7.5 * s, width - 7 * mm * s)
        return max(5.4 * mm * s, len(lines) * 7.5 * s * 1.2 + 1.5 * mm)

    def _item(self, item: LegendItem, x: float, cursor: float, width: float) -> float:
        s, c = self.s, self.canv
        height = self._item_height(item, width)
        cy = cursor - 2.6 * mm * s
        cx = x + 2.6 * mm * s
        disc = 10 * s
        if item.kind == "symbol":
            draw_symbol(c, cx, cy, disc, item.category, None)
        elif item.kind == "ring":
            draw_symbol(c, cx, cy, disc, None, bool(item.verified))
        elif item.kind == "line":
            draw_line_sample(c, x, cy, 5.2 * mm * s, item)
        elif item.kind == "town":
            draw_town_sample(c, cx, cy, 2.6 * s)
        lines = wrap(self._label(item), FONT, 7.5 * s, width - 7 * mm * s)
        c.setFillColor(INK)
        c.setFont(FONT, 7.5 * s)
        first = cy - 7.5 * s * 0.35 + (len(lines) - 1) * 7.5 * s * 0.6
        for index, line in enumerate(lines):
            c.drawString(x + 7 * mm * s, first - index * 7.5 * s * 1.2, line)
        return cursor - height

    def _notice(self, text: str, x: float, cursor: float, width: float, empty: bool) -> float:
        s, c = self.s, self.canv
        size = (9 if empty else 7) * s
        font = FONT_BOLD if empty else FONT
        pad = 1.4 * mm
        lines = wrap(text, font, size, width - 2 * pad - 1 * mm)
        height = len(lines) * size * 1.25 + 2 * pad
        cursor -= 1.6 * mm
        c.saveState()
        c.setFillColor(EMPTY_BG if empty else NOTE_BG)
        c.setStrokeColor(EMPTY_EDGE if empty else NOTE_BAR)
        if empty:
            c.setLineWidth(0.6)
            c.rect(x, cursor - height, width, height, stroke=1, fill=1)
        else:
            c.rect(x, cursor - height, width, height, stroke=0, fill=1)
            c.setFillColor(NOTE_BAR)
            c.rect(x, cursor - height, 0.8 * mm, height, stroke=0, fill=1)
        c.setFillColor(EMPTY_INK if empty else INK)
        c.setFont(font, size)
        for index, line in enumerate(lines):
            c.drawString(x + pad + 0.8 * mm, cursor - pad - size * (index + 0.85) * 1.25 + size * 0.25, line)
        c.restoreState()
        return cursor - height

    def _sources(self) -> None:
        t, c = self.sheet.texts, self.canv
        x, y, w, h = self._box(self.sheet.layout.footer)
        size = 6.5 * self.s
        c.setStrokeColor(RULE)
        c.setLineWidth(0.4)
        c.line(x, y + h, x + w, y + h)
        text = f"{t.sources_label} — " + " · ".join(t.sources) + "."
        lines = wrap(text, FONT, size, w) + wrap(f"{t.projection} {t.produced}, webmap.", FONT, size, w)
        c.setFillColor(HexColor("#444444"))
        c.setFont(FONT, size)
        cursor = y + h - 1.2 * mm - size
        for line in lines:
            c.drawString(x, cursor, line)
            cursor -= size * 1.3


# --------------------------------------------------------------------------- running marks, TOC


class RunningTitle(Flowable):
    """Zero-size: sets the running header of the pages that follow."""

    def __init__(self, title: str, state: _State) -> None:
        super().__init__()
        self.title, self.state = title, state

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self) -> None:
        self.state.running = self.title


class Contents(Flowable):
    """The atlas's table of contents: names and counts now, page numbers as forms filled at the end."""

    def __init__(self, title: str, entries: list[tuple[str, str, str]], state: _State) -> None:
        super().__init__()
        self.title, self.entries, self.state = title, entries, state

    def wrap(self, avail_width, avail_height):
        self.width, self.height = avail_width, avail_height
        return avail_width, avail_height - 0.5

    def draw(self) -> None:
        c = self.canv
        c.setFillColor(TITLE)
        c.setFont(FONT_BOLD, 13)
        c.drawString(0, self.height - 13, self.title)
        columns = 2
        gap = 10 * mm
        col_w = (self.width - gap) / columns
        per_column = (len(self.entries) + columns - 1) // columns
        line = 5.2 * mm
        for index, (anchor, label, count) in enumerate(self.entries):
            col, row = divmod(index, per_column)
            x = col * (col_w + gap)
            y = self.height - 13 - 8 * mm - row * line
            c.setFillColor(INK)
            c.setFont(FONT, 9)
            c.drawString(x, y, label)
            label_w = pdfmetrics.stringWidth(label, FONT, 9)
            c.setFillColor(MUTED)
            c.setFont(FONT, 7.5)
            c.drawString(x + label_w + 1.5 * mm, y, count)
            start = x + label_w + 1.5 * mm + pdfmetrics.stringWidth(count, FONT, 7.5) + 1.5 * mm
            end = x + col_w - 9 * mm
            if end > start:
                dots = "." * int((end - start) / pdfmetrics.stringWidth(".", FONT, 7.5))
                c.drawString(start, y, dots)
            c.saveState()
            c.translate(x + col_w, y)
            c.doForm(f"toc-{anchor}")
            c.restoreState()
            c.linkRect("", anchor, (x, y - 1.5, x + col_w, y + 9), relative=1, thickness=0)


class Finish(Flowable):
    """Zero-size, last: defines the forms (page total, contents page numbers) now that they are known."""

    def __init__(self, state: _State, anchors: list[str]) -> None:
        super().__init__()
        self.state, self.anchors = state, anchors

    def wrap(self, avail_width, avail_height):
        return 0, 0

    def draw(self) -> None:
        c = self.canv
        total = c.getPageNumber()
        c.beginForm("pages-total", lowerx=0, lowery=-5, upperx=60, uppery=15)
        c.setFont(FONT, FOOTER_TEXT)
        c.setFillColor(HexColor("#333333"))
        c.drawString(0, 0, str(total))
        c.endForm()
        for anchor in self.anchors:
            c.beginForm(f"toc-{anchor}", lowerx=-60, lowery=-5, upperx=0, uppery=15)  # right-aligned at 0
            c.setFont(FONT, 9)
            c.setFillColor(INK)
            c.drawRightString(0, 0, str(self.state.pages.get(anchor, "")))
            c.endForm()


# --------------------------------------------------------------------------- directory table


# A cell (or heading) longer than this is cut with "…": one record never fills a page.
MAX_CELL_LINES = 6
ELLIPSIS = "…"


def _cut_long_words(text: str, font: str, size: float, width: float) -> str:
    """``text`` with any word wider than ``width`` (an e-mail address, a long URL) cut into pieces
    that fit, so that wrapping never lets it run into the next column."""
    words = []
    for word in text.split(" "):
        while pdfmetrics.stringWidth(word, font, size) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and pdfmetrics.stringWidth(word[:cut], font, size) > width:
                cut -= 1
            words.append(word[:cut])
            word = word[cut:]
        words.append(word)
    return " ".join(words)


def _cell(text: str, width: float, size: float = TABLE_TEXT, font: str = FONT,
          max_lines: int = MAX_CELL_LINES) -> str:
    lines = [line for part in (text or "—").split("\n")
             for line in wrap(_cut_long_words(part, font, size, width), font, size, width)]
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and pdfmetrics.stringWidth(last + ELLIPSIS, font, size) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last.rstrip(" ,;") + ELLIPSIS]
    return "\n".join(lines)


TABLE_CHUNK_ROWS = 60  # ReportLab re-measures the rest of a table at every page break: keep tables short


class _DirectoryTables:
    """Builds the directory as one run of tables (cut every ``TABLE_CHUNK_ROWS`` rows), région
    headings and town headings inside the run. The column headings are not table rows: the
    directory pages draw them once at the top of every page (``_Document._column_band``)."""

    def __init__(self, width: float, labels: dict) -> None:
        self.labels = labels
        self.widths = column_widths(width)
        self.pad = CELL_PAD
        self.name_style = ParagraphStyle("n", fontName=FONT, fontSize=TABLE_TEXT, leading=TABLE_LEADING,
                                         textColor=INK)
        self.tables: list = []
        self._new()

    def _new(self) -> None:
        pad = self.pad
        self.data: list[list] = []
        self.style: list[tuple] = [
            ("FONT", (0, 0), (-1, -1), FONT, TABLE_TEXT, TABLE_LEADING),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), 2.2),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
        ]

    def flush(self) -> None:
        if self.data:
            self.tables.append(Table(self.data, colWidths=self.widths, style=TableStyle(self.style)))
        self._new()

    def region(self, group: RegionGroup) -> None:
        if len(self.data) > TABLE_CHUNK_ROWS:
            self.flush()
        r = len(self.data)
        self.style.append(("NOSPLIT", (0, r), (-1, r + 2)))  # region, first town, first row stay together
        heading = f"{group.name} — {self.labels['count'](group.count)}"
        self.data.append([_cell(heading, sum(self.widths) - 2 * self.pad, REGION_TEXT, FONT_BOLD, 2),
                          "", "", "", "", "", ""])
        self.style += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), REGION_BG),
                       ("FONT", (0, r), (-1, r), FONT_BOLD, REGION_TEXT, REGION_TEXT + 2),
                       ("TEXTCOLOR", (0, r), (-1, r), TITLE), ("TOPPADDING", (0, r), (-1, r), 4)]
        for town in group.towns:
            self.town(town)

    def town(self, town: Town) -> None:
        if len(self.data) > TABLE_CHUNK_ROWS:
            self.flush()
        r = len(self.data)
        self.style.append(("NOSPLIT", (0, r), (-1, r + 1)))  # a town heading never ends a page
        self.data.append([_cell(town.name, sum(self.widths) - 2 * self.pad, TOWN_TEXT, FONT_BOLD, 2),
                          "", "", "", "", "", ""])
        self.style += [("SPAN", (0, r), (-1, r)), ("FONT", (0, r), (-1, r), FONT_BOLD, TOWN_TEXT, TOWN_TEXT + 1.6),
                       ("LINEBELOW", (0, r), (-1, r), 0.5, HexColor("#888888"))]
        for row in town.rows:
            if len(self.data) > 2 * TABLE_CHUNK_ROWS:  # a very big town: cut it too
                self.flush()
            self.row(row)

    def row(self, row: DirectoryRow) -> None:
        w, pad, labels = self.widths, self.pad, self.labels
        r = len(self.data)
        # Verified or not reads in black and white too: a tick before the date, or italics.
        last_verified = (VERIFIED_MARK + row.last_verified) if row.verified else row.last_verified
        self.data.append([
            _cell(row.category_label, w[0] - 2 * pad),
            Paragraph(_name_markup(row, labels), self.name_style),
            _cell("\n".join(row.phones), w[2] - 2 * pad),  # one number a line
            _cell(row.email or "", w[3] - 2 * pad),
            _cell(row.needs, w[4] - 2 * pad),
            _cell(row.ages, w[5] - 2 * pad),
            _cell(last_verified, w[6] - 2 * pad, font=FONT if row.verified else FONT_ITALIC),
        ])
        self.style += [("LINEBELOW", (0, r), (-1, r), 0.3, ROW_RULE),
                       ("TEXTCOLOR", (6, r), (6, r), VERIFIED_INK if row.verified else TO_VERIFY_INK)]
        if not row.verified:
            self.style.append(("FONT", (6, r), (6, r), FONT_ITALIC, TABLE_TEXT, TABLE_LEADING))


CELL_PAD = 2.4  # points of cell padding, left and right


def column_widths(width: float) -> list[float]:
    return [width * share for share in COLUMNS]


def column_headings(labels: dict) -> list[str]:
    return [labels["category"], labels["structure"], labels["phones"], labels["email"],
            labels["needs"], labels["ages"], labels["last_verified"]]


def directory_flowables(sheet: Sheet, width: float, labels: dict, state: _State) -> list:
    """Heading and tables of one sheet's directory (rows grouped by region, then town)."""
    builder = _DirectoryTables(width, labels)
    for group in sheet.groups:
        builder.region(group)
    builder.flush()
    # The title is drawn by the first directory page, above the column headings.
    return [RunningTitle(sheet.table_title or "", state), *builder.tables]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _name_markup(row: DirectoryRow, labels: dict) -> str:
    parts = [f"<b>{_escape(row.name)}</b>"]
    if row.organization:
        parts.append(f'<font color="#555555">{_escape(row.organization)}</font>')
    if row.confidential:
        parts.append(f'<font color="#555555">{_escape(labels["confidential"])}</font>')
    elif row.address:
        parts.append(_escape(row.address))
    if row.public_contact:
        parts.append(f'<font color="#555555">{_escape(labels["public_contact"])}</font> {_escape(row.public_contact)}')
    if row.demo:
        parts.append(f'<font color="#8a1c1c"><b>{_escape(labels["demo"])}</b></font>')
    return "<br/>".join(parts)


# --------------------------------------------------------------------------- the document


class _Document(BaseDocTemplate):
    def __init__(self, buffer, layout: PageLayout, state: _State, footer_left: str, produced: str,
                 headings: list[str], produced_on: dt.date | None = None, **kw):
        top, right, bottom, left = (m * mm for m in layout.margin)
        super().__init__(
            buffer, pagesize=(layout.page_w * mm, layout.page_h * mm), leftMargin=left, rightMargin=right,
            topMargin=top, bottomMargin=bottom, invariant=1, **kw,
        )
        self.state, self.footer_left, self.produced = state, footer_left, produced
        self.produced_on, self.headings = produced_on, headings

        def frame(reserved_top: float = 0.0) -> Frame:
            return Frame(left, bottom, self.width, self.height - reserved_top, leftPadding=0, rightPadding=0,
                         topPadding=0, bottomPadding=0, id="content")

        self.addPageTemplates([
            PageTemplate(id="sheet", frames=[frame()], onPageEnd=self._footer),
            PageTemplate(id="table", frames=[frame()], onPageEnd=self._header_footer),
            PageTemplate(id="directory-first", frames=[frame(TABLE_TITLE_HEIGHT + BAND_HEIGHT)],
                         onPageEnd=self._directory_first_page),
            PageTemplate(id="directory", frames=[frame(BAND_HEIGHT)], onPageEnd=self._directory_page),
        ])

    def beforeDocument(self) -> None:
        # ``invariant`` output carries a fixed date; the metadata states the production day instead
        if self.produced_on is not None:
            stamp = f"D:{self.produced_on:%Y%m%d}000000+00'00'"
            self.canv.setDateFormatter(lambda *_parts: stamp)

    def _footer(self, canvas, doc) -> None:
        canvas.saveState()
        width = self.pagesize[0]
        y = self.bottomMargin / 2 - 2
        canvas.setFont(FONT, FOOTER_TEXT)
        canvas.setFillColor(HexColor("#777777"))
        canvas.drawString(self.leftMargin, y, self.footer_left)
        canvas.setFont(FONT, FOOTER_TEXT)
        canvas.setFillColor(HexColor("#333333"))
        number = f"{canvas.getPageNumber()} / "
        right = width - self.rightMargin
        total_w = pdfmetrics.stringWidth("0000", FONT, FOOTER_TEXT)
        x = right - total_w - pdfmetrics.stringWidth(number, FONT, FOOTER_TEXT)
        canvas.drawString(x, y, number)
        canvas.translate(x + pdfmetrics.stringWidth(number, FONT, FOOTER_TEXT), y)
        canvas.doForm("pages-total")
        canvas.restoreState()

    def _column_band(self, canvas, top: float) -> None:
        """The directory's column headings, a dark band whose top edge is at ``top``."""
        canvas.saveState()
        canvas.setFillColor(TITLE)
        canvas.rect(self.leftMargin, top - BAND_HEIGHT, self.width, BAND_HEIGHT, stroke=0, fill=1)
        canvas.setFillColor(white)
        canvas.setFont(FONT_BOLD, TABLE_TEXT)
        x = self.leftMargin
        for heading, width in zip(self.headings, column_widths(self.width), strict=True):
            lines = _cell(heading, width - 2 * CELL_PAD, TABLE_TEXT, FONT_BOLD, 2).split("\n")
            for index, line in enumerate(lines):
                canvas.drawString(x + CELL_PAD, top - 2.2 * mm - TABLE_TEXT - index * TABLE_LEADING, line)
            x += width
        canvas.restoreState()

    def _directory_first_page(self, canvas, doc) -> None:
        top = self.pagesize[1] - self.topMargin
        canvas.saveState()
        canvas.setFont(FONT_BOLD, 13)
        canvas.setFillColor(TITLE)
        title = _cell(self.state.running, self.width, 13, FONT_BOLD, 1)
        canvas.drawString(self.leftMargin, top - 6 * mm, title)
        canvas.restoreState()
        self._column_band(canvas, top - TABLE_TITLE_HEIGHT)
        self._header_footer(canvas, doc)

    def _directory_page(self, canvas, doc) -> None:
        self._column_band(canvas, self.pagesize[1] - self.topMargin)
        self._header_footer(canvas, doc)

    def _header_footer(self, canvas, doc) -> None:
        canvas.saveState()
        y = self.pagesize[1] - self.topMargin + 3 * mm
        canvas.setFont(FONT, FOOTER_TEXT)
        canvas.setFillColor(MUTED)
        canvas.drawString(self.leftMargin, y, self.state.running)
        canvas.drawRightString(self.pagesize[0] - self.rightMargin, y, self.produced)
        canvas.restoreState()
        self._footer(canvas, doc)


def render_document(
    sheets: list[Sheet],
    *,
    lang: str,
    title: str,
    subject: str,
    produced: str,
    labels: dict,
    produced_on: dt.date | None = None,
    toc: bool = False,
    toc_title: str = "",
) -> bytes:
    """Lay out map sheets (+ their tables, + a table of contents after the first one) as PDF bytes."""
    register_fonts()
    state = _State()
    buffer = io.BytesIO()
    layout = sheets[0].layout
    doc = _Document(buffer, layout, state, footer_left=f"webmap · {title}", produced=produced,
                    headings=column_headings(labels), produced_on=produced_on, title=title,
                    author="webmap", creator="webmap", producer="webmap (ReportLab)", subject=subject, lang=lang)
    story: list = []
    for index, sheet in enumerate(sheets):
        if index:
            story += [NextPageTemplate("sheet"), PageBreak()]
        story.append(MapSheet(sheet, state))
        if index == 0 and toc:
            entries = [(s.anchor, s.toc_label or "", labels["count"](s.count)) for s in sheets[1:]]
            story += [NextPageTemplate("table"), PageBreak(), RunningTitle(toc_title, state),
                      Contents(toc_title, entries, state)]
        if sheet.table_title and sheet.groups:
            story += [NextPageTemplate(["directory-first", "*", "directory"]), PageBreak(),
                      *directory_flowables(sheet, doc.width, labels, state)]
    story += [Spacer(0, 0), Finish(state, [s.anchor for s in sheets[1:]] if toc else [])]
    try:
        doc.build(story)
    except LayoutError as exc:  # a cell taller than a page: never expected from directory data
        raise RuntimeError(f"printable document layout failed: {exc}") from exc
    return buffer.getvalue()
