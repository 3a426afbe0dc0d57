"""The map itself, drawn with matplotlib (Agg) in the print projection; returns PNG bytes.

Flask-free and offline: boundaries, neighbours and towns come from :mod:`.basemap`, structures
from a :class:`~.scene.Scene`, symbols from :mod:`layers.print_symbols` (the web legend's).
Deterministic: everything is drawn in a fixed order and the PNG carries no metadata.

Layout work (labels, symbol displacement) happens in *paper points* measured from the lower-left
corner of the map frame, so font sizes and symbol sizes are true on paper at any resolution.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import shapely
import shapely.prepared
from babel.numbers import format_decimal
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.patches import Rectangle
from matplotlib.path import Path as MplPath
from PIL import Image
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.ops import polylabel

from layers import print_symbols as sym

from ..text import fold
from .basemap import Area, Basemap
from .placement import FONT_FAMILY, Occupancy, displace, label_offsets, nice_length, text_size, wrap_label
from .scene import MapPoint, Scene

MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH

# Print-only colours: the surroundings (the catalogue styles what lies inside the country).
SEA = "#d5e7f2"
NEIGHBOUR_FILL = "#e4e4e4"
NEIGHBOUR_EDGE = "#b3b3b3"
NEIGHBOUR_LABEL = "#8f8f8f"
OUTSIDE_FOCUS_FILL = "#ecebe6"
FOCUS_EDGE = "#3d3d3d"
REGION_LABEL = "#6d6d6d"
DEPARTEMENT_LABEL = "#7a7a7a"
TOWN_COLOR = "#262626"
INSET_FOCUS = "#d7191c"
FRAME_COLOR = "#4d4d4d"

# Per extent level: margin around the focus (share of its size), smallest span shown (m),
# symbol disc (pt), how many towns to label, label sizes (pt).
LEVEL_STYLE = {
    "adm0": {"margin": 0.03, "min_span": 100_000, "disc": 9.0, "towns": 26, "town_pt": 6.3,
             "region_pt": 5.6, "dep_pt": 0.0},
    "adm1": {"margin": 0.10, "min_span": 40_000, "disc": 11.0, "towns": 18, "town_pt": 7.0,
             "region_pt": 6.5, "dep_pt": 6.2},
    "adm2": {"margin": 0.14, "min_span": 25_000, "disc": 11.0, "towns": 16, "town_pt": 7.0,
             "region_pt": 6.5, "dep_pt": 6.2},
}

MAJOR_TOWNS = 10  # labelled before the area names


@dataclass(frozen=True)
class MapTexts:
    """Words drawn inside the map, already in the page's language."""

    neighbours: dict[str, str]  # ISO3 → name
    sea: str
    north: str
    km: str
    locale: str = "fr"  # for numbers on the scale bar (12,5 in French)


@dataclass(frozen=True)
class Drawn:
    """What the renderer drew (for tests and the legend): structures at their final places."""

    frame: tuple[float, float, float, float]
    points: tuple[MapPoint, ...]
    symbol_xy: tuple[tuple[float, float], ...]  # print CRS, after displacement
    towns: tuple[str, ...]
    scale_km: float


# --------------------------------------------------------------------------- geometry helpers


def fit_frame(bounds, aspect: float, margin: float, min_span: float) -> tuple[float, float, float, float]:
    """The focus bounds with a margin, grown to the frame's aspect ratio (width / height)."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max(x1 - x0, min_span) * (1 + 2 * margin)
    h = max(y1 - y0, min_span) * (1 + 2 * margin)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


def _ring_codes(n: int) -> list[int]:
    return [MplPath.MOVETO] + [MplPath.LINETO] * (n - 2) + [MplPath.CLOSEPOLY]


def geometry_path(geom) -> MplPath:
    """A compound matplotlib path of a (multi)polygon, holes included."""
    polygons = geom.geoms if isinstance(geom, MultiPolygon) else [geom]
    vertices, codes = [], []
    for polygon in polygons:
        if not isinstance(polygon, Polygon) or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.asarray(ring.coords)
            if len(coords) < 4:
                continue
            vertices.append(coords)
            codes.extend(_ring_codes(len(coords)))
    if not vertices:
        return MplPath(np.zeros((1, 2)), [MplPath.MOVETO])
    return MplPath(np.concatenate(vertices), codes)


def _polygonal(geom):
    """Only the polygonal parts (make_valid can return collections)."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon | MultiPolygon)]
    return shapely.union_all(parts) if parts else Polygon()


