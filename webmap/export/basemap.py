"""Reference geometries for the printed map, projected once and cached per process (Flask-free).

Everything is drawn in one conformal projection, a transverse Mercator centred on Côte d'Ivoire
(``PRINT_CRS``): within the country the scale error stays under 0.2 %, so the scale bar in km is
true and north is up to within a degree.

The cache is keyed by the database URL and the ``reference_dataset`` signature (layer, SHA-256,
feature count, load time) that ``webmap geodata`` writes: reloading the reference data changes the
key, so a long-running worker never prints stale boundaries. The directory itself is never cached.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, shape
from shapely.ops import polylabel
from sqlalchemy import text
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

PRINT_CRS = "+proj=tmerc +lat_0=0 +lon_0=-5.5 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
NEIGHBOURS_LAYER = "ne_countries_west_africa"
SEAM_METRES = 8_000

_TO_PRINT = Transformer.from_crs("EPSG:4326", PRINT_CRS, always_xy=True)


def project_xy(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """WGS 84 lon/lat (scalars or arrays) → print CRS metres."""
    x, y = _TO_PRINT.transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x), np.asarray(y)


def project_geometry(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(project_xy(xy[:, 0], xy[:, 1])))


@dataclass(frozen=True)
class Area:
    pcode: str
    name: str
    level: str
    parent_pcode: str | None
    geom: object  # shapely (Multi)Polygon in the print CRS
    label_xy: tuple[float, float]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        return self.geom.bounds


@dataclass(frozen=True)
class Places:
    """Gazetteer places in the print CRS, most populous first."""

    names: tuple[str, ...]
    x: np.ndarray
    y: np.ndarray
    population: np.ndarray
    adm1: tuple[str | None, ...]


@dataclass(frozen=True)
class Neighbour:
    iso3: str
    name: str  # English (Natural Earth); translated when drawn
    geom: object


@dataclass(frozen=True)
class Basemap:
    country: Area
    regions: tuple[Area, ...]
    departements: tuple[Area, ...]
    places: Places
    neighbours: tuple[Neighbour, ...] = ()
    neighbours_attribution: tuple[str, str] | None = None  # (attribution, licence) when read
    # Natural Earth's Côte d'Ivoire near its land borders: fills the seam between the coarser
    # neighbours and the OCHA outline without pushing Natural Earth's coastline into the sea.
    border_seam: object = None
    land: object = None  # Côte d'Ivoire and its neighbours as one shape (the sea is the rest)
    by_pcode: dict[str, Area] = field(default_factory=dict)
    # Shared boundaries dissolved once (no doubled dashes): arrays of (x, y) vertices.
    region_lines: tuple[np.ndarray, ...] = ()
    departement_lines: tuple[np.ndarray, ...] = ()

    def area(self, pcode: str) -> Area | None:
        return self.by_pcode.get(pcode)


_cache: dict[tuple, Basemap] = {}
_lock = threading.Lock()


def reference_signature(session: Session) -> tuple:
    rows = session.execute(
        text(
            "SELECT layer, sha256, features, loaded_at FROM reference_dataset "
            "WHERE layer LIKE 'admin_area.%' OR layer = 'place' ORDER BY layer"
        )
    ).all()
    return tuple((r.layer, r.sha256, r.features, str(r.loaded_at)) for r in rows)


def load_basemap(
    session: Session, mirror: str | None = None, cache: str | None = None
) -> Basemap:
    """The projected reference layers, from the per-process cache when the data is unchanged."""
    bind = session.get_bind()
    url = str(getattr(bind, "engine", bind).url)
    key = (url, reference_signature(session), mirror, cache)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            return found
    basemap = _build(session, mirror, cache)
    with _lock:
        _cache.clear()  # one entry per process: the current reference data
        _cache[key] = basemap
    return basemap


def clear_cache() -> None:
    with _lock:
        _cache.clear()


def _label_point(geom) -> tuple[float, float]:
    """A point well inside the largest part (pole of inaccessibility), for labels."""
    polygon = geom
    if isinstance(geom, MultiPolygon):
        polygon = max(geom.geoms, key=lambda part: part.area)
    if not isinstance(polygon, Polygon) or polygon.is_empty:
        point = geom.representative_point()
        return (point.x, point.y)
    tolerance = max(polygon.length / 2000, 10.0)
    point = polylabel(polygon, tolerance=tolerance)
    return (point.x, point.y)


def _areas(session: Session, level: str) -> list[Area]:
    rows = session.execute(
        text(
            "SELECT pcode, name, level, parent_pcode, ST_AsBinary(geom) AS wkb "
            "FROM admin_area WHERE level = :level ORDER BY pcode"
        ),
        {"level": level},
    ).all()
    out = []
    for row in rows:
        geom = shapely.make_valid(project_geometry(shapely.from_wkb(bytes(row.wkb))))
        out.append(Area(row.pcode, row.name, row.level, row.parent_pcode, geom, _label_point(geom)))
    return out


def _places(session: Session) -> Places:
    rows = session.execute(
        text(
            "SELECT name, coalesce(population, 0) AS population, adm1_pcode, "
            "ST_X(geom) AS lon, ST_Y(geom) AS lat FROM place "
            "ORDER BY coalesce(population, 0) DESC, name, id"
        )
    ).all()
    x, y = project_xy([r.lon for r in rows], [r.lat for r in rows])
    return Places(
        names=tuple(r.name for r in rows),
        x=x,
        y=y,
        population=np.array([r.population for r in rows], dtype=np.int64),
        adm1=tuple(r.adm1_pcode for r in rows),
    )


def _neighbours(mirror: str | None, cache: str | None) -> tuple[tuple[Neighbour, ...], tuple[str, str] | None]:
    """Natural Earth countries around Côte d'Ivoire, from the verified mirror; none if unavailable."""
    from ..geodata import GeodataError, layer_path, load_manifest

    try:
        manifest = load_manifest()
        path: Path = layer_path(NEIGHBOURS_LAYER, manifest, mirror, cache)
        source = manifest.file(NEIGHBOURS_LAYER)
        document = json.loads(path.read_text(encoding="utf-8"))
    except (GeodataError, OSError, ValueError) as exc:
        log.warning("printed map without neighbouring countries: %s", exc)
        return (), None
    out = []
    for feature in sorted(document.get("features", []), key=lambda f: f["properties"].get("iso3", "")):
        props = feature.get("properties") or {}
        geom = shapely.make_valid(project_geometry(shape(feature["geometry"])))
        out.append(Neighbour(props.get("iso3", ""), props.get("name", ""), geom))
    return tuple(out), (source.attribution, source.licence)


