"""The service symbol, defined once for the web map, its legend and the printed map.

A service is drawn as a disc of its category's ``color`` (:data:`layers.catalogue.CATEGORY_STYLES`)
with a white rim and the category's Font Awesome Free *solid* glyph in ``icon_color``. The glyph's
outline is read from the pinned font file (``fa-solid-900.ttf`` of XStatic-Font-Awesome, the file
:mod:`layers.print_symbols` draws with matplotlib and the PDF legend with ReportLab): the web map
gets it as small SVG ``<symbol>`` elements (:func:`sprite`, one per category, served as one
fingerprinted file that the map's script places in the page, where markers, popups and the legend
reference them with ``<use href="#wm-symbol-<code>">``), so the browser loads no icon font.

Geometry in CSS pixels (the web marker; print scales it): a ``DISC_PX`` disc whose ``RIM_PX`` rim
lies inside it, the glyph centred on its outline's bounding box, its larger side ``GLYPH_PX``.
No Flask import: print code uses this module from a CLI command.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from .catalogue import (
    CATEGORY_STYLES,
    FALLBACK_CATEGORY_STYLE,
    FALLBACK_SYMBOL,
    SYMBOL_ID_PREFIX,
    CategoryStyle,
)

DISC_PX = 30
RIM_PX = 2
GLYPH_PX = 14
RIM_COLOR = "#ffffff"


def font_awesome_solid() -> Path:
    """``fa-solid-900.ttf`` of the pinned XStatic-Font-Awesome package."""
    import xstatic.pkg.font_awesome as fa

    path = Path(fa.BASE_DIR) / "webfonts" / "fa-solid-900.ttf"
    if not path.is_file():
        raise FileNotFoundError(f"Font Awesome solid font not found at {path}")
    return path


@lru_cache(maxsize=1)
def _font():
    from fontTools.ttLib import TTFont

    return TTFont(str(font_awesome_solid()), lazy=True)


def _number(value: float, digits: int = 2) -> str:
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _tenth(value: float) -> str:
    """A glyph coordinate: 0.1 px is below what a screen shows of a 14 px glyph."""
    return _number(value, 1)


@lru_cache(maxsize=64)
def glyph_path(
    code_point: int, size: float = GLYPH_PX, centre: tuple[float, float] = (DISC_PX / 2, DISC_PX / 2)
) -> str:
    """SVG path data of a glyph (y downwards), its larger side ``size``, centred on ``centre``.

    Centred on the bounding box of its outline's points (as :func:`layers.print_symbols.glyph_marker`).
    """
    from fontTools.pens.boundsPen import ControlBoundsPen
    from fontTools.pens.svgPathPen import SVGPathPen
    from fontTools.pens.transformPen import TransformPen

    font = _font()
    name = font.getBestCmap().get(code_point)
    if name is None:
        raise KeyError(f"no glyph for U+{code_point:04X} in {font_awesome_solid().name}")
    glyphs = font.getGlyphSet()
    bounds_pen = ControlBoundsPen(glyphs)
    glyphs[name].draw(bounds_pen)
    xmin, ymin, xmax, ymax = bounds_pen.bounds
    scale = size / max(xmax - xmin, ymax - ymin)
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    svg_pen = SVGPathPen(glyphs, ntos=_tenth)
    transform = (scale, 0, 0, -scale, centre[0] - cx * scale, centre[1] + cy * scale)
    glyphs[name].draw(TransformPen(svg_pen, transform))
    return svg_pen.getCommands()


@dataclass(frozen=True)
class WebSymbol:
    """One category's symbol for the browser: its ``<symbol>`` element id and markup."""

    code: str
    style: CategoryStyle

    @property
    def element_id(self) -> str:
        return SYMBOL_ID_PREFIX + self.code

    def svg(self) -> str:
        """``<symbol>`` markup (30×30 view box): rimmed disc, then the glyph."""
        radius = (DISC_PX - RIM_PX) / 2
        style = self.style
        return (
            f'<symbol id="{escape(self.element_id)}" viewBox="0 0 {DISC_PX} {DISC_PX}" '
            f'data-category="{escape(self.code)}" data-glyph="{style.glyph:x}">'
            f'<circle cx="{_number(DISC_PX / 2)}" cy="{_number(DISC_PX / 2)}" r="{_number(radius)}" '
            f'fill="{escape(style.color)}" stroke="{RIM_COLOR}" stroke-width="{RIM_PX}"/>'
            f'<path fill="{escape(style.icon_color)}" d="{glyph_path(style.glyph)}"/>'
            "</symbol>"
        )


def web_symbols() -> list[WebSymbol]:
    """Every category's symbol, in catalogue order, then the fallback."""
    found = [WebSymbol(code, style) for code, style in CATEGORY_STYLES.items()]
    return [*found, WebSymbol(FALLBACK_SYMBOL, FALLBACK_CATEGORY_STYLE)]


@lru_cache(maxsize=1)
def sprite() -> str:
    """An SVG document holding every category's ``<symbol>``, hidden where it is placed."""
    inner = "".join(symbol.svg() for symbol in web_symbols())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" class="wm-sprite" width="0" height="0" '
        f'aria-hidden="true" focusable="false">{inner}</svg>\n'
    )


@lru_cache(maxsize=1)
def sprite_version() -> str:
    """12 hex digits of the sprite's SHA-256 (its URL's ``v``)."""
    import hashlib

    return hashlib.sha256(sprite().encode("utf-8")).hexdigest()[:12]
