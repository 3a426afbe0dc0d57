"""The map's services layer at any size: clusters with counts, or the services one by one (Flask-free).

A view holding at most ``points_limit`` services gets them as ``search_services`` gives them (the
same features, popups and masking as ``/api/v1/services``). A fuller view gets one cluster per
cell of a grid fixed by the zoom level: cells of 360° / 2^(zoom + 2), 64 px on the map, counted
by the database (table ``service_cluster``, kept by triggers: migration 0016), so that a national
view of a million services reads a few thousand rows instead of a million points.

Confidentiality: for a viewer who may not see confidential locations, the counts are those of
the **public** point (``service_point.public_geom``: a confidential shelter counts in its town's
cell, and moves the cluster's mean only towards its town); for staff, those of the exact point,
as ``directory.visibility.displayed_geom`` decides for every output.

The cells read are every cell the bbox touches: a cluster's count covers its whole cell, and the
answer's ``cells.bbox`` is the area the counts add up over (a point lies in cell
``floor(lon / size), floor(lat / size)``).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import ServiceCluster
from .query import ServiceFilter, feature_collection, search_services
from .visibility import PUBLIC, Viewer

MIN_ZOOM, MAX_ZOOM = 5, 14  # the levels migration 0016 counts
ZOOM_RANGE = (0, 22)  # accepted from clients; below 5 the level-5 cells, above 14 the level-14 ones
DEFAULT_POINTS_LIMIT = 1000  # a view with more services than this is drawn as clusters
MAX_CELLS = 64 * 64  # a bbox spanning more cells than this at its zoom is read at a coarser level
COORDINATE_DIGITS = 5


def cell_size(zoom: int) -> float:
    """Degrees per cell at ``zoom`` (a power of two: exact in binary floating point, as in SQL)."""
    return 360.0 / 2 ** (zoom + 2)


@dataclass(frozen=True)
class Cells:
    """The cells of a grid level that a bbox touches (all of them when ``bounds`` is None)."""

    zoom: int
    bounds: tuple[int, int, int, int] | None  # ix0, iy0, ix1, iy1 (inclusive)

    @property
    def size(self) -> float:
        return cell_size(self.zoom)

    def bbox(self) -> list[float] | None:
        """The area the cells cover: minlon, minlat, maxlon, maxlat (maxima excluded)."""
        if self.bounds is None:
            return None
        ix0, iy0, ix1, iy1 = self.bounds
        size = self.size
        return [ix0 * size, iy0 * size, (ix1 + 1) * size, (iy1 + 1) * size]

    def count(self) -> float:
        if self.bounds is None:
            return math.inf
        ix0, iy0, ix1, iy1 = self.bounds
        return (ix1 - ix0 + 1) * (iy1 - iy0 + 1)


def cells_for(bbox: tuple[float, float, float, float] | None, zoom: int) -> Cells:
    """The grid level for ``zoom`` (5..14), coarser while the bbox would span over ``MAX_CELLS``."""
    level = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
    while True:
        if bbox is None:
            cells = Cells(level, None)
        else:
            size = cell_size(level)
            minlon, minlat, maxlon, maxlat = bbox
            cells = Cells(level, (math.floor(minlon / size), math.floor(minlat / size),
                                  math.floor(maxlon / size), math.floor(maxlat / size)))
        if cells.count() <= MAX_CELLS or level == MIN_ZOOM:
            return cells
        level -= 1


def _conditions(cells: Cells, filters: ServiceFilter, viewer: Viewer) -> list:
    c = ServiceCluster
    where = [c.exact.is_(viewer.can_see_confidential), c.zoom == cells.zoom, c.n > 0]
    if cells.bounds is not None:
        ix0, iy0, ix1, iy1 = cells.bounds
        where += [c.ix.between(ix0, ix1), c.iy.between(iy0, iy1)]
    if filters.categories:
        where.append(c.category.in_(filters.categories))
    if filters.statuses:
        where.append(c.status.in_(filters.statuses))
    return where


def cluster_total(session: Session, cells: Cells, filters: ServiceFilter, viewer: Viewer = PUBLIC) -> int:
    """Service locations in ``cells`` matching ``filters`` (category, status) as ``viewer`` sees them."""
    where = _conditions(cells, filters, viewer)
    return int(session.scalar(select(func.coalesce(func.sum(ServiceCluster.n), 0)).where(*where)))


def cluster_features(session: Session, cells: Cells, filters: ServiceFilter, viewer: Viewer = PUBLIC) -> list[dict]:
    """One Point feature per non-empty cell: ``count``, ``categories`` ({code: count}), at the mean
    of the points counted."""
    c = ServiceCluster
    per_category = (
        select(c.ix, c.iy, c.category, func.sum(c.n).label("n"),
               func.sum(c.sum_lon).label("sx"), func.sum(c.sum_lat).label("sy"))
        .where(*_conditions(cells, filters, viewer))
        .group_by(c.ix, c.iy, c.category)
        .subquery()
    )
    t = per_category.c
    rows = session.execute(
        select(t.ix, t.iy, func.sum(t.n), func.sum(t.sx), func.sum(t.sy),
               func.jsonb_object_agg(t.category, t.n))
        .group_by(t.ix, t.iy)
        .order_by(t.ix, t.iy)
    ).all()
    features = []
    for ix, iy, n, sx, sy, categories in rows:
        n = int(n)
        features.append({
            "type": "Feature",
            "id": f"{cells.zoom}/{ix}/{iy}",
            "geometry": {"type": "Point", "coordinates": [round(sx / n, COORDINATE_DIGITS),
                                                          round(sy / n, COORDINATE_DIGITS)]},
            "properties": {"cluster": True, "count": n, "categories": {k: int(v) for k, v in categories.items()}},
        })
    return features


def map_services(
    session: Session,
    filters: ServiceFilter,
    zoom: int,
    viewer: Viewer = PUBLIC,
    points_limit: int = DEFAULT_POINTS_LIMIT,
) -> dict:
    """The services layer for a view: a FeatureCollection with ``mode`` ``services`` (the features
    of ``search_services``) or ``clusters``, and ``total`` (the services it stands for)."""
    cells = cells_for(filters.bbox, zoom)
    total = cluster_total(session, cells, filters, viewer)
    if total <= points_limit:
        # ``total`` counts whole cells: the bbox itself holds at most as many (never truncated).
        features, truncated = search_services(session, dataclasses.replace(filters, limit=points_limit), viewer)
        return feature_collection(features, mode="services", zoom=zoom, total=len(features),
                                  numberReturned=len(features), truncated=truncated)
    features = cluster_features(session, cells, filters, viewer)
    return feature_collection(
        features, mode="clusters", zoom=zoom, total=total, numberReturned=len(features), truncated=False,
        cells={"zoom": cells.zoom, "size": cells.size, "bbox": cells.bbox()},
    )