# --------------------------------------------------------------------------- drawing


class MapPainter:
    """Draws one scene into an axes occupying a frame of ``width_mm`` × ``height_mm`` on paper."""

    def __init__(self, fig: Figure, rect, scene: Scene, texts: MapTexts, width_mm: float, height_mm: float,
                 type_scale: float = 1.0) -> None:
        self.fig = fig
        self.scene = scene
        self.texts = texts
        self.basemap: Basemap = scene.basemap
        self.style = LEVEL_STYLE[scene.level]
        self.type_scale = type_scale
        self.w_pt, self.h_pt = width_mm * PT_PER_MM, height_mm * PT_PER_MM
        self.frame = fit_frame(scene.focus.bounds, width_mm / height_mm, self.style["margin"], self.style["min_span"])
        x0, y0, x1, y1 = self.frame
        self.k = self.w_pt / (x1 - x0)  # points per metre
        self.ax = fig.add_axes(rect)
        self.ax.set_xlim(x0, x1)
        self.ax.set_ylim(y0, y1)
        self.ax.set_aspect("auto")
        self.ax.set_xticks([])
        self.ax.set_yticks([])
        self.ax.set_facecolor(SEA)
        for spine in self.ax.spines.values():
            spine.set_edgecolor(FRAME_COLOR)
            spine.set_linewidth(0.8)
        self.occupied = Occupancy(self.w_pt, self.h_pt)
        self.frame_box = box(*self.frame)
        self._town_xy: list[tuple[float, float]] = []
        self._town_names: list[str] = []

    # coordinates ---------------------------------------------------------------------------
    def to_pt(self, x, y):
        return (np.asarray(x) - self.frame[0]) * self.k, (np.asarray(y) - self.frame[1]) * self.k

    def to_data(self, px, py):
        return self.frame[0] + np.asarray(px) / self.k, self.frame[1] + np.asarray(py) / self.k

    def size(self, pt: float) -> float:
        return pt * self.type_scale

    # layers --------------------------------------------------------------------------------
    def draw(self) -> Drawn:
        self._neighbours()
        self._areas()
        self._lines()
        self._reserve_furniture()
        symbol_xy, groups = self._structures()
        self._neighbour_labels()
        candidates = self._town_candidates(groups)
        towns = self._town_names
        hosting = sum(1 for c in candidates if c[3] is not None)
        if self.scene.level == "adm0":
            self._towns(candidates, towns, hosting + MAJOR_TOWNS)  # the main towns before the regions ...
            self._area_labels()
            self._towns(candidates, towns, self.style["towns"])  # ... and the others where room is left
        else:  # département names mostly repeat their main town's: towns first
            self._towns(candidates, towns, self.style["towns"])
            self._area_labels()
        scale_km = self._scale_bar()
        self._north_arrow()
        if self.scene.level != "adm0":
            self._inset()
        return Drawn(self.frame, self.scene.points, symbol_xy, tuple(towns), scale_km)

    def _add_paths(self, geoms, facecolor, edgecolor="none", linewidth=0.0, zorder=1.0, **kw):
        paths = [geometry_path(g) for g in geoms]
        if not paths:
            return
        collection = PathCollection(
            paths, facecolors=facecolor, edgecolors=edgecolor, linewidths=linewidth,
            transform=self.ax.transData, zorder=zorder, **kw,
        )
        self.ax.add_collection(collection)

    def _neighbours(self) -> None:
        visible = [
            n for n in self.basemap.neighbours if n.iso3 != "CIV" and n.geom.intersects(self.frame_box)
        ]
        self._add_paths([n.geom for n in visible], NEIGHBOUR_FILL, NEIGHBOUR_EDGE, 0.5, zorder=1)
        if self.basemap.border_seam is not None:
            self._add_paths([_polygonal(self.basemap.border_seam)], NEIGHBOUR_FILL, zorder=1.1)
        self._neighbour_shapes = visible

    def _neighbour_labels(self) -> None:
        size = self.size(7.5 if self.scene.level == "adm0" else 7.0)
        for neighbour in self._neighbour_shapes:
            part = _polygonal(neighbour.geom.intersection(self.frame_box.buffer(-4 / self.k)))
            if part.is_empty:
                continue
            label = self.texts.neighbours.get(neighbour.iso3, neighbour.name).upper()
            w, h = text_size(label, size)
            if part.area < (w / self.k) * (h / self.k) * 3:
                continue
            largest = max(getattr(part, "geoms", [part]), key=lambda g: g.area)
            point = polylabel(largest, tolerance=max(largest.length / 500, 50.0))
            px, py = self.to_pt(point.x, point.y)
            bx = (px - w / 2, py - h / 2, px + w / 2, py + h / 2)
            if not self.occupied.inside(bx) or not self.occupied.free(bx):
                continue
            self.occupied.add(bx)
            self.ax.text(point.x, point.y, label, ha="center", va="center", fontsize=size,
                         color=NEIGHBOUR_LABEL, family=FONT_FAMILY, zorder=2)
        # the sea, when visible: in the lower part of the frame, south of the coast
        sea = _polygonal(self.frame_box.difference(self.basemap.land))
        if sea.is_empty or not self.texts.sea:
            return
        size = self.size(7.5)
        w, h = text_size(self.texts.sea, size)
        largest = max(getattr(sea, "geoms", [sea]), key=lambda g: g.area)
        if largest.area < (w / self.k) * (h / self.k) * 4:
            return
        point = polylabel(largest, tolerance=max(largest.length / 500, 50.0))
        px, py = self.to_pt(point.x, point.y)
        bx = (px - w / 2, py - h / 2, px + w / 2, py + h / 2)
        if self.occupied.inside(bx) and self.occupied.free(bx):
            self.occupied.add(bx)
            self.ax.text(point.x, point.y, self.texts.sea, ha="center", va="center", fontsize=size,
                         color="#5b87a6", style="italic", family=FONT_FAMILY, zorder=2)

    def _areas(self) -> None:
        fill = sym.fill_color("regions") or "#ffffff"
        regions = self.basemap.regions
        if self.scene.level == "adm0":
            self._add_paths([r.geom for r in regions], fill, zorder=3)
            return
        self._add_paths([self.basemap.country.geom], OUTSIDE_FOCUS_FILL, zorder=3)
        self._add_paths([self.scene.focus.geom], fill, zorder=3.1)

    def _lines(self) -> None:
        dep = sym.line_kwargs("departements", 1.0 if self.scene.level == "adm0" else 1.4)
        self.ax.add_collection(LineCollection(list(self.basemap.departement_lines), zorder=4, **_lc(dep)))
        reg = sym.line_kwargs("regions", 1.0 if self.scene.level == "adm0" else 1.3)
        self.ax.add_collection(LineCollection(list(self.basemap.region_lines), zorder=4.1, **_lc(reg)))
        if self.scene.level != "adm0":
            self._add_paths([self.scene.focus.geom], "none", FOCUS_EDGE, 1.6, zorder=4.3)
        country = sym.line_kwargs("country")
        self._add_paths([self.basemap.country.geom], "none", country["color"], country["linewidth"], zorder=4.2)

    def _reserve_furniture(self) -> None:
        """Keep labels off the scale bar, the north arrow and the inset."""
        s = self.type_scale
        self.occupied.add((0, 0, 150 * s, 30 * s))  # scale bar, lower left
        self.occupied.add((self.w_pt - 34 * s, self.h_pt - 46 * s, self.w_pt, self.h_pt))  # north arrow
        if self.scene.level != "adm0":
            w, h = self._inset_size()
            self.occupied.add((self.w_pt - w - 6, 0, self.w_pt, h + 6))

    def _structures(self):
        points = self.scene.points
        if not points:
            return (), []
        disc = self.size(self.style["disc"])
        sizes = sym.SymbolSizes(disc)
        footprint = sizes.ring + sizes.ring_width + 0.6
        px, py = self.to_pt([p.x for p in points], [p.y for p in points])
        placed, groups = displace(np.column_stack([px, py]), footprint)
        for x, y in placed:
            half = footprint / 2
            self.occupied.add((x - half, y - half, x + half, y + half))
        dx, dy = self.to_data(placed[:, 0], placed[:, 1])
        sym.draw_symbol_layers(self.ax, dx, dy, [p.category for p in points], [p.verified for p in points], disc,
                               zorder=20)
        return tuple(zip(dx.tolist(), dy.tolist(), strict=True)), groups

    def _label(self, x: float, y: float, text: str, size: float, color: str, weight="normal", halo=1.6,
               zorder=9, style="normal") -> None:
        self.ax.text(
            x, y, text, ha="center", va="center", fontsize=size, color=color, fontweight=weight,
            family=FONT_FAMILY, zorder=zorder, style=style, linespacing=1.05,
            path_effects=[patheffects.withStroke(linewidth=halo, foreground="white")] if halo else None,
        )

    def _place_area_label(self, area: Area, size: float, color: str, upper: bool, style: str = "normal") -> bool:
        if not upper and fold(area.name) in {fold(name) for name in self._town_names}:
            return False  # the town of the same name is labelled: its département name would repeat it
        name = area.name.upper() if upper else area.name
        lines = wrap_label(name, size, max_width=max((area.bounds[2] - area.bounds[0]) * self.k * 0.9, 40))
        w = max(text_size(line, size)[0] for line in lines)
        h = size * 1.15 * len(lines)
        px, py = self.to_pt(*area.label_xy)
        for ox, oy in label_offsets(w, h):
            bx = (px + ox - w / 2, py + oy - h / 2, px + ox + w / 2, py + oy + h / 2)
            if self.occupied.inside(bx) and self.occupied.free(bx):
                self.occupied.add(bx)
                x, y = self.to_data(px + ox, py + oy)
                self._label(float(x), float(y), "\n".join(lines), size, color, halo=1.2, style=style)
                return True
        return False

    def _area_labels(self) -> None:
        level = self.scene.level
        region_pt = self.size(self.style["region_pt"])
        dep_pt = self.size(self.style["dep_pt"])
        if level == "adm0":
            for region in self.basemap.regions:
                self._place_area_label(region, region_pt, REGION_LABEL, upper=True)
            return
        focus = self.scene.focus
        inside_frame = [a for a in self.basemap.departements if a.geom.intersects(self.frame_box)]
        if level == "adm1":
            for dep in inside_frame:
                if dep.parent_pcode == focus.pcode:
                    self._place_area_label(dep, dep_pt, DEPARTEMENT_LABEL, upper=False, style="italic")
        else:
            for dep in inside_frame:
                if dep.pcode != focus.pcode and dep.geom.intersection(self.frame_box).area > dep.geom.area * 0.3:
                    self._place_area_label(dep, dep_pt * 0.9, DEPARTEMENT_LABEL, upper=False, style="italic")
        for region in self.basemap.regions:
            if region.pcode == focus.pcode or region.pcode == focus.parent_pcode:
                continue
            visible = region.geom.intersection(self.frame_box)
            if visible.area > region.geom.area * 0.25:
                self._place_area_label(region, region_pt, REGION_LABEL, upper=True)

    def _town_candidates(self, groups) -> list[tuple[int, float, float, float | None]]:
        """Towns that may be labelled, in order: those hosting structures (with the offset that
        puts their label beside the symbols, which hide the town dot), then by population.
        Items: (place index, x pt, y pt, offset or None)."""
        places = self.basemap.places
        x0, y0, x1, y1 = self.frame
        within = np.nonzero((places.x > x0) & (places.x < x1) & (places.y > y0) & (places.y < y1))[0][:600]
        if self.scene.level != "adm0":
            focus = shapely.prepared.prep(self.scene.focus.geom.buffer(2_000))
            within = np.array([i for i in within if focus.contains(shapely.Point(places.x[i], places.y[i]))],
                              dtype=int)
        if not len(within):
            return []
        px_all, py_all = self.to_pt(places.x[within], places.y[within])
        hosting: dict[int, float] = {}
        for gx, gy, radius in groups:
            d = np.hypot(px_all - gx, py_all - gy)
            nearest = int(np.argmin(d))
            if d[nearest] < max(radius, 6.0):
                hosting.setdefault(nearest, radius - float(d[nearest]))
        order = sorted(hosting) + [j for j in range(len(within)) if j not in hosting]
        return [(int(within[j]), float(px_all[j]), float(py_all[j]), hosting.get(j)) for j in order]

    def _towns(self, candidates, names: list[str], limit: int) -> None:
        """Label candidates in order until ``names`` holds ``limit`` towns (greedy, no overlap)."""
        places = self.basemap.places
        placed = self._town_xy
        size = self.size(self.style["town_pt"])
        dot = 2.6 * self.type_scale
        spacing = 16 * self.type_scale  # a less populous town this close to a labelled one is skipped
        for i, px, py, hosting_offset in candidates:
            if len(names) >= limit:
                break
            name = places.names[i]
            if name in names or any((px - qx) ** 2 + (py - qy) ** 2 < spacing**2 for qx, qy in placed):
                continue
            hosting = hosting_offset is not None
            offset = hosting_offset or 0.0
            w, h = text_size(name, size)
            gap = dot / 2 + 1.5 + offset
            dot_box = (px - dot, py - dot, px + dot, py + dot)
            if not hosting and not self.occupied.free(dot_box):
                continue
            for bx, ha, anchor in (
                ((px + gap, py - h / 2, px + gap + w, py + h / 2), "left", (px + gap, py)),
                ((px - gap - w, py - h / 2, px - gap, py + h / 2), "right", (px - gap, py)),
                ((px - w / 2, py + gap, px + w / 2, py + gap + h), "center", (px, py + gap + h / 2)),
                ((px - w / 2, py - gap - h, px + w / 2, py - gap), "center", (px, py - gap - h / 2)),
            ):
                if self.occupied.inside(bx) and self.occupied.free(bx):
                    self.occupied.add(bx)
                    self.occupied.add(dot_box)
                    ax_, ay_ = self.to_data(*anchor)
                    self.ax.text(
                        float(ax_), float(ay_), name, ha=ha, va="center", fontsize=size, color=TOWN_COLOR,
                        family=FONT_FAMILY, zorder=15,
                        path_effects=[patheffects.withStroke(linewidth=1.8, foreground="white")],
                    )
                    if not hosting:
                        self.ax.scatter([places.x[i]], [places.y[i]], s=dot**2, c=TOWN_COLOR,
                                        edgecolors="white", linewidths=0.5, zorder=14)
                    placed.append((px, py))
                    names.append(name)
                    break

    def _scale_bar(self) -> float:
        """Alternating black and white segments with km labels, lower left; returns its length."""
        s = self.type_scale
        target_pt = min(self.w_pt * 0.22, 120 * s)
        km_per_pt = 1 / (self.k * 1000)
        length_km = nice_length(target_pt * km_per_pt)
        length_pt = length_km / km_per_pt
        left, bottom, height = 10 * s, 10 * s, 4 * s
        segments = 4 if length_km / 4 == int(length_km / 4) or length_km >= 4 else 2
        self._frame_patch(left - 5 * s, bottom - 6 * s, length_pt + 32 * s, height + 19 * s)
        for i in range(segments):
            x, y = self.to_data(left + i * length_pt / segments, bottom)
            w = length_pt / segments / self.k
            fill = "black" if i % 2 == 0 else "white"
            self.ax.add_patch(Rectangle((float(x), float(y)), w, height / self.k, facecolor=fill, edgecolor="black",
                                        linewidth=0.6, zorder=31))
        label_size = self.size(6.5)
        for value, frac in ((0, 0), (length_km / 2, 0.5), (length_km, 1)):
            x, y = self.to_data(left + frac * length_pt, bottom + height + 2 * s)
            text = format_decimal(value, locale=self.texts.locale)
            self.ax.text(float(x), float(y), text, ha="center", va="bottom", fontsize=label_size,
                         family=FONT_FAMILY, color="#1a1a1a", zorder=32)
        x, y = self.to_data(left + length_pt + 4 * s, bottom + height / 2)
        self.ax.text(float(x), float(y), self.texts.km, ha="left", va="center", fontsize=label_size,
                     family=FONT_FAMILY, color="#1a1a1a", zorder=32)
        return length_km

    def _frame_patch(self, left_pt, bottom_pt, w_pt, h_pt) -> None:
        x, y = self.to_data(left_pt, bottom_pt)
        self.ax.add_patch(Rectangle((float(x), float(y)), w_pt / self.k, h_pt / self.k, facecolor="white",
                                    edgecolor="#9e9e9e", linewidth=0.5, alpha=0.85, zorder=30))

    def _north_arrow(self) -> None:
        s = self.type_scale
        cx, top = self.w_pt - 18 * s, self.h_pt - 14 * s
        half_w, length = 6 * s, 22 * s
        self._frame_patch(cx - 12 * s, top - length - 6 * s, 24 * s, length + 18 * s)
        tip = (cx, top)
        left = (cx - half_w, top - length)
        right = (cx + half_w, top - length)
        notch = (cx, top - length * 0.72)
        for pts, color in (((tip, left, notch), "black"), ((tip, notch, right), "white")):
            xy = np.array([self.to_data(px, py) for px, py in pts], dtype=float)
            self.ax.add_patch(PolygonPatch(xy, closed=True, facecolor=color, edgecolor="black", linewidth=0.7,
                                           zorder=31))
        x, y = self.to_data(cx, top + 1.5 * s)
        self.ax.text(float(x), float(y), self.texts.north, ha="center", va="bottom", fontsize=self.size(8),
                     fontweight="bold", family=FONT_FAMILY, zorder=32)

    def _inset_size(self) -> tuple[float, float]:
        country = self.basemap.country.geom.bounds
        aspect = (country[2] - country[0]) / (country[3] - country[1])
        h = min(self.h_pt * 0.26, 90 * self.type_scale)
        return h * aspect, h

    def _inset(self) -> None:
        """A locator: the whole country with the focus in red, lower right of the frame."""
        w_pt, h_pt = self._inset_size()
        bbox = self.ax.get_position()
        fig_w_pt = self.fig.get_figwidth() * 72
        fig_h_pt = self.fig.get_figheight() * 72
        rect = (
            bbox.x1 - (w_pt + 4) / fig_w_pt,
            bbox.y0 + 4 / fig_h_pt,
            w_pt / fig_w_pt,
            h_pt / fig_h_pt,
        )
        inset = self.fig.add_axes(rect)
        cx0, cy0, cx1, cy1 = self.basemap.country.geom.bounds
        pad = (cx1 - cx0) * 0.04
        inset.set_xlim(cx0 - pad, cx1 + pad)
        inset.set_ylim(cy0 - pad, cy1 + pad)
        inset.set_xticks([])
        inset.set_yticks([])
        inset.set_facecolor("white")
        for spine in inset.spines.values():
            spine.set_edgecolor("#9e9e9e")
            spine.set_linewidth(0.5)
        paths = [geometry_path(r.geom) for r in self.basemap.regions]
        inset.add_collection(PathCollection(paths, facecolors=sym.fill_color("regions") or "#ffffff",
                                            edgecolors="#b0b0b0", linewidths=0.3, transform=inset.transData))
        inset.add_collection(PathCollection([geometry_path(self.scene.focus.geom)], facecolors=INSET_FOCUS,
                                            edgecolors=INSET_FOCUS, linewidths=0.5, transform=inset.transData))
        inset.add_collection(PathCollection([geometry_path(self.basemap.country.geom)], facecolors="none",
                                            edgecolors="#3d3d3d", linewidths=0.6, transform=inset.transData))
        fx0, fy0, fx1, fy1 = self.frame
        inset.add_patch(Rectangle((fx0, fy0), fx1 - fx0, fy1 - fy0, facecolor="none", edgecolor="#3d3d3d",
                                  linewidth=0.5, linestyle=(0, (2, 1))))


