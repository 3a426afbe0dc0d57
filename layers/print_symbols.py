"""The catalogue's styles translated for matplotlib, so the printed map draws the web map's symbols.

Nothing here defines a colour, an icon or a proportion: every value comes from
:mod:`layers.catalogue` (``CATEGORY_STYLES``, the boundary layers' ``LineStyle``) and
:mod:`layers.symbols` (the symbol's geometry). This module only converts them:

* a service symbol is the web marker — a disc of the category ``color`` with a white rim and the
  Font Awesome *solid* glyph in ``icon_color`` — drawn with matplotlib markers built from the very
  font file the web map's inline SVG symbols are read from (``fa-solid-900.ttf`` of the
  XStatic-Font-Awesome package, :func:`layers.symbols.font_awesome_solid`);
* the verification state adds an outer ring: solid for "verified", dashed for "to be verified"
  (explained in the printed legend);
* CSS pixels become points (1 px = 0.75 pt) and SVG dash arrays become matplotlib dash tuples.

Imports matplotlib lazily-safe (Agg only, no pyplot) and holds no Flask state.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from matplotlib.font_manager import FontProperties
from matplotlib.markers import MarkerStyle
from matplotlib.path import Path as MplPath
from matplotlib.textpath import TextPath

from .catalogue import CATEGORY_STYLES, FALLBACK_CATEGORY_STYLE, CategoryStyle, LineStyle, layer
from .symbols import DISC_PX, GLYPH_PX, RIM_COLOR, RIM_PX, font_awesome_solid

PX_TO_PT = 0.75
FALLBACK_STYLE = FALLBACK_CATEGORY_STYLE

# The web marker's proportions (layers.symbols): disc, white rim, glyph.
GLYPH_RATIO = GLYPH_PX / DISC_PX
RIM_RATIO = RIM_PX / DISC_PX

# Verification ring, outside the rim; colours of the web badges (map.css .wm-badge-*).
VERIFIED_RING = "#1b5e20"
TO_VERIFY_RING = "#7c5e10"
RING_DASHES = (1.6, 1.2)  # in ring line widths


def category_style(code: str) -> CategoryStyle:
    return CATEGORY_STYLES.get(code, FALLBACK_STYLE)


def _drawn(text_path: TextPath) -> np.ndarray:
    """The vertices that are drawn: a CLOSEPOLY's vertex (often the origin) is not."""
    vertices = np.asarray(text_path.vertices, dtype=float)
    if text_path.codes is None:
        return vertices
    return vertices[np.asarray(text_path.codes) != MplPath.CLOSEPOLY]


def _glyph_path(code_point: int) -> TextPath:
    prop = FontProperties(fname=str(font_awesome_solid()))
    return TextPath((0, 0), chr(code_point), size=1, prop=prop)


@lru_cache(maxsize=64)
def glyph_marker(code_point: int) -> MarkerStyle:
    """A matplotlib marker of one Font Awesome glyph, centred on its bounding box.

    matplotlib scales a path marker so that its largest coordinate is 0.5 (of the marker size);
    the glyph is centred and padded to a unit square, so its *height or width*, whichever is
    larger, equals the marker size — as a CSS icon of ``font-size`` does, and as the web map's
    SVG symbol (:func:`layers.symbols.glyph_path`) is drawn.
    """
    text_path = _glyph_path(code_point)
    drawn = _drawn(text_path)
    if len(drawn) == 0:
        return MarkerStyle("o")
    lo, hi = drawn.min(axis=0), drawn.max(axis=0)
    centred = (np.asarray(text_path.vertices, dtype=float) - (lo + hi) / 2) / max(hi - lo)
    return MarkerStyle(MplPath(centred, text_path.codes))


