"""The printable sheet's small map: an inline SVG drawn on the server (Flask-free).

No tiles, no script: regions and the national border around the origin and the matches, the
origin as a black square, each match as a numbered disc in its category's colour (from the one
catalogue, ``layers.CATEGORY_STYLES``) joined to the origin by a straight line. Plate carrée in
degrees (x = lon, y = -lat): at Côte d'Ivoire's latitudes a degree of longitude is 0.98-0.997 of
a degree of latitude, a distortion under 2 %, invisible at this size.
"""

from __future__ import annotations

from html import escape

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import layers
from webmap.models import AdminArea

from .nearest import Origin

WIDTH, HEIGHT = 480, 300  # CSS px; the SVG scales to its box
MIN_SPAN_DEG = 0.4  # never zoom closer than ~44 km across


def _extent(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(minlon, minlat, maxlon, maxlat) around the points, padded, at the sheet's aspect ratio."""
    lons = [p[0] for p in points]
    lats = [p[1] for p in points]
    cx, cy = (min(lons) + max(lons)) / 2, (min(lats) + max(lats)) / 2
    span_x = max(max(lons) - min(lons), MIN_SPAN_DEG) * 1.25
    span_y = max(max(lats) - min(lats), MIN_SPAN_DEG) * 1.25
    aspect = WIDTH / HEIGHT
    if span_x / span_y < aspect:
        span_x = span_y * aspect
    else:
        span_y = span_x / aspect
    return cx - span_x / 2, cy - span_y / 2, cx + span_x / 2, cy + span_y / 2


def _boundaries(session: Session, extent: tuple[float, float, float, float], tolerance: float) -> list[tuple[str, str]]:
    """SVG path data (``ST_AsSVG``, y = -lat) of regions and the country, clipped to the extent."""
    envelope = func.ST_MakeEnvelope(*extent, 4326)
    geom = func.ST_ClipByBox2D(func.ST_SimplifyPreserveTopology(AdminArea.geom, tolerance), envelope)
    rows = session.execute(
        select(AdminArea.level, func.ST_AsSVG(geom, 0, 4).label("d"))
        .where(AdminArea.level.in_(("adm0", "adm1")), func.ST_Intersects(AdminArea.geom, envelope))
        .order_by(AdminArea.level.desc())  # regions first, the border on top
    ).all()
    return [(row.level, row.d) for row in rows if row.d]


def small_map(session: Session, origin: Origin, results: list[dict]) -> str:
    """The SVG markup (safe: every text is escaped, numbers are formatted by us)."""
    points = [(origin.lon, origin.lat)] + [(r["lon"], r["lat"]) for r in results]
    minlon, minlat, maxlon, maxlat = _extent(points)
    span = maxlon - minlon
    unit = span / WIDTH  # one CSS px in degrees
    paths = _boundaries(session, (minlon, minlat, maxlon, maxlat), tolerance=unit)
    regions = layers.layer("regions").style
    country = layers.layer("country").style
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="rf-sheet-map" role="img" '
        f'viewBox="{minlon:.5f} {-maxlat:.5f} {span:.5f} {maxlat - minlat:.5f}" '
        f'width="{WIDTH}" height="{HEIGHT}" preserveAspectRatio="xMidYMid meet">',
        f'<rect x="{minlon:.5f}" y="{-maxlat:.5f}" width="{span:.5f}" height="{maxlat - minlat:.5f}" fill="#ffffff"/>',
    ]
    for level, d in paths:
        style = country if level == "adm0" else regions
        fill = style.fill_color if level == "adm1" and style.fill_color else "none"
        parts.append(
            f'<path d="{escape(d)}" fill="{fill}" stroke="{style.color}" '
            f'stroke-width="{style.weight * unit:.6f}" stroke-linejoin="round"/>'
        )
    for r in results:
        parts.append(
            f'<line x1="{origin.lon:.5f}" y1="{-origin.lat:.5f}" x2="{r["lon"]:.5f}" y2="{-r["lat"]:.5f}" '
            f'stroke="#17324d" stroke-width="{1.5 * unit:.6f}" stroke-dasharray="{4 * unit:.6f} {3 * unit:.6f}"/>'
        )
    # The origin: a black square frame, under the discs, so a match in the same town shows inside it.
    side = 24 * unit
    parts.append(
        f'<rect x="{origin.lon - side / 2:.5f}" y="{-origin.lat - side / 2:.5f}" width="{side:.6f}" '
        f'height="{side:.6f}" fill="#ffffff" stroke="#111111" stroke-width="{3 * unit:.6f}"/>'
    )
    # Matches drawn farthest first so the nearest disc stays on top where they overlap.
    radius = 9 * unit
    for r in sorted(results, key=lambda r: -r["rank"]):
        style = layers.CATEGORY_STYLES.get(r["category"])
        color = style.color if style else "#444444"
        text_color = style.icon_color if style else "#ffffff"
        parts.append(
            f'<g><title>{escape(r["name"])}</title>'
            f'<circle cx="{r["lon"]:.5f}" cy="{-r["lat"]:.5f}" r="{radius:.6f}" fill="{color}" '
            f'stroke="#ffffff" stroke-width="{1.5 * unit:.6f}"/>'
            f'<text x="{r["lon"]:.5f}" y="{-r["lat"]:.5f}" dy="{4 * unit:.6f}" text-anchor="middle" '
            f'font-size="{11 * unit:.6f}" font-weight="700" fill="{text_color}" '
            f'font-family="sans-serif">{r["rank"]}</text></g>'
        )
    parts.append(_scale_bar(minlon, minlat, maxlat, unit))
    parts.append("</svg>")
    return "".join(parts)


def _scale_bar(minlon: float, minlat: float, maxlat: float, unit: float) -> str:
    """A bar of a round number of km at the bottom left (km per degree of longitude there)."""
    import math

    mid_lat = (minlat + maxlat) / 2
    km_per_deg = 111.32 * math.cos(math.radians(mid_lat))
    target_km = 100 * unit * km_per_deg  # about 100 px
    nice = next((n for n in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500) if n >= target_km * 0.6), 500)
    length = nice / km_per_deg
    x0 = minlon + 12 * unit
    y0 = -minlat - 12 * unit
    return (
        f'<g><line x1="{x0:.5f}" y1="{y0:.5f}" x2="{x0 + length:.5f}" y2="{y0:.5f}" stroke="#111111" '
        f'stroke-width="{3 * unit:.6f}"/>'
        f'<text x="{x0:.5f}" y="{y0 - 5 * unit:.5f}" font-size="{10 * unit:.6f}" fill="#111111" '
        f'font-family="sans-serif">{nice} km</text></g>'
    )