def _lc(kwargs: dict) -> dict:
    """line_kwargs → LineCollection keyword names."""
    out = {"colors": kwargs["color"], "linewidths": kwargs["linewidth"], "alpha": kwargs.get("alpha")}
    if "linestyle" in kwargs:
        out["linestyles"] = [kwargs["linestyle"]]
    return out


# --------------------------------------------------------------------------- output


def figure_image(fig: Figure, fmt: str = "PNG") -> bytes:
    """Render ``fig`` with Agg and encode it without metadata (deterministic bytes).

    PNG for the PNG product; high-quality JPEG (4:4:4, q 92) for maps inside the PDF, because
    WeasyPrint embeds a JPEG as it is but decodes and re-compresses a PNG (0.2 s per map).
    """
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    image = Image.fromarray(rgba[:, :, :3].copy(), "RGB")
    out = io.BytesIO()
    if fmt == "JPEG":
        image.save(out, format="JPEG", quality=92, subsampling=0, optimize=False)
    else:
        image.save(out, format="PNG", compress_level=3)
    return out.getvalue()



def new_figure(width_in: float, height_in: float, dpi: float) -> Figure:
    fig = Figure(figsize=(width_in, height_in), dpi=dpi, facecolor="white")
    return fig


def render_map_image(scene: Scene, texts: MapTexts, width_mm: float, height_mm: float, dpi: float = 200,
                     type_scale: float = 1.0, fmt: str = "JPEG") -> tuple[bytes, Drawn]:
    """The map frame alone (for the PDF page): an image of ``width_mm`` × ``height_mm`` at ``dpi``."""
    # A hair over the nominal size so Agg's integer canvas is never one pixel short.
    width_in = (round(width_mm / MM_PER_INCH * dpi) + 0.01) / dpi
    height_in = (round(height_mm / MM_PER_INCH * dpi) + 0.01) / dpi
    fig = new_figure(width_in, height_in, dpi)
    painter = MapPainter(fig, (0, 0, 1, 1), scene, texts, width_mm, height_mm, type_scale)
    drawn = painter.draw()
    return figure_image(fig, fmt), drawn