def _dissolved_lines(areas) -> tuple[np.ndarray, ...]:
    """Every boundary of ``areas`` once (shared edges merged), as vertex arrays."""
    if not areas:
        return ()
    merged = shapely.line_merge(shapely.union_all([shapely.boundary(a.geom) for a in areas]))
    parts = getattr(merged, "geoms", [merged])
    return tuple(np.asarray(part.coords) for part in parts if not part.is_empty)


def _build(session: Session, mirror: str | None, cache: str | None) -> Basemap:
    countries = _areas(session, "adm0")
    if not countries:
        raise LookupError("no country outline in admin_area: run `webmap geodata` first")
    regions = tuple(_areas(session, "adm1"))
    departements = tuple(_areas(session, "adm2"))
    neighbours, attribution = _neighbours(mirror, cache)
    seam = None
    others = [n.geom for n in neighbours if n.iso3 != "CIV"]
    own = [n.geom for n in neighbours if n.iso3 == "CIV"]
    if others and own:
        seam = own[0].intersection(shapely.union_all(others).buffer(SEAM_METRES))
    by_pcode = {area.pcode: area for area in (*regions, *departements)}
    return Basemap(
        country=countries[0],
        regions=regions,
        departements=departements,
        places=_places(session),
        neighbours=neighbours,
        neighbours_attribution=attribution,
        border_seam=seam,
        land=shapely.union_all([countries[0].geom, *others]),
        by_pcode=by_pcode,
        region_lines=_dissolved_lines(regions),
        departement_lines=_dissolved_lines(departements),
    )