@lru_cache(maxsize=64)
def glyph_bounds(code_point: int) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) of a Font Awesome glyph drawn at size 1 from its baseline origin,
    for centring it with other drawing tools (the PDF's vector legend)."""
    drawn = _drawn(_glyph_path(code_point))
    if len(drawn) == 0:
        return (0.0, 0.0, 1.0, 1.0)
    (xmin, ymin), (xmax, ymax) = drawn.min(axis=0), drawn.max(axis=0)
    return (float(xmin), float(ymin), float(xmax), float(ymax))


@dataclass(frozen=True)
class SymbolSizes:
    """Sizes in points of the disc (diameter), glyph, rim and verification ring."""

    disc: float

    @property
    def glyph(self) -> float:
        return self.disc * GLYPH_RATIO

    @property
    def rim(self) -> float:
        return max(self.disc * RIM_RATIO, 0.4)

    @property
    def ring_width(self) -> float:
        return max(self.disc * 0.09, 0.6)

    @property
    def ring(self) -> float:
        """Diameter of the ring's centre line (just outside the rim)."""
        return self.disc + self.rim + self.ring_width * 1.2


def ring_style(verified: bool) -> dict:
    """Edge colour and dash pattern of the verification ring."""
    if verified:
        return {"edgecolors": VERIFIED_RING, "linestyles": "solid"}
    return {"edgecolors": TO_VERIFY_RING, "linestyles": (0, RING_DASHES)}


def draw_symbols(ax, xs, ys, category: str, verified: bool, disc_pt: float, zorder: float = 10) -> list:
    """Draw the symbols of one category and verification state at data points ``xs``, ``ys``.

    Three scatter layers (ring, disc with rim, glyph): fast for thousands of points and identical
    for every point of a kind. Returns the artists.
    """
    if len(xs) == 0:
        return []
    style = category_style(category)
    sizes = SymbolSizes(disc_pt)
    ring = ax.scatter(
        xs, ys, s=sizes.ring**2, marker="o", facecolors="none", linewidths=sizes.ring_width,
        zorder=zorder, **ring_style(verified),
    )
    disc = ax.scatter(
        xs, ys, s=sizes.disc**2, marker="o", c=style.color, edgecolors=RIM_COLOR,
        linewidths=sizes.rim, zorder=zorder + 0.1,
    )
    glyph = ax.scatter(
        xs, ys, s=sizes.glyph**2, marker=glyph_marker(style.glyph), c=style.icon_color,
        linewidths=0, zorder=zorder + 0.2,
    )
    return [ring, disc, glyph]


def draw_symbol_layers(ax, xs, ys, categories, verified, disc_pt: float, zorder: float = 10) -> list:
    """Draw many symbols of mixed categories and states with few artists (fast for 1,000s).

    Same look as :func:`draw_symbols`: one scatter per ring style, one for every disc (colours per
    point), one per glyph. Points are drawn in the order given.
    """
    xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
    if len(xs) == 0:
        return []
    sizes = SymbolSizes(disc_pt)
    verified = np.asarray(verified, dtype=bool)
    styles = [category_style(code) for code in categories]
    artists = []
    for state in (True, False):
        mask = verified == state
        if mask.any():
            artists.append(ax.scatter(
                xs[mask], ys[mask], s=sizes.ring**2, marker="o", facecolors="none", linewidths=sizes.ring_width,
                zorder=zorder, **ring_style(state),
            ))
    artists.append(ax.scatter(
        xs, ys, s=sizes.disc**2, marker="o", c=[style.color for style in styles], edgecolors=RIM_COLOR,
        linewidths=sizes.rim, zorder=zorder + 0.1,
    ))
    codes = np.array(list(categories))
    for code in dict.fromkeys(categories):  # first-seen order: deterministic
        mask = codes == code
        style = category_style(code)
        artists.append(ax.scatter(
            xs[mask], ys[mask], s=sizes.glyph**2, marker=glyph_marker(style.glyph), c=style.icon_color,
            linewidths=0, zorder=zorder + 0.2,
        ))
    return artists


def line_kwargs(layer_id: str, scale: float = 1.0) -> dict:
    """matplotlib keyword arguments for a boundary layer's lines (colour, width in pt, dashes)."""
    style: LineStyle | None = layer(layer_id).style
    if style is None:
        raise ValueError(f"layer {layer_id!r} has no line style")
    kwargs = {
        "color": style.color,
        "linewidth": style.weight * PX_TO_PT * scale,
        "alpha": style.opacity,
    }
    if style.dash_array:
        dashes = tuple(float(v) for v in style.dash_array.replace(",", " ").split())
        # matplotlib dashes are in line widths; the catalogue's are in px like the SVG/Leaflet ones.
        width_px = max(style.weight, 0.1)
        kwargs["linestyle"] = (0, tuple(d / width_px for d in dashes))
    return kwargs


def fill_color(layer_id: str) -> str | None:
    style = layer(layer_id).style
    if style is None or style.fill_opacity <= 0:
        return None
    return style.fill_color or style.color
